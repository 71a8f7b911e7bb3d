import type { Db } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { DIMENSIONS, UNKNOWN, type DimensionName, type Taxonomy } from '../core/taxonomy.js';

/**
 * Encodes a dimension's codes as the integers stats_facts stores. Single-valued dimensions: the code's
 * 1-based position in taxonomy/dimensions.yaml, 0 for unknown. Multi-valued: a bit mask with bit 0 for
 * unknown and bit n for the n-th code. Codes are only ever appended to the taxonomy, so positions are stable;
 * a changed taxonomy still triggers a full rebuild (see refreshStatsFacts).
 */
export interface DimensionCodec {
  name: DimensionName;
  multi: boolean;
  /** Codes in taxonomy order, then `unknown`: the display order (severity order for single-valued ones). */
  values: string[];
  /** The stored integer of one code (single) or its bit (multi); undefined for a code not in the taxonomy. */
  encode(code: string): number | undefined;
  /** The codes an encoded value stands for, in display order. */
  decode(stored: number): string[];
}

/** Builds the codec of every taxonomy dimension. */
export function dimensionCodecs(taxonomy: Taxonomy): Record<DimensionName, DimensionCodec> {
  const codecs = {} as Record<DimensionName, DimensionCodec>;
  for (const name of DIMENSIONS) {
    const dim = taxonomy.dimensions[name];
    const multi = dim.cardinality === 'multi';
    const position = new Map(dim.codes.map((code, i) => [code, i + 1]));
    codecs[name] = {
      name,
      multi,
      values: [...dim.codes, UNKNOWN],
      encode(code) {
        if (code === UNKNOWN) return multi ? 1 : 0;
        const p = position.get(code);
        if (p === undefined) return undefined;
        return multi ? 2 ** p : p;
      },
      decode(stored) {
        if (!multi) return [stored === 0 ? UNKNOWN : dim.codes[stored - 1]];
        const codes = dim.codes.filter((_, i) => Math.floor(stored / 2 ** (i + 1)) % 2 === 1);
        return codes.length > 0 ? codes : [UNKNOWN];
      },
    };
  }
  return codecs;
}

/** What a refresh did: how many incidents it re-derived, and label values the taxonomy does not know. */
export interface RefreshSummary {
  refreshed: number;
  /** `dimension=value` of stored labels that are not taxonomy codes (counted as unknown), sorted. */
  unmappedValues: string[];
}

const BATCH = 20_000;

/** The taxonomy as stats_meta records it: a change re-derives every incident's facts. */
function taxonomyFingerprint(taxonomy: Taxonomy): string {
  return JSON.stringify(DIMENSIONS.map((d) => [d, taxonomy.dimensions[d].cardinality, taxonomy.dimensions[d].codes]));
}

/**
 * True when the database is at the latest schema and its derived statistics tables need no refresh, so a
 * read-only connection can answer queries. Works on a read-only connection.
 */
export function statsAreFresh(db: Db, taxonomy: Taxonomy): boolean {
  if ((db.pragma('user_version', { simple: true }) as number) !== MIGRATIONS.at(-1)?.version) return false;
  const meta = new Map((db.prepare('SELECT name, value FROM stats_meta').raw().all() as [string, string][]).map(([k, v]) => [k, v]));
  if (meta.get('taxonomy') !== taxonomyFingerprint(taxonomy) || meta.get('cube') !== 'fresh') return false;
  return db.prepare('SELECT 1 FROM stats_dirty LIMIT 1').get() === undefined;
}

/**
 * Brings stats_facts up to date: re-derives the effective labels of every incident listed in stats_dirty
 * (filled by triggers on incidents and labels), and of all incidents when the taxonomy changed. The effective
 * labels of an incident and dimension are its human rows when it has any, else its rule rows; no row at all
 * means unknown. Needs a writable connection.
 */
