import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { LabState } from './state.js';

/** TLS material for talking to the apiserver as the lab admin (PEM text). */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Accept any server certificate: the self-signed serving certs of kcm and the scheduler health ports. */
  insecure?: boolean;
}

export interface HttpResponse {
  status: number;
  text: string;
}

/** One HTTP(S) request with a timeout; network errors reject, HTTP errors resolve with their status. */
export function httpRequest(
  url: string,
  options: { method?: string; body?: string; contentType?: string; tls?: ClientTls; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const common = { method: options.method ?? 'GET', headers, timeout: options.timeoutMs ?? 10_000 };
    const request =
      target.protocol === 'https:'
        ? https.request(target, {
            ...common,
            ca: options.tls?.ca,
            cert: options.tls?.cert,
            key: options.tls?.key,
            rejectUnauthorized: !options.tls?.insecure,
            agent: false,
          })
        : http.request(target, { ...common, agent: false });
    request.on('timeout', () => request.destroy(new Error(`timeout after ${common.timeout} ms: ${url}`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.end(options.body);
  });
}

/** The admin client TLS material of a lab, read from its pki directory. */
export function adminTls(state: Pick<LabState, 'pki'>): ClientTls {
  return {
    ca: readFileSync(state.pki.caCert, 'utf8'),
    cert: readFileSync(state.pki.adminCert, 'utf8'),
    key: readFileSync(state.pki.adminKey, 'utf8'),
  };
}

/** A minimal JSON client for the lab apiserver (setup objects, health, digests); workloads use @kubernetes/client-node. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly tls: ClientTls,
  ) {}

  static forLab(state: Pick<LabState, 'apiserverUrl' | 'pki'>): ApiClient {
    return new ApiClient(state.apiserverUrl, adminTls(state));
  }

  async request(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResponse> {
    return httpRequest(`${this.baseUrl}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType,
      tls: this.tls,
    });
  }

  /** GET returning parsed JSON; throws with the status and message on anything but 200. */
  async get<T = unknown>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}: ${response.text.slice(0, 200)}`);
    return JSON.parse(response.text) as T;
  }

  /** POST creating an object; an existing object (409) is fine, so setup steps can be retried. */
  async create(path: string, body: unknown): Promise<void> {
    const response = await this.request('POST', path, body);
    if (response.status !== 201 && response.status !== 200 && response.status !== 409) {
      throw new Error(`POST ${path}: HTTP ${response.status}: ${response.text.slice(0, 300)}`);
    }
  }
}
