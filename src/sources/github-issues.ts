import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InvalidDataError, SourceError } from '../core/errors.js';
import type { FetchCacheEntry, HumanLabels, IncidentRecord } from '../core/incident.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { emptyRecord, yearOf, type Source, type SourceContext, type SourceEvent } from './source.js';

/**
 * The 170 hand-labelled kubernetes/kubernetes issues (147 failures, 23 contrast rows), copied from
 * shared/labels so the repository stands alone. The failures are seeded as incidents with their gold labels.
 */
export const ISSUE_SEEDS_FILE = path.join(PACKAGE_ROOT, 'data', 'seeds', 'kubernetes-issues.labels-only.jsonl');

/** Label- and keyword-driven searches for failure reports (each is ANDed with `repo:<repo> is:issue`). */
export const ISSUE_QUERIES: ReadonlyArray<{ name: string; q: string }> = [
  { name: 'critical-bugs', q: 'label:kind/bug label:priority/critical-urgent' },
  { name: 'regressions', q: 'label:kind/regression' },
  { name: 'outage', q: 'outage in:title,body label:kind/bug' },
  { name: 'data-loss', q: '"data loss" in:title,body' },
  { name: 'etcd-corruption', q: 'etcd corrupt in:title,body' },
];

/** The licence note recorded on issues whose text is kept: the text belongs to its authors. */
export const ISSUE_TEXT_LICENSE = 'GitHub issue text (authors; GitHub Terms of Service)';

/** Where the search windows start when there is no --since and no earlier run: the repository's first issues. */
export const SEARCH_EPOCH = '2014-06-01';
/** GitHub search returns at most this many results per query; larger windows are split. */
export const SEARCH_RESULT_CAP = 1000;

const SeedSchema = z.object({
  id: z.string(),
  source: z.string(),
  url: z.string().url(),
  number: z.number().int().positive(),
  labels_on_github: z.array(z.string()),
  is_failure: z.boolean(),
  // Contrast rows (not failures) have null/empty gold.
  gold: z.object({
    failure: z.string().nullish(),
    client: z.string().nullish(),
    fault: z.array(z.string()).nullish(),
    component: z.array(z.string()).nullish(),
    error: z.array(z.string()).nullish(),
  }),
});

/** A labelled issue of the seed file. */
export type IssueSeed = z.infer<typeof SeedSchema>;

/** Parses the seed JSONL, naming file and line on error. */
export function parseIssueSeeds(text: string, file: string): IssueSeed[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, lineNo: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, lineNo }) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (cause) {
        throw new InvalidDataError(`${file}:${lineNo}: not JSON (${(cause as Error).message})`, { cause });
      }
      const parsed = SeedSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InvalidDataError(`${file}:${lineNo}: ${issue.path.join('.')}: ${issue.message}`);
      }
      return parsed.data;
    });
}

/** The subset of a GitHub REST issue object that mutiny reads. */
export interface GitHubIssue {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  labels: Array<string | { name?: string }>;
  created_at: string;
  updated_at: string;
  closed_at?: string | null;
  comments?: number;
  pull_request?: unknown;
}

const EXCLUDED_LABELS = new Set(['kind/flake', 'kind/failing-test']);
const TEST_TITLE = /\[(flaky|failing)[ -]?test\]|^\s*(flaky|failing)[ -]test\b|\bflaky test\b/i;

function labelNames(issue: GitHubIssue): string[] {
  return issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}

/** Why an issue is not a field failure (CI flake, failing test, pull request), or null when it may be one. */
export function exclusionReason(issue: GitHubIssue): string | null {
  if (issue.pull_request) return 'pull request';
  const label = labelNames(issue).find((l) => EXCLUDED_LABELS.has(l));
  if (label) return `label ${label}`;
  if (TEST_TITLE.test(issue.title)) return 'flaky/failing test title';
  return null;
}

/** The incident id of an issue: `github:<owner>/<repo>#<number>`. */
export function issueIncidentId(repo: string, number: number): string {
  return `github:${repo.toLowerCase()}#${number}`;
}

/** A seed before its text arrives: URL, number and the labels it had on GitHub. */
export function seedRecord(seed: IssueSeed, repo: string): IncidentRecord {
  return {
    ...emptyRecord(issueIncidentId(repo, seed.number), 'github-issues', `${repo}#${seed.number}`),
    url: seed.url,
    organization: repo.split('/')[0],
    venue: 'GitHub issue',
    textKind: 'none',
    tags: [...seed.labels_on_github],
    extra: { repo, number: seed.number, seeded: true },
  };
}