export function refreshStatsFacts(db: Db, taxonomy: Taxonomy): RefreshSummary {
  const codecs = dimensionCodecs(taxonomy);
  const fingerprint = taxonomyFingerprint(taxonomy);
  const stored = db.prepare(`SELECT value FROM stats_meta WHERE name = 'taxonomy'`).pluck().get() as string | undefined;
  if (stored !== fingerprint) {
    db.transaction(() => {
      db.exec('INSERT OR IGNORE INTO stats_dirty(key) SELECT key FROM incident_keys');
      db.prepare(`INSERT OR REPLACE INTO stats_meta(name, value) VALUES ('taxonomy', ?)`).run(fingerprint);
    })();
  }

  const nextBatch = db.prepare('SELECT key FROM stats_dirty WHERE key > ? ORDER BY key LIMIT ?').pluck();
  const readIncidents = db.prepare(`
    SELECT d.key, i.source, i.published, i.year, i.multi_incident AS multi
    FROM stats_dirty d JOIN incident_keys k ON k.key = d.key JOIN incidents i ON i.id = k.id
    WHERE d.key BETWEEN ? AND ?`);
  const readLabels = db.prepare(`
    SELECT d.key, l.dimension, l.value, l.origin
    FROM stats_dirty d JOIN incident_keys k ON k.key = d.key JOIN labels l ON l.incident_id = k.id
    WHERE d.key BETWEEN ? AND ?`);
  const deleteFacts = db.prepare('DELETE FROM stats_facts WHERE key IN (SELECT key FROM stats_dirty WHERE key BETWEEN ? AND ?)');
  const insertFact = db.prepare(`
    INSERT INTO stats_facts(key, source, day, year, quarter, multi_incident, failure, client, fault, component, error)
    VALUES (@key, @source, @day, @year, @quarter, @multi, @failure, @client, @fault, @component, @error)`);
  const clearDirty = db.prepare('DELETE FROM stats_dirty WHERE key BETWEEN ? AND ?');

  const markCubeStale = db.prepare(`INSERT OR REPLACE INTO stats_meta(name, value) VALUES ('cube', 'stale')`);
  const unmapped = new Set<string>();
  let refreshed = 0;
  let after = -1;
  for (;;) {
    const keys = nextBatch.all(after, BATCH) as number[];
    if (keys.length === 0) break;
    const first = keys[0];
    const last = keys[keys.length - 1];
    after = last;
    db.transaction(() => {
      const labelsByKey = new Map<number, { dimension: string; value: string; origin: string }[]>();
      for (const row of readLabels.all(first, last) as { key: number; dimension: string; value: string; origin: string }[]) {
        let list = labelsByKey.get(row.key);
        if (!list) labelsByKey.set(row.key, (list = []));
        list.push(row);
      }
      const incidents = readIncidents.all(first, last) as { key: number; source: string; published: string | null; year: number | null; multi: number }[];
      deleteFacts.run(first, last);
      for (const incident of incidents) {
        const labels = labelsByKey.get(incident.key) ?? [];
        const encoded = encodeEffectiveLabels(codecs, labels, unmapped);
        insertFact.run({ key: incident.key, source: incident.source, ...datedPeriod(incident.published, incident.year), multi: incident.multi ? 1 : 0, ...encoded });
      }
      clearDirty.run(first, last);
      markCubeStale.run();
      refreshed += incidents.length;
    })();
  }
  if (refreshed > 0 || cubeIsStale(db)) rebuildCube(db);
  return { refreshed, unmappedValues: [...unmapped].sort() };
}

const CUBE_COLUMNS = 'source, month, year, quarter, multi_incident, failure, client, fault, component, error';
const CUBE_SELECT = 'source, day / 100, year, quarter, multi_incident, failure, client, fault, component, error';

function cubeIsStale(db: Db): boolean {
  return db.prepare(`SELECT value FROM stats_meta WHERE name = 'cube'`).pluck().get() !== 'fresh';
}

/** Regroups stats_facts into stats_cube; the staleness mark makes an interrupted refresh redo it next time. */
function rebuildCube(db: Db): void {
  db.transaction(() => {
    db.exec('DELETE FROM stats_cube');
    db.exec(`INSERT INTO stats_cube(${CUBE_COLUMNS}, n) SELECT ${CUBE_SELECT}, count(*) FROM stats_facts GROUP BY ${CUBE_SELECT}`);
    db.exec(`INSERT OR REPLACE INTO stats_meta(name, value) VALUES ('cube', 'fresh')`);
  })();
}

function encodeEffectiveLabels(
  codecs: Record<DimensionName, DimensionCodec>,
  labels: { dimension: string; value: string; origin: string }[],
  unmapped: Set<string>,
): Record<DimensionName, number> {
  const result = {} as Record<DimensionName, number>;
  for (const name of DIMENSIONS) {
    const codec = codecs[name];
    const rows = labels.filter((l) => l.dimension === name);
    const effective = rows.some((l) => l.origin === 'human') ? rows.filter((l) => l.origin === 'human') : rows;
    const known: number[] = [];
    for (const label of effective) {
      const value = codec.encode(label.value);
      if (value === undefined) unmapped.add(`${name}=${label.value}`);
      else if (label.value !== UNKNOWN) known.push(value);
    }
    if (codec.multi) {
      const mask = known.reduce((acc, bit) => acc | bit, 0);
      result[name] = mask === 0 ? 1 : mask;
    } else {
      // A single-valued dimension with several effective rows keeps the most severe (first in taxonomy order).
      result[name] = known.length === 0 ? 0 : Math.min(...known);
    }
  }
  return result;
}

/**
 * The period an incident's date falls in. An incident dated only to a year or a month is placed on the first
 * day of that period, so `--since 2020-03-01` leaves out one published as "2020".
 */
export function datedPeriod(published: string | null, year: number | null): { day: number | null; year: number | null; quarter: number | null } {
  const m = published ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(published) : null;
  if (m) {
    const y = Number(m[1]);
    const month = m[2] ? Number(m[2]) : null;
    const dayOfMonth = m[3] ? Number(m[3]) : 1;
    return { day: y * 10_000 + (month ?? 1) * 100 + dayOfMonth, year: y, quarter: month ? Math.ceil(month / 3) : null };
  }
  if (year) return { day: year * 10_000 + 101, year, quarter: null };
  return { day: null, year: null, quarter: null };
}
