import { afterEach, describe, expect, it } from 'vitest';
import type { FetchCacheEntry } from '../../src/core/incident.js';
import { HttpClient, defaultUserAgent, detectCharset, rateLimitWaitMs } from '../../src/sources/http-client.js';
import { respond, startFixtureServer, type FixtureRoute } from './fixture-server.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(routes: Record<string, FixtureRoute>) {
  const server = await startFixtureServer(routes);
  servers.push(server);
  return server;
}

/** A client that records the waits it would make instead of sleeping. */
function client(options: ConstructorParameters<typeof HttpClient>[0] = {}) {
  const waits: number[] = [];
  const http = new HttpClient({ retries: 2, backoffMs: 100, timeoutMs: 2_000, sleep: async (ms) => void waits.push(ms), ...options });
  return { http, waits };
}

describe('HttpClient', () => {
  it('sends the mutiny User-Agent', async () => {
    const server = await serve({ '/': respond(200, 'ok') });
    const { http } = client();
    await http.get(`${server.url}/`);
    expect(server.requests[0].headers['user-agent']).toBe(defaultUserAgent());
    expect(defaultUserAgent()).toMatch(/^mutiny\/\d+\.\d+\.\d+( \(\+https:\/\/\S+\))?$/);
  });

  it('retries a 500 with jittered back-off, then succeeds', async () => {
    const server = await serve({
      '/flaky': (_req, res, n) => (n < 2 ? res.writeHead(500).end('boom') : res.writeHead(200, { 'content-type': 'text/plain' }).end('fine')),
    });
    const { http, waits } = client();
    const response = await http.get(`${server.url}/flaky`);
    expect(response.text).toBe('fine');
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(10);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('gives up on a persistent 500 with the status in the message', async () => {
    const server = await serve({ '/down': respond(503, 'unavailable') });
    const { http } = client();
    await expect(http.get(`${server.url}/down`)).rejects.toThrow(/\/down: HTTP 503 Service Unavailable$/);
    expect(server.requests).toHaveLength(3);
  });

  it('waits until X-RateLimit-Reset on a 403 with no requests remaining', async () => {
    const reset = Math.floor(Date.now() / 1000) + 30;
    const server = await serve({
      '/limited': (_req, res, n) =>
        n === 0
          ? res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }).end('{"message":"API rate limit exceeded"}')
          : res.writeHead(200).end('after reset'),
    });
    const { http, waits } = client();
    expect((await http.get(`${server.url}/limited`)).text).toBe('after reset');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(25_000);
    expect(waits[0]).toBeLessThanOrEqual(31_000);
  });

  it('honours Retry-After on a 429 (secondary rate limit)', async () => {
    const server = await serve({
      '/slow-down': (_req, res, n) => (n === 0 ? res.writeHead(429, { 'retry-after': '7' }).end() : res.writeHead(200).end('ok')),
    });
    const { http, waits } = client();
    expect((await http.get(`${server.url}/slow-down`)).text).toBe('ok');
    expect(waits).toEqual([7_000]);
  });

  it('waits a minute on a bare 403 that says it is a secondary rate limit', async () => {
    const server = await serve({
      '/secondary': (_req, res, n) =>
        n === 0
          ? res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}')
          : res.writeHead(200).end('ok'),
    });
    const { http, waits } = client();
    expect((await http.get(`${server.url}/secondary`)).text).toBe('ok');
    expect(waits).toEqual([60_000]);
  });

  it('fails instead of waiting when the limit resets too far ahead', async () => {
    const reset = Math.floor(Date.now() / 1000) + 3_600;
    const server = await serve({ '/limited': respond(403, 'limited', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }) });
    const { http, waits } = client({ maxRateLimitWaitMs: 60_000 });
    await expect(http.get(`${server.url}/limited`)).rejects.toThrow(/HTTP 403 rate limited until \d\d:\d\d:\d\d UTC; retry later or set GITHUB_TOKEN/);
    expect(waits).toEqual([]);
  });

  it('treats a plain 403 (no rate-limit headers) as an error, not a wait', async () => {
    const server = await serve({ '/forbidden': respond(403, 'no') });
    const { http, waits } = client();
    await expect(http.get(`${server.url}/forbidden`)).rejects.toThrow(/HTTP 403 Forbidden/);
    expect(waits).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a server that never answers, after the retries', async () => {
    const server = await serve({ '/hang': () => undefined });
    const { http } = client({ timeoutMs: 150, retries: 1 });
    await expect(http.get(`${server.url}/hang`)).rejects.toThrow(/\/hang: timed out after 150 ms \(after 2 attempts\)/);
    expect(server.requests).toHaveLength(2);
  });

  it('fails a body that stops arriving', async () => {
    const server = await serve({
      '/stall': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><body><p>The beginning');
      },
    });
    const { http } = client({ timeoutMs: 200 });
    await expect(http.get(`${server.url}/stall`)).rejects.toThrow(/\/stall: body not received/);
  });

  it('follows redirects and detects a redirect loop', async () => {
    const server = await serve({
      '/old': respond(301, '', { location: '/new' }),
      '/new': respond(200, 'moved here'),
      '/a': respond(302, '', { location: '/b' }),
      '/b': respond(302, '', { location: '/a' }),
    });
    const { http } = client();
    const moved = await http.get(`${server.url}/old`);
    expect(moved).toMatchObject({ url: `${server.url}/new`, text: 'moved here' });
    await expect(http.get(`${server.url}/a`)).rejects.toThrow(`${server.url}/a: redirect loop (${server.url}/a -> ${server.url}/b -> ${server.url}/a)`);
  });

  it('decodes non-UTF-8 pages by Content-Type charset or <meta charset>', async () => {
    const latin1 = Buffer.from('<p>Caf\xe9 na\xefve \x96 d\xe9j\xe0 vu</p>', 'latin1');
    const meta = Buffer.concat([Buffer.from('<html><head><meta charset="windows-1252"></head><body>'), Buffer.from('\x93quoted\x94 \x80</body></html>', 'latin1')]);
    const server = await serve({
      '/latin1': respond(200, latin1, { 'content-type': 'text/html; charset=ISO-8859-1' }),
      '/meta': respond(200, meta, { 'content-type': 'text/html' }),
      '/sjis': respond(200, Buffer.from([0x82, 0xa0, 0x82, 0xa2]), { 'content-type': 'text/html; charset=Shift_JIS' }),
    });
    const { http } = client();
    // WHATWG: the ISO-8859-1 label means windows-1252, where 0x96 is an en dash.
    expect((await http.get(`${server.url}/latin1`)).text).toBe('<p>Café naïve – déjà vu</p>');
    const metaPage = await http.get(`${server.url}/meta`);
    expect(metaPage.charset).toBe('windows-1252');
    expect(metaPage.text).toContain('“quoted” €');
    expect((await http.get(`${server.url}/sjis`)).text).toBe('あい');
    expect(detectCharset('text/html; charset=no-such-charset', new Uint8Array())).toBe('utf-8');
  });

  it('bounds the body of a huge page and says it truncated it', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const server = await serve({
      '/huge': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(chunk)) sent++;
          if (sent < 64) res.once('drain', pump);
          else res.end();
        };
        pump();
      },
    });
    const { http } = client({ maxBodyBytes: 100_000 });
    const page = await http.get(`${server.url}/huge`);
    expect(page.truncated).toBe(true);
    expect(page.body.byteLength).toBe(100_000);
    expect(page.text).toHaveLength(100_000);
  });

  it('makes conditional requests from the cache and reports 304 as not modified', async () => {
    const server = await serve({
      '/doc': (req, res) =>
        req.headers['if-none-match'] === '"v1"'
          ? res.writeHead(304).end()
          : res.writeHead(200, { etag: '"v1"', 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end('version 1'),
    });
    const cache = new Map<string, FetchCacheEntry>();
    const { http } = client({ cache: { readFetchCache: (url) => cache.get(url) } });
    const first = await http.get(`${server.url}/doc`, { conditional: true });
    expect(first.cacheEntry).toMatchObject({ status: 200, etag: '"v1"', lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' });
    expect(first.cacheEntry.bodyHash).toMatch(/^[0-9a-f]{64}$/);
    cache.set(`${server.url}/doc`, first.cacheEntry);
    const second = await http.get(`${server.url}/doc`, { conditional: true });
    expect(second.notModified).toBe(true);
    expect(server.requests[1].headers['if-none-match']).toBe('"v1"');
    expect(server.requests[1].headers['if-modified-since']).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
  });

  it('respects robots.txt for pages when asked', async () => {
    const server = await serve({
      '/robots.txt': respond(200, 'User-agent: *\nDisallow: /private/\n'),
      '/private/postmortem': respond(200, 'secret'),
      '/blog/postmortem': respond(200, 'public'),
    });
    const { http } = client();
    expect((await http.get(`${server.url}/blog/postmortem`, { robots: true })).text).toBe('public');
    await expect(http.get(`${server.url}/private/postmortem`, { robots: true })).rejects.toThrow(/private\/postmortem: disallowed by robots\.txt/);
    expect((await http.get(`${server.url}/private/postmortem`)).text).toBe('secret');
    expect(server.requests.filter((r) => r.path === '/robots.txt')).toHaveLength(1);
    expect(server.requests.filter((r) => r.path.startsWith('/private'))).toHaveLength(1);

    // A group naming mutiny (the User-Agent's product token) is the one that applies to it.
    const named = await serve({
      '/robots.txt': respond(200, 'User-agent: *\nDisallow: /\n\nUser-agent: mutiny\nDisallow: /drafts/\n'),
      '/blog/postmortem': respond(200, 'public'),
    });
    expect((await http.get(`${named.url}/blog/postmortem`, { robots: true })).text).toBe('public');
    await expect(http.get(`${named.url}/drafts/x`, { robots: true })).rejects.toThrow(/disallowed by robots\.txt/);
    // No robots.txt at all: allowed.
    const none = await serve({ '/page': respond(200, 'hello') });
    expect((await http.get(`${none.url}/page`, { robots: true })).text).toBe('hello');
  });

  it('keeps at most two requests in flight per host', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve({
      '/slow': (_req, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200).end('ok');
        }, 30);
      },
    });
    const { http } = client({ perHostConcurrency: 5 });
    await Promise.all(Array.from({ length: 6 }, () => http.get(`${server.url}/slow`)));
    expect(peak).toBe(2);
  });

  it('reads rate-limit answers', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const r = (status: number, headers: Record<string, string>) => new Response(null, { status, headers });
    expect(rateLimitWaitMs(r(200, {}), now)).toBeNull();
    expect(rateLimitWaitMs(r(403, { 'retry-after': '60' }), now)).toBe(60_000);
    expect(rateLimitWaitMs(r(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000);
    expect(rateLimitWaitMs(r(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), now)).toBe(11_000);
    expect(rateLimitWaitMs(r(403, { 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': String(now / 1000 + 10) }), now)).toBeNull();
  });
});