/** A fetched issue: title, body and labels. Issue text belongs to its authors; it is kept for analysis. */
export function issueRecord(issue: GitHubIssue, repo: string, seeded: boolean): IncidentRecord {
  const published = issue.created_at.slice(0, 10);
  const body = issue.body?.trim() ?? '';
  return {
    ...emptyRecord(issueIncidentId(repo, issue.number), 'github-issues', issue.title),
    url: issue.html_url,
    organization: repo.split('/')[0],
    venue: 'GitHub issue',
    published,
    year: yearOf(published),
    text: body || null,
    textKind: body ? 'article' : 'none',
    license: body ? ISSUE_TEXT_LICENSE : null,
    tags: labelNames(issue),
    extra: {
      repo,
      number: issue.number,
      state: issue.state,
      closedAt: issue.closed_at ?? null,
      comments: issue.comments ?? null,
      ...(seeded ? { seeded: true } : {}),
    },
  };
}

function goldOf(seed: IssueSeed): HumanLabels {
  const gold: HumanLabels = {};
  for (const [dimension, value] of Object.entries(seed.gold) as Array<[keyof HumanLabels, string | string[] | null | undefined]>) {
    if (value !== null && value !== undefined && value.length > 0) (gold as Record<string, unknown>)[dimension] = value;
  }
  return gold;
}

/** Progress of a run through the search windows, committed with each window's last incident. */
interface IssuesCursor {
  /** A finished run: the next run without --since asks only for issues updated since this instant. */
  since?: string;
  /** An unfinished run: when it started, the updated-since filter it used, and the windows it completed. */
  runStartedAt?: string;
  filterSince?: string;
  done?: string[];
}

/** Options of the GitHub issues source. */
export interface GitHubIssuesOptions {
  repo?: string;
  /** REST API root; tests point it at a local server. */
  baseUrl?: string;
  /** Read from GITHUB_TOKEN by default; never printed. */
  token?: string;
  queries?: ReadonlyArray<{ name: string; q: string }>;
  seedsFile?: string;
  /** Upper end of the search windows (tests fix it); defaults to now. */
  until?: Date;
}

/** Source 3: kubernetes/kubernetes issues (seeds with gold labels; live: text and searched failure reports). */
export function githubIssuesSource(options: GitHubIssuesOptions = {}): Source {
  const repo = options.repo ?? 'kubernetes/kubernetes';
  const baseUrl = (options.baseUrl ?? process.env.MUTINY_GITHUB_API ?? 'https://api.github.com').replace(/\/$/, '');
  return {
    name: 'github-issues',
    description: `${repo} issues: hand-labelled failures seeded offline; live: their text plus label/keyword searches (no flakes)`,
    offlinePath: path.relative(PACKAGE_ROOT, options.seedsFile ?? ISSUE_SEEDS_FILE),
    liveUrl: `${baseUrl}/repos/${repo}/issues`,
    license: ISSUE_TEXT_LICENSE,
    run: (ctx) => runGitHubIssues(ctx, { ...options, repo, baseUrl }),
  };
}

