import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exclusionReason, githubIssuesSource, splitWindow, type GitHubIssue } from '../../src/sources/github-issues.js';
import { runRefresh, type RefreshOptions } from '../../src/sources/refresh.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { incidentSink, readCursor, readIncident } from '../../src/store/incidents.js';
import { json, startFixtureServer } from './fixture-server.js';

const seedsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources', 'issue-seeds.jsonl');
const TOKEN = 'ghp_fixtureTokenThatMustNeverBePrinted';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** An issue in the shape of the REST API (GET /repos/{owner}/{repo}/issues/{n}, search items). */
function issue(number: number, created: string, overrides: Partial<GitHubIssue> & { labels?: Array<{ name: string }> } = {}): GitHubIssue {
  return {
    number,
    html_url: `https://github.com/kubernetes/kubernetes/issues/${number}`,
    title: `Issue ${number}`,
    body: `Body of ${number}`,
    state: 'closed',
    labels: [{ name: 'kind/bug' }],
    created_at: `${created}T12:00:00Z`,
    updated_at: `${created}T13:00:00Z`,
    closed_at: `${created}T14:00:00Z`,
    comments: 42,
    ...overrides,
  };
}

/** 1,150 critical bugs (more than search returns at once) and a handful of keyword hits. */
function corpus(): { critical: GitHubIssue[]; outage: GitHubIssue[] } {
  const critical: GitHubIssue[] = [];
  const start = Date.parse('2015-01-01T00:00:00Z');
  for (let i = 0; i < 1150; i++) {
    const created = new Date(start + i * 1.8 * 86_400_000).toISOString().slice(0, 10);
    const labels = [{ name: 'kind/bug' }, { name: 'priority/critical-urgent' }];
    if (i % 50 === 0) labels.push({ name: 'kind/flake' });
    critical.push(issue(20_000 + i, created, { labels, title: i % 75 === 1 ? `[Flaky test] e2e ${i}` : `Critical bug ${i}` }));
  }
  const outage = [
    issue(30_001, '2019-05-05', { title: 'Cluster outage after upgrade' }),
    issue(30_002, '2019-06-06', { title: 'Outage: apiserver OOM', pull_request: { url: 'x' } }),
    critical[10],
  ];
  return { critical, outage };
}

interface SearchLog {
  q: string;
  page: number;
}

/** GET /search/issues over the corpus: created/updated qualifiers, pagination, the 1,000-result cap. */
function searchRoute(data: ReturnType<typeof corpus>, log: SearchLog[], fail?: (q: string, page: number) => boolean) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    const q = url.searchParams.get('q')!;
    const page = Number(url.searchParams.get('page') ?? '1');
    const perPage = Number(url.searchParams.get('per_page') ?? '30');
    log.push({ q, page });
    if (log.length === 2) {
      // A secondary rate limit once: GitHub answers 403 with Retry-After.
      res.writeHead(403, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }));
      return;
    }
    if (fail?.(q, page)) {
      res.writeHead(502).end();
      return;
    }
    const created = /created:(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})/.exec(q)!;
    const updated = /updated:>=(\d{4}-\d{2}-\d{2})/.exec(q)?.[1];
    const pool = q.includes('priority/critical-urgent') ? data.critical : data.outage;
    const hits = pool.filter(
      (i) => i.created_at.slice(0, 10) >= created[1] && i.created_at.slice(0, 10) <= created[2] && (!updated || i.updated_at.slice(0, 10) >= updated),
    );
    if (page * perPage > 1000) {
      json({ message: 'Only the first 1000 search results are available' }, 422)(req, res, 0);
      return;
    }
    json({ total_count: hits.length, incomplete_results: false, items: hits.slice((page - 1) * perPage, page * perPage) })(req, res, 0);
  };
}

