import { InvalidDataError } from '../core/errors.js';
import { assertCode, DIMENSIONS, type DimensionName, type Taxonomy } from '../core/taxonomy.js';
import type { DimensionCodec } from './facts.js';

/** One `--where DIM=VALUE[,VALUE...]` filter: the incident matches when it has any of the values. */
export interface WhereFilter {
  dimension: DimensionName;
  values: string[];
}

/**
 * Which incidents a statistic counts. Filters on different dimensions must all hold; values of one
 * dimension (repeated --where or a comma list) are alternatives.
 */
export interface StatsFilters {
  where: WhereFilter[];
  /** Source module names; empty = all sources. */
  sources: string[];
  /** YYYY, YYYY-MM or YYYY-MM-DD, inclusive; incidents without a date are left out when either is set. */
  since?: string;
  until?: string;
  /** Count incidents flagged multi_incident (reports of several incidents); left out by default. */
  includeMultiIncident: boolean;
}

/** No filter: every single incident. */
export const ALL_INCIDENTS: StatsFilters = { where: [], sources: [], includeMultiIncident: false };

/** What statistics can be grouped by: a taxonomy dimension or the incident's source. */
export type GroupDimension = DimensionName | 'source';

/** Parses a `--by` value (one or more comma-separated names), with a one-line error listing valid ones. */
export function parseGroupDimensions(text: string): GroupDimension[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const valid: readonly string[] = [...DIMENSIONS, 'source'];
  for (const name of names) {
    if (!valid.includes(name)) throw new InvalidDataError(`--by ${text}: unknown dimension "${name}"; valid: ${valid.join(', ')}`);
  }
  if (names.length === 0) throw new InvalidDataError(`--by: give a dimension; valid: ${valid.join(', ')}`);
  if (new Set(names).size !== names.length) throw new InvalidDataError(`--by ${text}: a dimension is repeated; give distinct ones`);
  return names as GroupDimension[];
}

/** Command-line filter options as commander collects them. */
export interface FilterOptions {
  where?: string[];
  source?: string[];
  since?: string;
  until?: string;
  includeMulti?: boolean;
}

/** Validates command-line filter options into StatsFilters (dates and codes checked up front). */
export function parseFilters(options: FilterOptions, taxonomy: Taxonomy): StatsFilters {
  if (options.since) parseDateBound('--since', options.since, 'start');
  if (options.until) parseDateBound('--until', options.until, 'end');
  return {
    where: (options.where ?? []).map((w) => parseWhere(w, taxonomy)),
    sources: (options.source ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    since: options.since,
    until: options.until,
    includeMultiIncident: options.includeMulti ?? false,
  };
}

/** Parses `DIM=VALUE[,VALUE...]`, checking the dimension and every code against the taxonomy. */
export function parseWhere(text: string, taxonomy: Taxonomy): WhereFilter {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    throw new InvalidDataError(`--where ${text}: expected DIM=VALUE, e.g. failure=Out or fault=upgrade,misconfiguration`);
  }
  const dimension = text.slice(0, eq).trim();
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const value of values) assertCode(taxonomy, dimension, value);
  return { dimension: dimension as DimensionName, values };
}

/** Parses a --since/--until date: YYYY, YYYY-MM or YYYY-MM-DD, as yyyymmdd of the period's first or last day. */
export function parseDateBound(flag: string, text: string, end: 'start' | 'end'): number {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
  const month = m?.[2] ? Number(m[2]) : undefined;
  const day = m?.[3] ? Number(m[3]) : undefined;
  if (!m || (month !== undefined && (month < 1 || month > 12)) || (day !== undefined && (day < 1 || day > 31))) {
    throw new InvalidDataError(`${flag} ${text}: not a date; use YYYY, YYYY-MM or YYYY-MM-DD`);
  }
  const year = Number(m[1]);
  if (end === 'start') return year * 10_000 + (month ?? 1) * 100 + (day ?? 1);
  return year * 10_000 + (month ?? 12) * 100 + (day ?? 31);
}

/** A SQL condition over stats_facts or stats_cube (same columns) and its parameters; column names come from code, values only as parameters. */
export interface SqlCondition {
  sql: string;
  params: (string | number)[];
}

