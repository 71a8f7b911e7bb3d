import { InvalidDataError } from '../core/errors.js';
import { DIMENSIONS } from '../core/taxonomy.js';
import { filterCondition, queryParts, type StatsFilters } from './filters.js';
import type { StatsContext } from './queries.js';

/** One span of text that made the classifier choose a label (contracts: labels.evidence). */
export interface Evidence {
  rule: string;
  field: string;
  section: string | null;
  start: number;
  end: number;
  match: string;
  weight: number;
}

/** One stored label row; `effective` says whether it counts (human rows override rule rows). */
export interface IncidentLabel {
  dimension: string;
  value: string;
  origin: 'rule' | 'human';
  confidence: number | null;
  evidence: Evidence[];
  classifierVersion: string;
  labeledAt: string;
  effective: boolean;
}

/** An incident with all its label rows, for `mutiny show`. */
export interface IncidentDetail {
  key: number;
  id: string;
  source: string;
  url: string | null;
  title: string;
  organization: string | null;
  venue: string | null;
  published: string | null;
  year: number | null;
  textKind: string;
  license: string | null;
  tags: string[];
  impact: string | null;
  multiIncident: boolean;
  text: string | null;
  labels: IncidentLabel[];
}

/**
 * Reads one incident by id, or by its numeric key (as `mutiny search` prints it) when no incident has that id.
 * Labels come in dimension order (taxonomy, then others), effective first, then by value.
 */
export function readIncident(ctx: StatsContext, idOrKey: string): IncidentDetail {
  const row = (ctx.db
    .prepare('SELECT k.key, i.* FROM incidents i JOIN incident_keys k ON k.id = i.id WHERE i.id = ?')
    .get(idOrKey) ??
    (/^\d+$/.test(idOrKey)
      ? ctx.db.prepare('SELECT k.key, i.* FROM incidents i JOIN incident_keys k ON k.id = i.id WHERE k.key = ?').get(Number(idOrKey))
      : undefined)) as Record<string, unknown> | undefined;
  if (!row) throw new InvalidDataError(`incident "${idOrKey}": not in the database; find ids with \`mutiny search TEXT\``);
  const labelRows = ctx.db
    .prepare('SELECT dimension, value, origin, confidence, evidence, classifier_version, labeled_at FROM labels WHERE incident_id = ?')
    .all(row.id) as { dimension: string; value: string; origin: 'rule' | 'human'; confidence: number | null; evidence: string; classifier_version: string; labeled_at: string }[];
  const humanDimensions = new Set(labelRows.filter((l) => l.origin === 'human').map((l) => l.dimension));
  const dimensionOrder = (d: string) => {
    const i = (DIMENSIONS as readonly string[]).indexOf(d);
    return i === -1 ? DIMENSIONS.length : i;
  };
  const labels = labelRows
    .map((l) => ({
      dimension: l.dimension,
      value: l.value,
      origin: l.origin,
      confidence: l.confidence,
      evidence: parseStoredJsonArray(l.evidence, `labels of ${row.id as string} (${l.dimension}=${l.value})`) as Evidence[],
      classifierVersion: l.classifier_version,
      labeledAt: l.labeled_at,
      effective: l.origin === 'human' || !humanDimensions.has(l.dimension),
    }))
    .sort(
      (a, b) =>
        dimensionOrder(a.dimension) - dimensionOrder(b.dimension) ||
        a.dimension.localeCompare(b.dimension) ||
        Number(b.effective) - Number(a.effective) ||
        a.value.localeCompare(b.value),
    );
  return {
    key: row.key as number,
    id: row.id as string,
    source: row.source as string,
    url: row.url as string | null,
    title: row.title as string,
    organization: row.organization as string | null,
    venue: row.venue as string | null,
    published: row.published as string | null,
    year: row.year as number | null,
    textKind: row.text_kind as string,
    license: row.license as string | null,
    tags: parseStoredJsonArray(row.tags as string, `incident ${row.id as string} tags`).map(String),
    impact: row.impact as string | null,
    multiIncident: Boolean(row.multi_incident),
    text: row.text as string | null,
    labels,
  };
}