async function setup(fail?: (q: string, page: number) => boolean) {
  const data = corpus();
  const searches: SearchLog[] = [];
  const reset = String(Math.floor(Date.now() / 1000) + 20);
  const server = await startFixtureServer({
    '/repos/kubernetes/kubernetes/issues/2719': (req, res) => {
      if (req.headers['if-none-match'] === '"etag-2719"') return void res.writeHead(304).end();
      json(issue(2719, '2014-12-03', { title: 'etcd out of disk: apiserver down', body: 'etcd filled its disk', labels: [{ name: 'priority/P1' }] }), 200, { etag: '"etag-2719"' })(req, res, 0);
    },
    '/repos/kubernetes/kubernetes/issues/3402': (req, res, n) =>
      n === 0
        ? json({ message: 'API rate limit exceeded' }, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-limit': '60' })(req, res, 0)
        : json(issue(3402, '2015-01-13', { title: 'Nodes flapping NotReady', labels: [{ name: 'kind/bug' }] }))(req, res, 0),
    '/repos/kubernetes/kubernetes/issues/5650': (req, res, n) =>
      n < 1 ? res.writeHead(500).end() : json(issue(5650, '2015-03-19', { title: 'apiserver unresponsive at 1000 nodes', body: null }))(req, res, 0),
    '/search/issues': searchRoute(data, searches, fail),
  });
  servers.push(server);
  const waits: number[] = [];
  const db = openDatabase(':memory:');
  const source = githubIssuesSource({
    baseUrl: server.url,
    token: TOKEN,
    seedsFile,
    until: new Date('2020-12-31T00:00:00Z'),
    queries: [
      { name: 'critical', q: 'label:kind/bug label:priority/critical-urgent' },
      { name: 'outage', q: 'outage in:title,body' },
    ],
  });
  const options: RefreshOptions = { offlineDir: null, since: null, http: { retries: 2, backoffMs: 5, sleep: async (ms) => void waits.push(ms) } };
  return { data, server, searches, waits, db, source, options };
}

function count(db: Db, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

describe('github-issues source (recorded REST responses on a local server)', () => {
  it('fills in the seeds, searches in windows under the 1,000 cap, excludes flakes and PRs, and backs off', async () => {
    const { server, searches, waits, db, source, options } = await setup();
    const [summary] = await runRefresh([source], incidentSink(db), options);

    // Seeds: text and title arrive; human labels stay; 500 then success; a primary rate limit waited out.
    expect(readIncident(db, 'github:kubernetes/kubernetes#2719')).toMatchObject({
      title: 'etcd out of disk: apiserver down',
      text: 'etcd filled its disk',
      textKind: 'article',
      published: '2014-12-03',
      tags: ['priority/P1'],
      venue: 'GitHub issue',
      extra: { number: 2719, state: 'closed', comments: 42, seeded: true },
    });
    expect(readIncident(db, 'github:kubernetes/kubernetes#3402')!.title).toBe('Nodes flapping NotReady');
    expect(readIncident(db, 'github:kubernetes/kubernetes#5650')).toMatchObject({ title: 'apiserver unresponsive at 1000 nodes', text: null, textKind: 'none' });
    expect(count(db, "SELECT COUNT(*) AS n FROM labels WHERE origin = 'human' AND incident_id = 'github:kubernetes/kubernetes#2719'")).toBe(5);
    expect(waits.some((w) => w > 15_000 && w <= 21_000)).toBe(true);
    expect(waits).toContain(3_000);

    // Searches: the first window had 1,150 results, so it was split until each half fits.
    const critical = searches.filter((s) => s.q.includes('critical-urgent'));
    expect(critical[0].q).toBe('repo:kubernetes/kubernetes is:issue label:kind/bug label:priority/critical-urgent created:2014-06-01..2020-12-31');
    const [left, right] = splitWindow('2014-06-01', '2020-12-31');
    expect(critical.map((s) => s.q)).toContain(`repo:kubernetes/kubernetes is:issue label:kind/bug label:priority/critical-urgent created:${left[0]}..${left[1]}`);
    expect(critical.map((s) => s.q)).toContain(`repo:kubernetes/kubernetes is:issue label:kind/bug label:priority/critical-urgent created:${right[0]}..${right[1]}`);
    expect(critical.some((s) => s.page > 1)).toBe(true);

    const flakes = 1150 / 50;
    const flakyTitles = Array.from({ length: 1150 }, (_, i) => i).filter((i) => i % 75 === 1 && i % 50 !== 0).length;
    expect(summary.skippedReasons).toEqual({ 'label kind/flake': flakes, 'flaky/failing test title': flakyTitles, 'pull request': 1 });
    expect(summary).toMatchObject({ new: 3 + 1150 - flakes - flakyTitles + 1, failed: 0 });
    expect(count(db, "SELECT COUNT(*) AS n FROM incidents WHERE source = 'github-issues'")).toBe(3 + 1150 - flakes - flakyTitles + 1);
    expect(readIncident(db, 'github:kubernetes/kubernetes#20000')).toBeUndefined();
    expect(readIncident(db, 'github:kubernetes/kubernetes#30001')).toMatchObject({ title: 'Cluster outage after upgrade', tags: ['kind/bug'] });

    // The token authenticates every request and is never printed.
    expect(server.requests.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(summary)).not.toContain(TOKEN);
    expect(server.requests[0].headers['user-agent']).toMatch(/^mutiny\/\d/);

    // A complete run leaves an incremental cursor; the next run asks only for what changed since.
    const cursor = JSON.parse(readCursor(db, 'github-issues')!) as { since: string };
    expect(Date.parse(cursor.since)).toBeLessThanOrEqual(Date.now());
    const before = searches.length;
    const [second] = await runRefresh([source], incidentSink(db), options);
    expect(second).toMatchObject({ new: 0, updated: 0 });
    expect(searches.slice(before).every((s) => s.q.endsWith(` updated:>=${cursor.since.slice(0, 10)}`))).toBe(true);
    // Seeds were asked conditionally: the one with an ETag answered 304.
    const conditional = server.requests.filter((r) => r.path === '/repos/kubernetes/kubernetes/issues/2719');
    expect(conditional.at(-1)!.headers['if-none-match']).toBe('"etag-2719"');
  });

  it('passes --since as updated:>= and resumes the windows an interrupted run did not finish', async () => {
    let broken = true;
    const { searches, db, source, options } = await setup((q) => broken && q.includes('outage'));
    const [first] = await runRefresh([source], incidentSink(db), { ...options, since: new Date('2019-01-01T00:00:00Z') });
    expect(first.failures).toEqual([expect.stringMatching(/^search outage:2014-06-01\.\.2020-12-31: HTTP 502/)]);
    expect(searches.filter((s) => !s.q.includes('outage')).every((s) => s.q.endsWith(' updated:>=2019-01-01'))).toBe(true);
    const cursor = JSON.parse(readCursor(db, 'github-issues')!) as { runStartedAt: string; filterSince: string; done: string[] };
    expect(cursor.filterSince).toBe('2019-01-01');
    expect(cursor.done.every((k) => k.startsWith('critical:'))).toBe(true);

    broken = false;
    const before = searches.length;
    const [resumed] = await runRefresh([source], incidentSink(db), options);
    const again = searches.slice(before);
    expect(again.every((s) => s.q.includes('outage') && s.q.endsWith(' updated:>=2019-01-01'))).toBe(true);
    expect(resumed).toMatchObject({ new: 1, failed: 0 });
    expect(JSON.parse(readCursor(db, 'github-issues')!)).toEqual({ since: cursor.runStartedAt });
  });

  it('seeds offline without touching the network', async () => {
    const db = openDatabase(':memory:');
    const source = githubIssuesSource({ baseUrl: 'http://127.0.0.1:9', seedsFile });
    const [summary] = await runRefresh([source], incidentSink(db), { offlineDir: '/any', since: null });
    expect(summary).toMatchObject({ new: 3, failed: 0 });
  });

  it('recognizes failing-test and flake issues', () => {
    const base = issue(1, '2020-01-01');
    expect(exclusionReason(base)).toBeNull();
    expect(exclusionReason({ ...base, labels: [{ name: 'kind/failing-test' }] })).toBe('label kind/failing-test');
    expect(exclusionReason({ ...base, labels: ['kind/flake'] })).toBe('label kind/flake');
    expect(exclusionReason({ ...base, title: '[Failing Test] gce-master-scale' })).toBe('flaky/failing test title');
    expect(exclusionReason({ ...base, title: 'Flaky test: TestWatch' })).toBe('flaky/failing test title');
    expect(exclusionReason({ ...base, title: 'Test flakes when etcd is slow but production is fine' })).toBeNull();
  });
});
