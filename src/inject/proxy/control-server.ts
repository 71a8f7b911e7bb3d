import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidDataError, MutinyError } from '../../core/errors.js';
import type { EtcdProxy, ProxyStats } from './etcd-proxy.js';
import type { FaultError, Injection, InjectionLogEntry, InjectionStatus } from './injection.js';

/** GET /healthz: the proxy is up; what it forwards, what is armed, and its counters. */
export interface ProxyHealth {
  ok: true;
  listen: string;
  upstream: string;
  injections: InjectionStatus[];
  stats: ProxyStats;
  faultErrors: FaultError[];
}

/** POST /arm answers `{ armed }`; POST /disarm `{ disarmed }`; GET /log `{ entries, next }`. */
export interface ArmResponse {
  armed: Injection;
}
export interface DisarmResponse {
  disarmed: number;
}
export interface LogResponse {
  entries: InjectionLogEntry[];
  /** Pass as `since` to read only newer entries. */
  next: number;
}

const MAX_BODY_BYTES = 1 << 20;

function readBody(request: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new InvalidDataError('request body: larger than 1 MiB'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new InvalidDataError(`request body: not JSON (${(error as Error).message})`));
      }
    });
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * The proxy's control API: HTTP JSON on loopback (contracts.md). POST /arm {injection}, POST /disarm
 * {id?} (all when no id), GET /log?since=N, GET /healthz. Errors answer `{ error }` with status 400/404/405.
 */
export class ProxyControlServer {
  private constructor(
    private readonly server: http.Server,
    /** `http://HOST:PORT` of the bound control API. */
    readonly url: string,
  ) {}

  /** Starts serving the control API of `proxy` on `listen` (`HOST:PORT`, port 0 picks one). */
  static async start(proxy: EtcdProxy, listen: string, upstream: string): Promise<ProxyControlServer> {
    const match = /^([^\s]+):(\d+)$/.exec(listen.trim());
    if (!match) throw new InvalidDataError(`--control ${listen}: expected HOST:PORT, e.g. 127.0.0.1:0`);
    const server = http.createServer((request, response) => {
      handle(proxy, upstream, request, response).catch((error: unknown) => {
        const status = error instanceof MutinyError ? 400 : 500;
        send(response, status, { error: (error as Error).message });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new InvalidDataError(`--control ${listen}: cannot bind (${error.message}); pick another port`, { cause: error })));
      server.listen(Number(match[2]), match[1], () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new ProxyControlServer(server, `http://${match[1]}:${port}`);
  }

  /** Stops the control API (open keep-alive connections are closed too). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(proxy: EtcdProxy, upstream: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://control');
  const route = `${request.method} ${url.pathname}`;
  switch (route) {
    case 'POST /arm': {
      const armed = proxy.injector.arm(await readBody(request));
      return send(response, 201, { armed } satisfies ArmResponse);
    }
    case 'POST /disarm': {
      const body = (await readBody(request)) as { id?: unknown } | undefined;
      if (body?.id !== undefined && typeof body.id !== 'string') throw new InvalidDataError('disarm.id: expected a string');
      return send(response, 200, { disarmed: proxy.injector.disarm(body?.id as string | undefined) } satisfies DisarmResponse);
    }
    case 'GET /log': {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0) throw new InvalidDataError(`log?since=${url.searchParams.get('since')}: expected a non-negative integer`);
      const entries = proxy.injector.log(since);
      return send(response, 200, { entries, next: since + entries.length } satisfies LogResponse);
    }
    case 'GET /healthz': {
      const health: ProxyHealth = {
        ok: true,
        listen: proxy.address,
        upstream,
        injections: proxy.injector.status(),
        stats: { ...proxy.stats },
        faultErrors: proxy.injector.faultErrors,
      };
      return send(response, 200, health);
    }
    default: {
      const known = ['/arm', '/disarm', '/log', '/healthz'].includes(url.pathname);
      return send(response, known ? 405 : 404, { error: `${route}: no such endpoint; use POST /arm, POST /disarm, GET /log, GET /healthz` });
    }
  }
}
