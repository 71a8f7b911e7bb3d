import { createHash } from 'node:crypto';
import { InternalError, InvalidDataError } from '../core/errors.js';
import {
  TEXT_KIND_RANK,
  type FetchCacheEntry,
  type HumanLabels,
  type IncidentRecord,
  type RefreshSink,
  type TextKind,
  type UpsertOutcome,
} from '../core/incident.js';
import { assertCode, loadTaxonomy, UNKNOWN, type DimensionName } from '../core/taxonomy.js';
import type Database from 'better-sqlite3';
import type { Db } from './database.js';

// Prepared statements per connection: a refresh writes thousands of one-record transactions.
const statements = new WeakMap<Db, Map<string, Database.Statement>>();
function sql(db: Db, text: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = db.prepare(text)));
  return statement;
}

/** The classifier_version of human (gold) label rows. */
export const HUMAN_CLASSIFIER_VERSION = 'human';

/** An incidents row as stored (JSON columns decoded). */
export interface IncidentRow extends IncidentRecord {
  fetchedAt: string;
  updatedAt: string;
  contentHash: string;
}

/** sha256 (hex) of a value's JSON with object keys sorted, so equal records hash equally. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Merges what several sources said about one incident. The source with the richest text (then the first by
 * name) is primary: its title and text win; other facts come from the first source that has them; tags are
 * the union; the most precise date wins; `extra.sources` lists every contributing source. Pure and order-independent.
 */
export function mergeContributions(records: IncidentRecord[]): IncidentRecord {
  if (records.length === 0) throw new InternalError('mergeContributions: no records to merge');
  const ordered = [...records].sort(
    (a, b) => TEXT_KIND_RANK[b.textKind] - TEXT_KIND_RANK[a.textKind] || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0),
  );
  const [primary] = ordered;
  const first = <K extends keyof IncidentRecord>(key: K): IncidentRecord[K] =>
    (ordered.find((r) => r[key] !== null && r[key] !== undefined)?.[key] ?? null) as IncidentRecord[K];
  // The most precise date wins: a page's 2019-07-24 over a list's 2019.
  const published = ordered.map((r) => r.published).reduce<string | null>((best, p) => (p && (!best || p.length > best.length) ? p : best), null);
  const extra: Record<string, unknown> = {};
  for (const r of [...ordered].reverse()) Object.assign(extra, r.extra);
  if (ordered.length > 1) extra.sources = ordered.map((r) => r.source);
  return {
    id: primary.id,
    source: primary.source,
    url: first('url'),
    title: primary.title,
    organization: first('organization'),
    venue: first('venue'),
    published,
    year: published ? Number(published.slice(0, 4)) : first('year'),
    text: primary.text,
    textKind: primary.textKind,
    license: primary.text === null ? first('license') : primary.license,
    tags: [...new Set(ordered.flatMap((r) => r.tags))],
    impact: first('impact'),
    multiIncident: ordered.some((r) => r.multiIncident),
    extra,
  };
}

/** Row shape of the incidents table as better-sqlite3 returns it. */
interface IncidentDbRow {
  id: string;
  source: string;
  url: string | null;
  title: string;
  organization: string | null;
  venue: string | null;
  published: string | null;
  year: number | null;
  fetched_at: string;
  updated_at: string;
  content_hash: string;
  text: string | null;
  text_kind: string;
  license: string | null;
  tags: string;
  impact: string | null;
  multi_incident: number;
  extra: string;
}

function fromDbRow(row: IncidentDbRow): IncidentRow {
  return {
    id: row.id,
    source: row.source,
    url: row.url,
    title: row.title,
    organization: row.organization,
    venue: row.venue,
    published: row.published,
    year: row.year,
    text: row.text,
    textKind: row.text_kind as TextKind,
    license: row.license,
    tags: JSON.parse(row.tags) as string[],
    impact: row.impact,
    multiIncident: row.multi_incident === 1,
    extra: JSON.parse(row.extra) as Record<string, unknown>,
    fetchedAt: row.fetched_at,
    updatedAt: row.updated_at,
    contentHash: row.content_hash,
  };
}

/** Reads one incident by id. */
export function readIncident(db: Db, id: string): IncidentRow | undefined {
  const row = sql(db, 'SELECT * FROM incidents WHERE id = ?').get(id) as IncidentDbRow | undefined;
  return row && fromDbRow(row);
}