async function* runGitHubIssues(ctx: SourceContext, options: GitHubIssuesOptions & { repo: string; baseUrl: string }): AsyncIterable<SourceEvent> {
  const seedsFile = options.seedsFile ?? ISSUE_SEEDS_FILE;
  const seeds = parseIssueSeeds(await readFile(seedsFile, 'utf8'), seedsFile).filter((s) => s.is_failure);
  if (ctx.offlineDir !== null) {
    yield { type: 'total', count: seeds.length };
    for (const seed of seeds) yield { type: 'incident', record: seedRecord(seed, options.repo), humanLabels: goldOf(seed) };
    return;
  }

  const http = await ctx.http();
  const { Octokit } = await import('@octokit/rest');
  const token = options.token ?? process.env.GITHUB_TOKEN;
  const octokit = new Octokit({
    baseUrl: options.baseUrl,
    ...(token ? { auth: token } : {}),
    userAgent: http.userAgent,
    request: { fetch: http.fetch },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const [owner, name] = options.repo.split('/');
  const seen = new Set<number>();

  // 1. The seeds: fetch each issue (conditionally) to fill in title and text; keep the seed if that fails.
  yield { type: 'total', count: seeds.length };
  for (const seed of seeds) {
    seen.add(seed.number);
    const url = `${options.baseUrl}/repos/${options.repo}/issues/${seed.number}`;
    const cached = ctx.cache.readFetchCache(url);
    try {
      const response = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner,
        repo: name,
        issue_number: seed.number,
        headers: cached?.etag ? { 'if-none-match': cached.etag } : {},
      });
      const issue = response.data as unknown as GitHubIssue;
      yield { type: 'incident', record: issueRecord(issue, options.repo, true), humanLabels: goldOf(seed) };
      yield { type: 'fetched', entry: cacheEntry(url, response.status, response.headers as Record<string, string | undefined>) };
    } catch (error) {
      if ((error as { status?: number }).status === 304) continue;
      if (cached?.status === 200) {
        yield { type: 'failed', ref: `#${seed.number}`, reason: requestFailure(error) };
        continue;
      }
      yield { type: 'incident', record: seedRecord(seed, options.repo), humanLabels: goldOf(seed) };
      yield { type: 'failed', ref: `#${seed.number}`, reason: requestFailure(error) };
    }
  }

  // 2. The searches, in creation-date windows small enough to stay under the result cap.
  const previous = parseCursor(ctx.cursor);
  const resuming = previous.runStartedAt !== undefined;
  const runStartedAt = resuming ? previous.runStartedAt! : new Date().toISOString();
  const since = ctx.since?.toISOString().slice(0, 10) ?? (resuming ? previous.filterSince : previous.since?.slice(0, 10));
  const done = new Set(resuming ? previous.done : []);
  const until = (options.until ?? new Date()).toISOString().slice(0, 10);
  let incomplete = false;
  // The progress bar's total grows as each window tells how many results it has.
  let expected = seeds.length;
  for (const query of options.queries ?? ISSUE_QUERIES) {
    const windows: Array<[string, string]> = [[SEARCH_EPOCH, until]];
    while (windows.length > 0) {
      const [from, to] = windows.shift()!;
      const key = `${query.name}:${from}..${to}`;
      if (done.has(key)) continue;
      const q = `repo:${options.repo} is:issue ${query.q} created:${from}..${to}${since ? ` updated:>=${since}` : ''}`;
      let page = 1;
      let first: { total_count: number; items: GitHubIssue[] };
      try {
        first = (await octokit.request('GET /search/issues', { q, per_page: 100, page, sort: 'created', order: 'asc' })).data as typeof first;
      } catch (error) {
        yield { type: 'failed', ref: `search ${key}`, reason: requestFailure(error) };
        incomplete = true;
        continue;
      }
      if (first.total_count > SEARCH_RESULT_CAP && from < to) {
        windows.unshift(...splitWindow(from, to));
        continue;
      }
      expected += Math.min(first.total_count, SEARCH_RESULT_CAP);
      yield { type: 'total', count: expected };
      let items = first.items;
      let failed = false;
      for (;;) {
        for (const issue of items) {
          if (seen.has(issue.number)) continue;
          seen.add(issue.number);
          const excluded = exclusionReason(issue);
          if (excluded) yield { type: 'skipped', ref: `#${issue.number}`, reason: excluded };
          else yield { type: 'incident', record: issueRecord(issue, options.repo, false) };
        }
        if (items.length < 100 || page * 100 >= Math.min(first.total_count, SEARCH_RESULT_CAP)) break;
        page++;
        try {
          items = ((await octokit.request('GET /search/issues', { q, per_page: 100, page, sort: 'created', order: 'asc' })).data as typeof first).items;
        } catch (error) {
          yield { type: 'failed', ref: `search ${key} page ${page}`, reason: requestFailure(error) };
          failed = true;
          incomplete = true;
          break;
        }
      }
      if (!failed) {
        done.add(key);
        yield { type: 'cursor', cursor: JSON.stringify({ runStartedAt, filterSince: since, done: [...done] } satisfies IssuesCursor) };
      }
    }
  }
  // Only a run that completed every window moves the incremental starting point; otherwise the next run
  // resumes the windows that are still missing.
  if (!incomplete) yield { type: 'cursor', cursor: JSON.stringify({ since: runStartedAt } satisfies IssuesCursor) };
}

/** Halves a date window (inclusive days) for a query that has more results than search returns. */
export function splitWindow(from: string, to: string): Array<[string, string]> {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  const day = 86_400_000;
  const mid = a + Math.floor((b - a) / day / 2) * day;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return [
    [iso(a), iso(mid)],
    [iso(mid + day), iso(b)],
  ];
}

function parseCursor(cursor: string | undefined): IssuesCursor {
  if (!cursor) return {};
  try {
    return JSON.parse(cursor) as IssuesCursor;
  } catch {
    return {};
  }
}

function cacheEntry(url: string, status: number, headers: Record<string, string | undefined>): FetchCacheEntry {
  return {
    url,
    status,
    etag: headers.etag ?? null,
    lastModified: headers['last-modified'] ?? null,
    bodyHash: null,
    fetchedAt: new Date().toISOString(),
    error: null,
  };
}

/** One line about a failed request, without headers (the token never appears). */
function requestFailure(error: unknown): string {
  if (error instanceof SourceError) return error.message;
  const status = (error as { status?: number }).status;
  const message = (error as Error).message?.split('\n')[0] ?? String(error);
  return status ? `HTTP ${status}: ${message}` : message;
}
