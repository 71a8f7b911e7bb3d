import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SourceError } from '../core/errors.js';
import type { FetchCacheEntry, FetchCacheReader } from '../core/incident.js';
import { PACKAGE_ROOT } from '../core/paths.js';

/** Tunables of the HTTP client; the defaults are polite to the hosts we read. */
export interface HttpClientOptions {
  userAgent?: string;
  /** Per attempt, until the response headers arrive and again for the body. */
  timeoutMs?: number;
  /** Extra attempts after a network error, a timeout, a 5xx, or a rate-limit answer. */
  retries?: number;
  /** Base of the exponential back-off between attempts (full jitter). */
  backoffMs?: number;
  /** A rate limit that resets later than this fails the request instead of waiting. */
  maxRateLimitWaitMs?: number;
  /** Bodies are cut at this many bytes (`truncated` says so). */
  maxBodyBytes?: number;
  /** Requests in flight per host (1-2 is polite). */
  perHostConcurrency?: number;
  maxRedirects?: number;
  /** Validators of earlier fetches, sent as If-None-Match / If-Modified-Since. */
  cache?: FetchCacheReader;
  /** How to wait (tests may shorten it); defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** Per-request choices. */
export interface GetOptions {
  /** Send the cached validators; a 304 comes back as `notModified`. */
  conditional?: boolean;
  /** Check robots.txt of the page's origin first (HTML pages of third-party sites). */
  robots?: boolean;
  headers?: Record<string, string>;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for a removed page). */
  acceptStatus?: number[];
}

/** A fetched document, decoded. */
export interface HttpResponse {
  /** The URL after redirects. */
  url: string;
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** The body decoded with its declared charset (Content-Type, else <meta charset>, else UTF-8). */
  text: string;
  charset: string;
  truncated: boolean;
  notModified: boolean;
  /** The cache row to commit once everything derived from this response is stored. */
  cacheEntry: FetchCacheEntry;
}

/**
 * The User-Agent every request sends: the tool, its version, and where to read about it (package.json
 * `homepage`, else `repository`; without either, the product token alone).
 */
export function defaultUserAgent(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    homepage?: string;
    repository?: string | { url?: string };
  };
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const about = (pkg.homepage ?? repository)?.replace(/^git\+/, '').replace(/\.git$/, '');
  return about ? `mutiny/${pkg.version} (+${about})` : `mutiny/${pkg.version}`;
}

/** The part of robots-parser's result this client uses. */
interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/**
 * The HTTP client of every network source: timeouts, retries with jittered back-off, GitHub-style rate-limit
 * waits (Retry-After, X-RateLimit-Reset), per-host concurrency, conditional requests, robots.txt, a bounded
 * body, redirect-loop detection and charset decoding. `fetch` exposes the same policy to octokit.
 */
export class HttpClient {
  readonly userAgent: string;
  private readonly options: Required<Omit<HttpClientOptions, 'cache' | 'userAgent'>> & { cache?: FetchCacheReader };
  private readonly hostQueues = new Map<string, { active: number; waiting: Array<() => void> }>();
  private readonly robotsByOrigin = new Map<string, Promise<RobotsRules | null>>();

  constructor(options: HttpClientOptions = {}) {
    this.userAgent = options.userAgent ?? defaultUserAgent();
    this.options = {
      timeoutMs: options.timeoutMs ?? 20_000,
      retries: options.retries ?? 3,
      backoffMs: options.backoffMs ?? 1_000,
      maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 15 * 60_000,
      maxBodyBytes: options.maxBodyBytes ?? 5 * 2 ** 20,
      perHostConcurrency: Math.min(2, Math.max(1, options.perHostConcurrency ?? 2)),
      maxRedirects: options.maxRedirects ?? 10,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      cache: options.cache,
    };
  }

  /** GETs a document, following redirects, and decodes it. Throws SourceError for anything but 2xx/304/accepted. */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    if (options.robots && !(await this.robotsAllow(url))) throw new SourceError(`${url}: disallowed by robots.txt`);
    const headers: Record<string, string> = { accept: '*/*', ...options.headers };
    const cached = options.conditional ? this.options.cache?.readFetchCache(url) : undefined;
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;