/** One full-text search hit. */
export interface SearchHit {
  key: number;
  id: string;
  title: string;
  source: string;
  year: number | null;
  /** bm25 rank: lower is better (title matches weigh 5x text matches). */
  rank: number;
  /** The best-matching fragment, matches wrapped in `mark[0]`...`mark[1]`. */
  snippet: string;
}

/**
 * Full-text search (FTS5) over incident titles and text, best first. Plain words are matched as terms
 * (all must occur; stemmed); with `raw`, `query` is FTS5 syntax (OR, NEAR, "phrases", prefix*).
 */
export function searchIncidents(
  ctx: StatsContext,
  query: string,
  options: { limit: number; raw?: boolean; mark?: [string, string] },
): SearchHit[] {
  const match = options.raw ? query : plainQuery(query);
  if (!match) throw new InvalidDataError('search: give at least one word to search for');
  const [open, close] = options.mark ?? ['[', ']'];
  try {
    return (
      ctx.db
        .prepare(
          `SELECT k.key, i.id, i.title, i.source, i.year, bm25(incidents_fts, 5.0, 1.0) AS rank,
             snippet(incidents_fts, -1, ?, ?, '…', 16) AS snippet
           FROM incidents_fts JOIN incident_keys k ON k.key = incidents_fts.rowid JOIN incidents i ON i.id = k.id
           WHERE incidents_fts MATCH ? ORDER BY rank, i.id LIMIT ?`,
        )
        .all(open, close, match, options.limit) as SearchHit[]
    ).map((h) => ({ ...h, snippet: h.snippet.replace(/\s+/g, ' ').trim() }));
  } catch (cause) {
    if (options.raw && /fts5|syntax/i.test((cause as Error).message)) {
      throw new InvalidDataError(`search "${query}": not a valid FTS5 query (${(cause as Error).message}); drop --raw to search plain words`, { cause });
    }
    throw cause;
  }
}

/** Plain words as quoted FTS5 terms, so punctuation and operators in user text are never query syntax. */
function plainQuery(text: string): string {
  return text
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .map((word) => `"${word}"`)
    .join(' ');
}

/** The columns of `mutiny export`, in order (documented in docs/statistics.md). */
export const EXPORT_COLUMNS = [
  'id',
  'source',
  'url',
  'title',
  'organization',
  'venue',
  'published',
  'year',
  'text_kind',
  'license',
  'tags',
  'impact',
  'multi_incident',
  'failure',
  'client',
  'fault',
  'component',
  'error',
] as const;

/** One exported incident: multi-valued fields as arrays of codes (effective labels; `unknown` when none). */
export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | number | string[] | null>;

/** The incidents matching `filters`, ordered by id, with their effective labels. */
export function* exportRows(ctx: StatsContext, filters: StatsFilters): Generator<ExportRow> {
  const condition = filterCondition(filters, ctx.codecs, queryParts(filters, true)[0]);
  const statement = ctx.db.prepare(
    `SELECT i.id, i.source, i.url, i.title, i.organization, i.venue, i.published, i.year, i.text_kind, i.license, i.tags,
       i.impact, i.multi_incident, f.failure, f.client, f.fault, f.component, f.error
     FROM stats_facts f JOIN incident_keys k ON k.key = f.key JOIN incidents i ON i.id = k.id
     WHERE ${condition.sql} ORDER BY i.id`,
  );
  for (const row of statement.iterate(...condition.params) as Iterable<Record<string, string | number | null>>) {
    const out = { ...row, tags: parseStoredJsonArray(row.tags as string, `incident ${row.id as string} tags`).map(String) } as ExportRow;
    for (const d of DIMENSIONS) {
      const codes = ctx.codecs[d].decode(row[d] as number);
      out[d] = ctx.codecs[d].multi ? codes : codes[0];
    }
    yield out;
  }
}

/** Parses a JSON array column; a malformed one is a damaged database, reported with where it is. */
function parseStoredJsonArray(text: string | null, where: string): unknown[] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidDataError(`${where}: stored JSON does not parse (${(cause as Error).message}); re-run the step that wrote it`, { cause });
  }
  if (!Array.isArray(parsed)) throw new InvalidDataError(`${where}: stored JSON is not an array; re-run the step that wrote it`);
  return parsed;
}