/** Incident counts per primary source, largest first. */
export function countIncidentsBySource(db: Db): Array<{ source: string; incidents: number }> {
  return db
    .prepare('SELECT source, COUNT(*) AS incidents FROM incidents GROUP BY source ORDER BY incidents DESC, source')
    .all() as Array<{ source: string; incidents: number }>;
}

/**
 * Stores one source's record of an incident in one transaction (with the human labels and the source's cursor
 * when given) and reports whether the merged incident is new, updated or unchanged. Unchanged records write
 * nothing, so a second refresh of the same inputs leaves the file's content as it was.
 */
export function upsertIncident(db: Db, record: IncidentRecord, options: UpsertOptions = {}): UpsertOutcome {
  let write = upserts.get(db);
  if (!write) upserts.set(db, (write = db.transaction((r: IncidentRecord, o: UpsertOptions) => writeRecord(db, r, o))));
  return write(record, options);
}

/** What may accompany a record: its incident's human labels, the source's cursor, a fixed clock (tests). */
export interface UpsertOptions {
  humanLabels?: HumanLabels;
  cursor?: string;
  now?: string;
}

// One transaction function per connection (creating one prepares BEGIN/COMMIT each time).
const upserts = new WeakMap<Db, (record: IncidentRecord, options: UpsertOptions) => UpsertOutcome>();

function writeRecord(db: Db, record: IncidentRecord, options: UpsertOptions): UpsertOutcome {
  const now = options.now ?? new Date().toISOString();
  const recordHash = stableHash(record);
  if (options.cursor !== undefined) writeCursorRow(db, record.source, options.cursor, now);
  const previous = sql(db, 'SELECT content_hash FROM incident_contributions WHERE incident_id = ? AND source = ?')
    .get(record.id, record.source) as { content_hash: string } | undefined;
  const labelsChanged = options.humanLabels ? writeHumanLabels(db, record.id, options.humanLabels, now, 'check') : false;
  if (previous?.content_hash === recordHash && !labelsChanged) return 'unchanged';

  const others = (
    sql(db, 'SELECT record FROM incident_contributions WHERE incident_id = ? AND source <> ?').all(record.id, record.source) as Array<{
      record: string;
    }>
  ).map((r) => JSON.parse(r.record) as IncidentRecord);
  const merged = mergeContributions([record, ...others]);
  const mergedHash = stableHash(merged);
  const existing = sql(db, 'SELECT content_hash FROM incidents WHERE id = ?').get(record.id) as { content_hash: string } | undefined;
  const row = {
    ...merged,
    now,
    hash: mergedHash,
    tags: JSON.stringify(merged.tags),
    multi: merged.multiIncident ? 1 : 0,
    extra: JSON.stringify(merged.extra),
  };
  // Plain INSERT or UPDATE, not an UPSERT: an UPSERT's conflict policy would override the OR IGNORE of
  // triggers that later migrations put on incidents.
  if (!existing) {
    sql(db,
      `INSERT INTO incidents (id, source, url, title, organization, venue, published, year, fetched_at, updated_at, content_hash,
                              text, text_kind, license, tags, impact, multi_incident, extra)
       VALUES (@id, @source, @url, @title, @organization, @venue, @published, @year, @now, @now, @hash,
               @text, @textKind, @license, @tags, @impact, @multi, @extra)`,
    ).run(row);
  } else if (existing.content_hash !== mergedHash) {
    sql(db,
      `UPDATE incidents SET source = @source, url = @url, title = @title, organization = @organization, venue = @venue,
         published = @published, year = @year, fetched_at = @now, updated_at = @now, content_hash = @hash, text = @text,
         text_kind = @textKind, license = @license, tags = @tags, impact = @impact, multi_incident = @multi, extra = @extra
       WHERE id = @id`,
    ).run(row);
  }
  sql(db,
    `INSERT INTO incident_contributions (incident_id, source, content_hash, record, fetched_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(incident_id, source) DO UPDATE SET content_hash = excluded.content_hash, record = excluded.record,
       fetched_at = excluded.fetched_at`,
  ).run(record.id, record.source, recordHash, JSON.stringify(record), now);
  if (options.humanLabels && labelsChanged) writeHumanLabels(db, record.id, options.humanLabels, now, 'write');
  if (!existing) return 'new';
  return existing.content_hash === mergedHash && !labelsChanged ? 'unchanged' : 'updated';
}