/** The tables a statistic reads: the per-month cube, or per-incident facts for days inside a month. */
export type StatsTable = 'stats_cube' | 'stats_facts';

/** One query of a statistic: a table and the inclusive date range it covers (months for the cube, days for facts). */
export interface QueryPart {
  table: StatsTable;
  from?: number;
  to?: number;
}

/**
 * Splits a date range into the queries that answer it: whole months from stats_cube, and the days of a
 * partial first or last month (a --since after the 1st, an --until before the 31st) from stats_facts. The
 * parts cover disjoint incidents, so their counts add up. With `factsOnly`, one stats_facts query.
 */
export function queryParts(filters: StatsFilters, factsOnly = false): QueryPart[] {
  const since = filters.since ? parseDateBound('--since', filters.since, 'start') : undefined;
  const until = filters.until ? parseDateBound('--until', filters.until, 'end') : undefined;
  if (factsOnly) return [{ table: 'stats_facts', from: since, to: until }];
  const partialSince = since !== undefined && since % 100 !== 1;
  const partialUntil = until !== undefined && until % 100 !== 31;
  const sinceMonth = since === undefined ? undefined : Math.floor(since / 100);
  const untilMonth = until === undefined ? undefined : Math.floor(until / 100);
  if (partialSince && partialUntil && sinceMonth === untilMonth) return [{ table: 'stats_facts', from: since, to: until }];
  const parts: QueryPart[] = [];
  if (partialSince) parts.push({ table: 'stats_facts', from: since, to: sinceMonth! * 100 + 31 });
  const cube: QueryPart = { table: 'stats_cube', from: partialSince ? nextMonth(sinceMonth!) : sinceMonth, to: partialUntil ? previousMonth(untilMonth!) : untilMonth };
  if (cube.from === undefined || cube.to === undefined || cube.from <= cube.to) parts.push(cube);
  if (partialUntil) parts.push({ table: 'stats_facts', from: untilMonth! * 100 + 1, to: until });
  return parts;
}

const nextMonth = (yyyymm: number) => (yyyymm % 100 === 12 ? yyyymm + 89 : yyyymm + 1);
const previousMonth = (yyyymm: number) => (yyyymm % 100 === 1 ? yyyymm - 89 : yyyymm - 1);

/** Turns filters into a WHERE clause over one query part's table (aliased `f`), dates limited to the part's range. */
export function filterCondition(filters: StatsFilters, codecs: Record<DimensionName, DimensionCodec>, part: QueryPart): SqlCondition {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (!filters.includeMultiIncident) clauses.push('f.multi_incident = 0');
  if (filters.sources.length > 0) {
    clauses.push(`f.source IN (${filters.sources.map(() => '?').join(', ')})`);
    params.push(...filters.sources);
  }
  const dateColumn = part.table === 'stats_cube' ? 'f.month' : 'f.day';
  if (part.from !== undefined) {
    clauses.push(`${dateColumn} >= ?`);
    params.push(part.from);
  }
  if (part.to !== undefined) {
    clauses.push(`${dateColumn} <= ?`);
    params.push(part.to);
  }
  const byDimension = new Map<DimensionName, Set<string>>();
  for (const w of filters.where) {
    const set = byDimension.get(w.dimension) ?? new Set<string>();
    for (const v of w.values) set.add(v);
    byDimension.set(w.dimension, set);
  }
  for (const [dimension, values] of byDimension) {
    const codec = codecs[dimension];
    const column = `f.${FACT_COLUMN[dimension]}`;
    const encoded = [...values].map((v) => codec.encode(v) as number);
    if (codec.multi) {
      clauses.push(`(${column} & ?) != 0`);
      params.push(encoded.reduce((acc, bit) => acc | bit, 0));
    } else {
      clauses.push(`${column} IN (${encoded.map(() => '?').join(', ')})`);
      params.push(...encoded);
    }
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', params };
}

/** stats_facts and stats_cube column of each groupable dimension (fixed identifiers, never user text). */
export const FACT_COLUMN: Record<GroupDimension, string> = {
  failure: 'failure',
  client: 'client',
  fault: 'fault',
  component: 'component',
  error: 'error',
  source: 'source',
};
