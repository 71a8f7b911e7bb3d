import type { Db } from '../core/sqlite.js';
import { InvalidDataError } from '../core/errors.js';
import { assertCode, DIMENSIONS, type DimensionName, type Taxonomy } from '../core/taxonomy.js';
import type { Classification, Evidence, IncidentInput } from './classifier.js';
import { parseEntrySummary } from './entry-text.js';
import type { GoldIncident } from './gold.js';

/** A label dimension as stored: the SPEC dimensions plus `failure_also`. */
export type LabelDimension = DimensionName | 'failure_also';
export const LABEL_DIMENSIONS: readonly LabelDimension[] = [...DIMENSIONS, 'failure_also'];

/** The incident columns the classifier reads. */
export interface IncidentRow {
  id: string;
  source: string;
  url: string | null;
  title: string;
  text: string | null;
  impact: string | null;
  tags: string;
  updated_at: string;
}

/** One row of the labels table. */
export interface LabelRow {
  incident_id: string;
  dimension: LabelDimension;
  value: string;
  origin: 'rule' | 'human';
  confidence: number | null;
  evidence: Evidence[];
  classifier_version: string;
  labeled_at: string;
}

/** Which incidents `classify` reads: all of them, those updated since a date, or one id. */
export type IncidentSelection = { all: true } | { since: string } | { id: string };

const COLUMNS = 'id, source, url, title, text, impact, tags, updated_at';

/** Reads the incidents of a selection, in id order. */
export function selectIncidents(db: Db, selection: IncidentSelection): IncidentRow[] {
  if ('id' in selection) return db.prepare(`SELECT ${COLUMNS} FROM incidents WHERE id = ?`).all(selection.id) as IncidentRow[];
  if ('since' in selection) {
    return db.prepare(`SELECT ${COLUMNS} FROM incidents WHERE updated_at >= ? ORDER BY id`).all(selection.since) as IncidentRow[];
  }
  return db.prepare(`SELECT ${COLUMNS} FROM incidents ORDER BY id`).all() as IncidentRow[];
}

/** Reads one incident, or undefined. */
export function readIncident(db: Db, id: string): IncidentRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM incidents WHERE id = ?`).get(id) as IncidentRow | undefined;
}

/** The classifier's input for a stored incident: a GitHub issue's tags are its labels, other sources' are tags. */
export function incidentInputFromRow(row: IncidentRow): IncidentInput {
  let tags: string[] = [];
  try {
    const parsed = JSON.parse(row.tags) as unknown;
    if (Array.isArray(parsed)) tags = parsed.filter((t): t is string => typeof t === 'string');
  } catch {
    throw new InvalidDataError(`incident ${row.id}: tags column is not a JSON array; re-run the source refresh`);
  }
  const github = row.source.startsWith('github');
  // A k8s.af entry's text repeats its title, tags and impact line: read the fields, not the words twice.
  // Only when the fields really hold what the text repeats, so evidence offsets stay offsets into the row.
  const entry = parseEntrySummary(row.text);
  const repeated = entry !== undefined && (tags.length > 0 || entry.tags.length === 0) && (row.impact !== null || entry.impact === null);
  return { id: row.id, title: row.title, text: repeated ? null : row.text, impact: row.impact, tags: github ? [] : tags, labels: github ? tags : [] };
}

/**
 * Replaces an incident's rule labels with a classification (one row per dimension and value; `unknown` when
 * nothing reached the threshold). Human labels are left alone. Runs in the caller's transaction if any.
 */
export function writeRuleLabels(db: Db, classification: Classification, labeledAt: string): number {
  const remove = db.prepare(`DELETE FROM labels WHERE incident_id = ? AND origin = 'rule'`);
  const insert = db.prepare(
    `INSERT INTO labels (incident_id, dimension, value, origin, confidence, evidence, classifier_version, labeled_at)
     VALUES (?, ?, ?, 'rule', ?, ?, ?, ?)`,
  );
  let rows = 0;
  db.transaction(() => {
    remove.run(classification.id);
    for (const dimension of LABEL_DIMENSIONS) {
      const result = classification.dimensions[dimension];
      for (const value of result.values) {
        insert.run(
          classification.id,
          dimension,
          value,
          result.confidence[value] ?? 0,
          JSON.stringify(result.evidence[value] ?? []),
          classification.classifierVersion,
          labeledAt,
        );
        rows++;
      }
    }
  })();
  return rows;
}

/**
 * Sets human labels: for each dimension given, the human rows are replaced by the given values (codes are
 * validated; `unknown` is allowed and means "a person looked and could not tell").
 */
export function setHumanLabels(
  db: Db,
  taxonomy: Taxonomy,
  incidentId: string,
  labels: Partial<Record<DimensionName, string[]>>,
  labeledAt: string,
  version = 'human',
): number {
  if (!readIncident(db, incidentId)) throw new InvalidDataError(`incident "${incidentId}" is not in the database; check the id with \`mutiny list\``);
  for (const [dimension, values] of Object.entries(labels)) {
    for (const v of values ?? []) assertCode(taxonomy, dimension, v);
    const cardinality = taxonomy.dimensions[dimension as DimensionName].cardinality;
    if (cardinality === 'single' && (values ?? []).length > 1) {
      throw new InvalidDataError(`${dimension} takes one value, got ${values!.join(',')}; give the most severe`);
    }
  }
  const remove = db.prepare(`DELETE FROM labels WHERE incident_id = ? AND dimension = ? AND origin = 'human'`);
  const insert = db.prepare(
    `INSERT INTO labels (incident_id, dimension, value, origin, confidence, evidence, classifier_version, labeled_at)
     VALUES (?, ?, ?, 'human', 1, '[]', ?, ?)`,
  );
  let rows = 0;
  db.transaction(() => {
    for (const [dimension, values] of Object.entries(labels)) {
      remove.run(incidentId, dimension);
      for (const v of new Set(values)) {
        insert.run(incidentId, dimension, v, version, labeledAt);
        rows++;
      }
    }
  })();
  return rows;
}

