/**
 * The record a source produces for one incident and the sink a refresh writes to. Sources and the store both
 * import these types from core, so neither imports the other (sources -> store is data flow, not an import).
 */

/** How much of the incident's own text a record keeps (licenses decide, see docs/dataset.md). */
export type TextKind = 'article' | 'summary' | 'link-only' | 'none';

/** Richest first: when two sources describe one incident, the richer text wins. */
export const TEXT_KIND_RANK: Record<TextKind, number> = { article: 3, summary: 2, 'link-only': 1, none: 0 };

/** One source's view of an incident, before it is merged with other sources' views of the same incident. */
export interface IncidentRecord {
  /** Canonical URL, or `github:<owner>/<repo>#<number>` (see canonicalIncidentId). */
  id: string;
  source: string;
  url: string | null;
  title: string;
  organization: string | null;
  venue: string | null;
  /** ISO date as precise as known: YYYY, YYYY-MM or YYYY-MM-DD. */
  published: string | null;
  year: number | null;
  text: string | null;
  textKind: TextKind;
  license: string | null;
  tags: string[];
  impact: string | null;
  multiIncident: boolean;
  /** Source-specific facts (JSON-serializable). */
  extra: Record<string, unknown>;
}

/** What writing one record did to the incidents table. */
export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** Human (gold) labels for one incident, per taxonomy dimension. */
export interface HumanLabels {
  failure?: string;
  client?: string;
  fault?: string[];
  component?: string[];
  error?: string[];
}

/** Validators of the last fetch of a URL, kept so the next fetch can be conditional. */
export interface FetchCacheEntry {
  url: string;
  status: number | null;
  etag: string | null;
  lastModified: string | null;
  bodyHash: string | null;
  fetchedAt: string;
  error: string | null;
}

/** Read access to the fetch cache, for conditional requests. */
export interface FetchCacheReader {
  readFetchCache(url: string): FetchCacheEntry | undefined;
}

/**
 * Where a refresh writes. Each call is one transaction: a run killed at any point keeps every call that
 * returned, and the next run resumes from the cursor.
 */
export interface RefreshSink extends FetchCacheReader {
  /** Stores one record (and optionally the human labels of that incident) and, if given, the source's cursor. */
  writeIncident(record: IncidentRecord, options?: { humanLabels?: HumanLabels; cursor?: string }): UpsertOutcome;
  writeFetchCache(entry: FetchCacheEntry): void;
  readCursor(source: string): string | undefined;
  writeCursor(source: string, cursor: string): void;
}

const GITHUB_ISSUE = /^https?:\/\/(?:www\.)?github\.com\/([^/]+)\/([^/]+)\/(?:issues|pull)\/(\d+)\/?(?:[#?].*)?$/i;
const GITHUB_BLOB = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/(?:blob|tree)\/[^/]+\/(.+)$/i;
const WAYBACK = /^https?:\/\/web\.archive\.org\/web\/[0-9a-z_*]+\/(https?:\/\/.+)$/i;
const TRACKING_PARAM = /^(utm_[a-z]+|fbclid|gclid|ref|source)$/i;

/**
 * The identity of an incident given its URL: `github:<owner>/<repo>#<n>` for GitHub issues and pull requests,
 * otherwise the canonical URL (https, lower-case host without `www.`, no fragment or tracking parameters, no
 * trailing slash, Wayback Machine copies unwrapped, GitHub blob links at any ref collapsed to `blob/HEAD`), so
 * that two lists linking the same write-up name the same incident.
 */
export function canonicalIncidentId(rawUrl: string): string {
  const trimmed = rawUrl.trim();
  const wayback = WAYBACK.exec(trimmed);
  if (wayback) return canonicalIncidentId(wayback[1]);
  const issue = GITHUB_ISSUE.exec(trimmed);
  if (issue) return `github:${issue[1].toLowerCase()}/${issue[2].toLowerCase()}#${issue[3]}`;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return trimmed;
  }
  url.protocol = 'https:';
  url.hostname = url.hostname.toLowerCase().replace(/^www\./, '');
  url.hash = '';
  for (const key of [...url.searchParams.keys()]) if (TRACKING_PARAM.test(key)) url.searchParams.delete(key);
  url.search = url.searchParams.toString() ? `?${url.searchParams.toString()}` : '';
  let text = url.toString();
  if (url.pathname !== '/' && text.endsWith('/')) text = text.slice(0, -1);
  const blob = GITHUB_BLOB.exec(text);
  if (blob) text = `https://github.com/${blob[1].toLowerCase()}/${blob[2].toLowerCase()}/blob/HEAD/${blob[3]}`;
  return text;
}
