import { MutinyError } from '../../core/errors.js';
import type { ArmResponse, DisarmResponse, LogResponse, ProxyHealth } from './control-server.js';
import type { Injection, InjectionInput, InjectionLogEntry } from './injection.js';

/** The proxy control API could not be reached or refused a request. */
export class ProxyControlError extends MutinyError {}

/**
 * Client for a running proxy's control API (`mutiny proxy --control HOST:PORT`), used by the campaign runner:
 *
 *   const control = new ProxyControlClient('http://127.0.0.1:7001');
 *   await control.arm({ id: 'e1', channel: 'write', match: { keyPrefix: '/registry/deployments/' },
 *                       trigger: { nth: 1 }, fault: { model: 'set', field: 'spec.replicas', variant: 'huge' } });
 *   const { entries } = await control.log();
 */
export class ProxyControlClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Arms an injection (validated by the proxy); returns it with defaults filled in. */
  async arm(injection: InjectionInput): Promise<Injection> {
    return (await this.request<ArmResponse>('POST', '/arm', injection)).armed;
  }

  /** Disarms one injection, or every one when `id` is omitted; returns how many were still active. */
  async disarm(id?: string): Promise<number> {
    return (await this.request<DisarmResponse>('POST', '/disarm', id === undefined ? {} : { id })).disarmed;
  }

  /** Log entries from index `since` on, and the index to pass next time. */
  async log(since = 0): Promise<{ entries: InjectionLogEntry[]; next: number }> {
    return this.request<LogResponse>('GET', `/log?since=${since}`);
  }

  /** Liveness, armed injections and counters. */
  async health(): Promise<ProxyHealth> {
    return this.request<ProxyHealth>('GET', '/healthz');
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const where = `${method} ${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ProxyControlError(`${where}: proxy control API not reachable (${(error as Error).message}); is \`mutiny proxy\` running with --control there?`, { cause: error });
    }
    const payload = (await response.json().catch(() => ({}))) as T & { error?: string };
    if (!response.ok) throw new ProxyControlError(`${where}: ${response.status} ${payload.error ?? response.statusText}`);
    return payload;
  }
}