    const seen = new Set<string>([url]);
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await this.request(current, { method: 'GET', headers, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && response.status !== 304 && location) {
        await response.body?.cancel();
        const next = new URL(location, current).toString();
        if (seen.has(next)) throw new SourceError(`${url}: redirect loop (${[...seen, next].join(' -> ')})`);
        if (hop + 1 > this.options.maxRedirects) throw new SourceError(`${url}: more than ${this.options.maxRedirects} redirects`);
        seen.add(next);
        current = next;
        continue;
      }
      const fetchedAt = new Date().toISOString();
      if (response.status === 304) {
        await response.body?.cancel();
        return {
          url: current,
          status: 304,
          headers: response.headers,
          body: new Uint8Array(),
          text: '',
          charset: 'utf-8',
          truncated: false,
          notModified: true,
          cacheEntry: { ...(cached ?? emptyCacheEntry(url)), url, status: 304, fetchedAt, error: null },
        };
      }
      const accepted = response.status >= 200 && response.status < 300 ? true : (options.acceptStatus ?? []).includes(response.status);
      if (!accepted) {
        await response.body?.cancel();
        throw new SourceError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
      }
      let read: { body: Uint8Array; truncated: boolean };
      try {
        read = await readBounded(response, this.options.maxBodyBytes, this.options.timeoutMs);
      } catch (error) {
        if (error instanceof SourceError) throw error;
        throw new SourceError(`${url}: body not received (${(error as Error).message})`, { cause: error });
      }
      const { body, truncated } = read;
      const charset = detectCharset(response.headers.get('content-type'), body);
      return {
        url: current,
        status: response.status,
        headers: response.headers,
        body,
        text: decode(body, charset),
        charset,
        truncated,
        notModified: false,
        cacheEntry: {
          url,
          status: response.status,
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
          bodyHash: createHash('sha256').update(body).digest('hex'),
          fetchedAt,
          error: null,
        },
      };
    }
  }

  /**
   * A fetch with this client's policy (User-Agent, timeouts, retries, rate-limit waits, per-host limit) for
   * libraries that take one, such as octokit. Redirects are left to the library.
   */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    return this.request(url, init ?? {});
  };

  /** One logical request: waits for a per-host slot, retries what is worth retrying, honours rate limits. */
  private async request(url: string, init: RequestInit): Promise<Response> {
    const host = new URL(url).host;
    let rateLimitWaits = 0;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.withHostSlot(host, () => this.attempt(url, init));
      } catch (error) {
        if (attempt >= this.options.retries) {
          const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${this.options.timeoutMs} ms` : (error as Error).message;
          throw new SourceError(`${url}: ${reason} (after ${attempt + 1} attempts)`, { cause: error });
        }
        await this.options.sleep(this.backoff(attempt));
        continue;
      }
      const wait = rateLimitWaitMs(response) ?? (await secondaryLimitWaitMs(response));
      if (wait !== null) {
        await response.body?.cancel();
        if (wait > this.options.maxRateLimitWaitMs || rateLimitWaits >= this.options.retries) {
          const until = new Date(Date.now() + wait).toISOString().slice(11, 19);
          throw new SourceError(`${url}: HTTP ${response.status} rate limited until ${until} UTC; retry later or set GITHUB_TOKEN for a higher limit`);
        }
        rateLimitWaits++;
        attempt--; // a rate-limit wait is not a failed attempt
        await this.options.sleep(wait);
        continue;
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < this.options.retries) {
        await response.body?.cancel();
        await this.options.sleep(this.backoff(attempt));
        continue;
      }
      return response;
    }
  }

  private async attempt(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', this.userAgent);
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(this.options.timeoutMs)]) : AbortSignal.timeout(this.options.timeoutMs);
    return globalThis.fetch(url, { ...init, headers, signal });
  }

  /** Full jitter: a random wait in [0, base * 2^attempt], at least 10 ms. */
  private backoff(attempt: number): number {
    return Math.max(10, Math.random() * this.options.backoffMs * 2 ** attempt);
  }

  private async withHostSlot<T>(host: string, work: () => Promise<T>): Promise<T> {
    let queue = this.hostQueues.get(host);
    if (!queue) this.hostQueues.set(host, (queue = { active: 0, waiting: [] }));
    const q = queue;
    if (q.active >= this.options.perHostConcurrency) await new Promise<void>((resolve) => q.waiting.push(resolve));
    q.active++;
    try {
      return await work();
    } finally {
      q.active--;
      q.waiting.shift()?.();
    }
  }

  /** Whether robots.txt of the URL's origin lets this User-Agent fetch it (no robots.txt: allowed). */
  async robotsAllow(url: string): Promise<boolean> {
    const origin = new URL(url).origin;
    let robots = this.robotsByOrigin.get(origin);
    if (!robots) {
      robots = (async () => {
        try {
          const response = await this.get(`${origin}/robots.txt`, { acceptStatus: [401, 403, 404, 410] });
          if (response.status !== 200) return null;
          const robots = await import('robots-parser');
          // CommonJS module: the parser is the module itself or its default export, depending on the loader.
          const parse = ((robots as { default?: unknown }).default ?? robots) as (url: string, text: string) => RobotsRules;
          return parse(`${origin}/robots.txt`, response.text);
        } catch {
          return null;
        }
      })();
      this.robotsByOrigin.set(origin, robots);
    }
    const parsed = await robots;
    return parsed?.isAllowed(url, this.userAgent) ?? true;
  }
}

function emptyCacheEntry(url: string): FetchCacheEntry {
  return { url, status: null, etag: null, lastModified: null, bodyHash: null, fetchedAt: new Date(0).toISOString(), error: null };
}

/**
 * How long a 403/429 asks us to wait: Retry-After (seconds or a date), else X-RateLimit-Reset when
 * X-RateLimit-Remaining is 0 (GitHub's primary limit). Null when the answer is not a rate limit.
 */
export function rateLimitWaitMs(response: Response, now = Date.now()): number | null {
  if (response.status !== 403 && response.status !== 429) return null;
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = response.headers.get('x-ratelimit-reset');
  if (response.headers.get('x-ratelimit-remaining') === '0' && reset !== null) return Math.max(0, Number(reset) * 1000 - now) + 1000;
  // A 429 without headers is still a request to slow down.
  return response.status === 429 ? 60_000 : null;
}

/**
 * GitHub's secondary rate limit sometimes comes as a bare 403 whose message says so; its docs ask clients to
 * wait at least a minute then. Reads a copy of the (small) error body; null for any other 403.
 */
async function secondaryLimitWaitMs(response: Response): Promise<number | null> {
  if (response.status !== 403) return null;
  const text = await response.clone().text().catch(() => '');
  return /secondary rate limit|abuse detection/i.test(text.slice(0, 4096)) ? 60_000 : null;
}

/** Reads at most `max` bytes of a body, cancelling the rest. */
async function readBounded(response: Response, max: number, timeoutMs: number): Promise<{ body: Uint8Array; truncated: boolean }> {
  if (!response.body) return { body: new Uint8Array(), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) {
      await reader.cancel();
      throw new SourceError(`${response.url}: body not received within ${timeoutMs} ms`);
    }
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      size = max;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return { body, truncated };
}

/** The charset of a body: Content-Type's charset, else an HTML <meta charset>, else UTF-8. */
export function detectCharset(contentType: string | null, body: Uint8Array): string {
  const declared = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  if (declared && isKnownCharset(declared)) return declared.toLowerCase();
  const head = Buffer.from(body.subarray(0, 2048)).toString('latin1');
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
  if (meta && isKnownCharset(meta)) return meta.toLowerCase();
  return 'utf-8';
}

function isKnownCharset(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

// windows-1252 code points of bytes 0x80-0x9F (0xFFFD where the encoding leaves a byte undefined).
const WINDOWS_1252_HIGH = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
  0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];

/**
 * Decodes a body. Node 20's TextDecoder decodes windows-1252 (also the WHATWG meaning of latin1/iso-8859-1
 * labels) as ISO-8859-1, turning curly quotes and dashes into C1 controls, so that one is decoded here.
 */
function decode(body: Uint8Array, charset: string): string {
  const decoder = new TextDecoder(charset);
  if (decoder.encoding !== 'windows-1252') return decoder.decode(body);
  let out = '';
  for (let i = 0; i < body.length; i += 8192) {
    const codes = Array.from(body.subarray(i, i + 8192), (b) => (b >= 0x80 && b < 0xa0 ? WINDOWS_1252_HIGH[b - 0x80] : b));
    out += String.fromCharCode(...codes);
  }
  return out;
}