/** A URL reduced to what identifies a page: no scheme, `www.`, trailing slash, or GitHub commit pin. */
function urlKey(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/^(github\.com\/[^/]+\/[^/]+\/blob\/)[^/]+\//, '$1head/')
    .replace(/#.*$/, '')
    .replace(/\/+$/, '');
}

/**
 * Returns a function that finds the stored incident a gold line is about: same id, the same page URL (ignoring
 * scheme, `www.`, trailing slash and GitHub commit pins), or for a GitHub issue `github:<owner>/<repo>#<n>`.
 */
export function goldIncidentResolver(db: Db): (gold: Pick<GoldIncident, 'id' | 'url'>) => IncidentRow | undefined {
  const byUrl = new Map<string, string>();
  for (const r of db.prepare('SELECT id, url FROM incidents WHERE url IS NOT NULL').all() as { id: string; url: string }[]) {
    byUrl.set(urlKey(r.url), r.id);
  }
  return (gold) => {
    const byId = readIncident(db, gold.id);
    if (byId) return byId;
    if (!gold.url) return undefined;
    const id = byUrl.get(urlKey(gold.url));
    if (id) return readIncident(db, id);
    const issue = /^https:\/\/github\.com\/([^/]+\/[^/]+)\/(?:issues|pull)\/(\d+)/.exec(gold.url);
    return issue ? readIncident(db, `github:${issue[1]}#${issue[2]}`) : undefined;
  };
}

/** Imports gold/human labels; returns how many incidents were labeled and the ids not found in the database. */
export function importHumanLabels(
  db: Db,
  taxonomy: Taxonomy,
  gold: readonly GoldIncident[],
  labeledAt: string,
  version: string,
): { labeled: number; rows: number; missing: string[] } {
  let labeled = 0;
  let rows = 0;
  const missing: string[] = [];
  const resolve = goldIncidentResolver(db);
  for (const g of gold) {
    const row = resolve(g);
    if (!row) {
      missing.push(g.id);
      continue;
    }
    const labels: Partial<Record<DimensionName, string[]>> = {};
    for (const d of DIMENSIONS) if (g.gold[d] !== null && g.gold[d]!.length > 0) labels[d] = g.gold[d]!;
    try {
      rows += setHumanLabels(db, taxonomy, row.id, labels, labeledAt, version);
    } catch (cause) {
      throw new InvalidDataError(`${g.file}:${g.line}: ${(cause as Error).message}`, { cause });
    }
    labeled++;
  }
  return { labeled, rows, missing };
}

/** Reads every label row of an incident (both origins). */
export function readLabels(db: Db, incidentId: string): LabelRow[] {
  const rows = db
    .prepare(`SELECT * FROM labels WHERE incident_id = ? ORDER BY dimension, origin, confidence DESC, value`)
    .all(incidentId) as (Omit<LabelRow, 'evidence'> & { evidence: string })[];
  return rows.map((r) => ({ ...r, evidence: JSON.parse(r.evidence) as Evidence[] }));
}

/** The labels that count, per dimension: human rows where any exist, otherwise rule rows. */
export function effectiveLabels(rows: readonly LabelRow[]): Map<LabelDimension, LabelRow[]> {
  const out = new Map<LabelDimension, LabelRow[]>();
  for (const dimension of LABEL_DIMENSIONS) {
    const human = rows.filter((r) => r.dimension === dimension && r.origin === 'human');
    const rule = rows.filter((r) => r.dimension === dimension && r.origin === 'rule');
    const chosen = human.length > 0 ? human : rule;
    if (chosen.length > 0) out.set(dimension, chosen);
  }
  return out;
}