/** Flattens gold labels to (dimension, value) pairs, validating codes against the taxonomy. */
export function humanLabelRows(incidentId: string, labels: HumanLabels): Array<{ dimension: DimensionName; value: string }> {
  const taxonomy = loadTaxonomy();
  const rows: Array<{ dimension: DimensionName; value: string }> = [];
  for (const [dimension, raw] of Object.entries(labels) as Array<[DimensionName, string | string[] | undefined]>) {
    if (raw === undefined) continue;
    for (const value of [...new Set(Array.isArray(raw) ? raw : [raw])]) {
      if (value !== UNKNOWN) {
        try {
          assertCode(taxonomy, dimension, value);
        } catch (cause) {
          throw new InvalidDataError(`${incidentId}: human label ${(cause as Error).message}`, { cause });
        }
      }
      rows.push({ dimension, value });
    }
  }
  return rows.sort((a, b) => `${a.dimension}\0${a.value}`.localeCompare(`${b.dimension}\0${b.value}`));
}

/** In 'check' mode returns whether the stored human labels differ; in 'write' mode replaces them. */
function writeHumanLabels(db: Db, incidentId: string, labels: HumanLabels, now: string, mode: 'check' | 'write'): boolean {
  const wanted = humanLabelRows(incidentId, labels);
  const stored = sql(db, "SELECT dimension, value FROM labels WHERE incident_id = ? AND origin = 'human' ORDER BY dimension, value")
    .all(incidentId) as Array<{ dimension: string; value: string }>;
  const same = stableJson(stored.map((r) => [r.dimension, r.value]).sort()) === stableJson(wanted.map((r) => [r.dimension, r.value]).sort());
  if (mode === 'check') return !same;
  sql(db, "DELETE FROM labels WHERE incident_id = ? AND origin = 'human'").run(incidentId);
  const insert = sql(db,
    `INSERT INTO labels (incident_id, dimension, value, origin, confidence, evidence, classifier_version, labeled_at)
     VALUES (?, ?, ?, 'human', 1, '[]', ?, ?)`,
  );
  for (const row of wanted) insert.run(incidentId, row.dimension, row.value, HUMAN_CLASSIFIER_VERSION, now);
  return !same;
}

/** The validators of the last fetch of `url`, if any. */
export function readFetchCache(db: Db, url: string): FetchCacheEntry | undefined {
  const row = sql(db, 'SELECT * FROM fetch_cache WHERE url = ?').get(url) as
    | { url: string; status: number | null; etag: string | null; last_modified: string | null; body_hash: string | null; fetched_at: string; error: string | null }
    | undefined;
  return (
    row && {
      url: row.url,
      status: row.status,
      etag: row.etag,
      lastModified: row.last_modified,
      bodyHash: row.body_hash,
      fetchedAt: row.fetched_at,
      error: row.error,
    }
  );
}

/** Records the outcome of a fetch (its own transaction). */
export function writeFetchCache(db: Db, entry: FetchCacheEntry): void {
  sql(db,
    `INSERT INTO fetch_cache (url, status, etag, last_modified, body_hash, fetched_at, error)
     VALUES (@url, @status, @etag, @lastModified, @bodyHash, @fetchedAt, @error)
     ON CONFLICT(url) DO UPDATE SET status = excluded.status, etag = excluded.etag, last_modified = excluded.last_modified,
       body_hash = excluded.body_hash, fetched_at = excluded.fetched_at, error = excluded.error`,
  ).run(entry);
}

/** The cursor a source committed last, if any. */
export function readCursor(db: Db, source: string): string | undefined {
  return (sql(db, 'SELECT cursor FROM refresh_cursors WHERE source = ?').get(source) as { cursor: string } | undefined)?.cursor;
}

/** Commits a source's cursor (its own transaction). */
export function writeCursor(db: Db, source: string, cursor: string): void {
  writeCursorRow(db, source, cursor, new Date().toISOString());
}

function writeCursorRow(db: Db, source: string, cursor: string, now: string): void {
  sql(db,
    `INSERT INTO refresh_cursors (source, cursor, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
  ).run(source, cursor, now);
}

/** The incident database as the sink of a refresh. */
export function incidentSink(db: Db): RefreshSink {
  return {
    writeIncident: (record, options) => upsertIncident(db, record, options),
    writeFetchCache: (entry) => writeFetchCache(db, entry),
    readFetchCache: (url) => readFetchCache(db, url),
    readCursor: (source) => readCursor(db, source),
    writeCursor: (source, cursor) => writeCursor(db, source, cursor),
  };
}

/**
 * Makes a database file stand alone for committing: checkpoints the WAL into the main file and switches to
 * the rollback journal, so no -wal/-shm files are needed next to it.
 */
export function compactForCommit(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.exec('VACUUM');
}
