import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recorded request the fixture server answered. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** Answers one request; `n` counts earlier requests to the same path (0 for the first). */
export type FixtureRoute = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/**
 * A local HTTP server replaying recorded responses: the HTTP boundary of the network sources in tests.
 * Routes are keyed by path (query included when the key has one, else the path alone).
 */
export async function startFixtureServer(routes: Record<string, FixtureRoute>): Promise<{
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}> {
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const full = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path: full, headers: req.headers });
    const key = full in routes ? full : full.split('?')[0];
    const route = routes[key];
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no fixture for ${full}`);
      return;
    }
    route(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A route answering with a fixed status, headers and body. */
export function respond(status: number, body: string | Buffer, headers: Record<string, string> = {}): FixtureRoute {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
  };
}

/** A route answering with JSON (GitHub REST shapes). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): FixtureRoute {
  return respond(status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', ...headers });
}
