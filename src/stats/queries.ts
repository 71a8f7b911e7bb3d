import { existsSync } from 'node:fs';
import { InvalidDataError } from '../core/errors.js';
import { openDatabase, type Db } from '../store/database.js';
import { UNKNOWN, type DimensionName, type Taxonomy } from '../core/taxonomy.js';
import { dimensionCodecs, refreshStatsFacts, statsAreFresh, type DimensionCodec, type RefreshSummary } from './facts.js';
import { FACT_COLUMN, filterCondition, queryParts, type GroupDimension, type StatsFilters } from './filters.js';
import { wilsonInterval } from '../core/statistics.js';

/** A database ready for statistics: facts refreshed, codecs of the taxonomy at hand. */
export interface StatsContext {
  db: Db;
  taxonomy: Taxonomy;
  codecs: Record<DimensionName, DimensionCodec>;
  /** What the refresh at preparation did (unmapped label values are worth a warning). */
  refresh: RefreshSummary;
}

/** Refreshes the derived statistics tables of `db` (see refreshStatsFacts) and returns a query context. */
export function prepareStats(db: Db, taxonomy: Taxonomy): StatsContext {
  const refresh = refreshStatsFacts(db, taxonomy);
  return { db, taxonomy, codecs: dimensionCodecs(taxonomy), refresh };
}

/** A count and its share of all counted incidents, with the Wilson 95% interval of the share. */
export interface Share {
  count: number;
  share: number;
  low: number;
  high: number;
}

/** Counts per value of one dimension. */
export interface Distribution {
  dimension: GroupDimension;
  /** Multi-valued dimensions count an incident once per value it has: shares may sum to more than 100%. */
  multiValued: boolean;
  /** Incidents counted (after filters). */
  total: number;
  rows: ({ value: string } & Share)[];
}

/** Counts per pair of values of two dimensions; shares are of all counted incidents. */
export interface CrossTable {
  rowDimension: GroupDimension;
  columnDimension: GroupDimension;
  /** The multi-valued dimensions among the two (their rows or columns may sum to more than the total). */
  multiValued: GroupDimension[];
  total: number;
  rows: string[];
  columns: string[];
  /** cells[r][c] */
  cells: Share[][];
  rowTotals: Share[];
  columnTotals: Share[];
}

/** Counts per period and value of one dimension. */
export interface Trend {
  dimension: GroupDimension;
  per: TrendPeriod;
  multiValued: boolean;
  /** Periods in time order (gaps filled), then `YYYY-Q?` after a year's quarters, then `undated`. */
  periods: string[];
  values: string[];
  /** counts[p][v] */
  counts: number[][];
  /** Incidents per period. */
  totals: number[];
}

export type TrendPeriod = 'year' | 'quarter';

/** The label used for incidents with no known date in a trend. */
export const UNDATED = 'undated';

/** Counts incidents per value of `dimension`; with `source`, per source (most incidents first). */
export function distribution(ctx: StatsContext, dimension: GroupDimension, filters: StatsFilters): Distribution {
  const groups = groupCounts(ctx, [dimension], filters, []);
  const total = groups.reduce((sum, g) => sum + g.n, 0);
  const counts = new Map<string, number>();
  for (const g of groups) for (const v of decodeKey(ctx, dimension, g.keys[0])) counts.set(v, (counts.get(v) ?? 0) + g.n);
  const values = orderValues(ctx, dimension, counts);
  return {
    dimension,
    multiValued: isMulti(ctx, dimension),
    total,
    rows: values.map((value) => ({ value, ...share(counts.get(value) ?? 0, total) })),
  };
}

/** Cross-tabulates two dimensions (rows in taxonomy order, which is severity order for failure and client). */
export function crossTable(ctx: StatsContext, rowDimension: GroupDimension, columnDimension: GroupDimension, filters: StatsFilters): CrossTable {
  const groups = groupCounts(ctx, [rowDimension, columnDimension], filters, []);
  const total = groups.reduce((sum, g) => sum + g.n, 0);
  const cellCounts = new Map<string, number>();
  const rowCounts = new Map<string, number>();
  const columnCounts = new Map<string, number>();
  for (const g of groups) {
    const rowValues = decodeKey(ctx, rowDimension, g.keys[0]);
    const columnValues = decodeKey(ctx, columnDimension, g.keys[1]);
    for (const r of rowValues) {
      rowCounts.set(r, (rowCounts.get(r) ?? 0) + g.n);
      for (const c of columnValues) cellCounts.set(`${r}\u0000${c}`, (cellCounts.get(`${r}\u0000${c}`) ?? 0) + g.n);
    }
    for (const c of columnValues) columnCounts.set(c, (columnCounts.get(c) ?? 0) + g.n);
  }
  const rows = orderValues(ctx, rowDimension, rowCounts);
  const columns = orderValues(ctx, columnDimension, columnCounts);
  return {
    rowDimension,
    columnDimension,
    multiValued: [rowDimension, columnDimension].filter((d) => isMulti(ctx, d)),
    total,
    rows,
    columns,
    cells: rows.map((r) => columns.map((c) => share(cellCounts.get(`${r}\u0000${c}`) ?? 0, total))),
    rowTotals: rows.map((r) => share(rowCounts.get(r) ?? 0, total)),
    columnTotals: columns.map((c) => share(columnCounts.get(c) ?? 0, total)),
  };
}

/** Counts per year or quarter (by published date) and value of `dimension`. */
export function trend(ctx: StatsContext, dimension: GroupDimension, per: TrendPeriod, filters: StatsFilters): Trend {
  const periodColumns = per === 'year' ? ['f.year'] : ['f.year', 'f.quarter'];
  const groups = groupCounts(ctx, [dimension], filters, periodColumns);
  const byPeriod = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const valueCounts = new Map<string, number>();
  const years: number[] = [];
  for (const g of groups) {
    const year = g.extra[0] as number | null;
    const quarter = per === 'quarter' ? (g.extra[1] as number | null) : null;
    if (year !== null) years.push(year);
    const period = year === null ? UNDATED : per === 'year' ? String(year) : `${year}-Q${quarter ?? '?'}`;
    totals.set(period, (totals.get(period) ?? 0) + g.n);
    const counts = byPeriod.get(period) ?? new Map<string, number>();
    byPeriod.set(period, counts);
    for (const v of decodeKey(ctx, dimension, g.keys[0])) {
      counts.set(v, (counts.get(v) ?? 0) + g.n);
      valueCounts.set(v, (valueCounts.get(v) ?? 0) + g.n);
    }
  }
  const periods: string[] = [];
  if (years.length > 0) {
    for (let y = Math.min(...years); y <= Math.max(...years); y++) {
      if (per === 'year') periods.push(String(y));
      else {
        periods.push(`${y}-Q1`, `${y}-Q2`, `${y}-Q3`, `${y}-Q4`);
        if (byPeriod.has(`${y}-Q?`)) periods.push(`${y}-Q?`);
      }
    }
  }
  if (byPeriod.has(UNDATED)) periods.push(UNDATED);
  const values = orderValues(ctx, dimension, valueCounts);
  return {
    dimension,
    per,
    multiValued: isMulti(ctx, dimension),
    periods,
    values,
    counts: periods.map((p) => values.map((v) => byPeriod.get(p)?.get(v) ?? 0)),
    totals: periods.map((p) => totals.get(p) ?? 0),
  };
}

/** How many multi-incident reports the filters would match if they were counted (for a note under a table). */
export function countLeftOutReports(ctx: StatsContext, filters: StatsFilters): number {
  if (filters.includeMultiIncident) return 0;
  const all = { ...filters, includeMultiIncident: true };
  let total = 0;
  for (const part of queryParts(all)) {
    const condition = filterCondition(all, ctx.codecs, part);
    const count = part.table === 'stats_cube' ? 'sum(f.n)' : 'count(*)';
    total += ctx.db.prepare(`SELECT coalesce(${count}, 0) FROM ${part.table} f WHERE f.multi_incident = 1 AND ${condition.sql}`).pluck().get(...condition.params) as number;
  }
  return total;
}

/** The notes printed under a statistic: what was counted, what was left out, how multi-valued counts add up. */
export function countingNotes(ctx: StatsContext, filters: StatsFilters, total: number, multiValued: string[]): string[] {
  const leftOut = countLeftOutReports(ctx, filters);
  const counted = `${total} incident${total === 1 ? '' : 's'} counted`;
  const notes = [leftOut > 0 ? `${counted}; ${leftOut} multi-incident report${leftOut === 1 ? '' : 's'} left out (--include-multi counts them).` : `${counted}.`];
  if (multiValued.length > 0) {
    const names = multiValued.join(' and ');
    notes.push(`${names} ${multiValued.length === 1 ? 'is' : 'are'} multi-valued: an incident counts once per value it has, so shares can sum to more than 100%.`);
  }
  return notes;
}

interface GroupRow {
  keys: (string | number)[];
  extra: (string | number | null)[];
  n: number;
}

/** GROUP BY over stats_cube, plus stats_facts for the days of a partial first or last month; multi-valued masks are expanded into codes afterwards, in decodeKey. */
function groupCounts(ctx: StatsContext, dimensions: GroupDimension[], filters: StatsFilters, extraColumns: string[]): GroupRow[] {
  const columns = [...dimensions.map((d) => `f.${FACT_COLUMN[d]}`), ...extraColumns];
  const rows = queryParts(filters).flatMap((part) => {
    const condition = filterCondition(filters, ctx.codecs, part);
    const sql = `SELECT ${columns.map((c, i) => `${c} AS c${i}`).join(', ')}, ${part.table === 'stats_cube' ? 'sum(f.n)' : 'count(*)'} AS n
      FROM ${part.table} f WHERE ${condition.sql} GROUP BY ${columns.map((_, i) => `c${i}`).join(', ')}`;
    return ctx.db.prepare(sql).raw().all(...condition.params) as (string | number | null)[][];
  });
  // Parts cover disjoint incidents; a group may appear once per part, and callers add counts per value.
  return rows.map((row) => ({
    keys: row.slice(0, dimensions.length) as (string | number)[],
    extra: row.slice(dimensions.length, columns.length),
    n: row[columns.length] as number,
  }));
}

function decodeKey(ctx: StatsContext, dimension: GroupDimension, key: string | number): string[] {
  if (dimension === 'source') return [String(key)];
  return ctx.codecs[dimension].decode(key as number);
}

function isMulti(ctx: StatsContext, dimension: GroupDimension): boolean {
  return dimension !== 'source' && ctx.codecs[dimension].multi;
}

/**
 * Display order: sources by count (then name); single-valued dimensions list every code in taxonomy
 * (severity) order; multi-valued ones only the codes seen; `unknown` comes last and only when seen.
 */
function orderValues(ctx: StatsContext, dimension: GroupDimension, counts: Map<string, number>): string[] {
  if (dimension === 'source') {
    return [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  }
  const codec = ctx.codecs[dimension];
  return codec.values.filter((v) => (v === UNKNOWN || codec.multi ? (counts.get(v) ?? 0) > 0 : true));
}

function share(count: number, total: number): Share {
  const [low, high] = wilsonInterval(count, total);
  return { count, share: total > 0 ? count / total : 0, low, high };
}

/**
 * Opens an existing incident database for statistics (refreshing its derived tables, so it must be writable).
 * A missing file is a user error rather than a new empty database.
 */
export function openStats(file: string, taxonomy: Taxonomy): StatsContext {
  if (file !== ':memory:' && !existsSync(file)) {
    throw new InvalidDataError(`${file}: no incident database there; pass --db FILE or set MUTINY_DB`);
  }
  // Most runs find the derived tables fresh (the committed dataset ships them so): read-only is then enough,
  // and the database file is left untouched.
  const reader = openDatabase(file, { readonly: true });
  if (statsAreFresh(reader, taxonomy)) return { db: reader, taxonomy, codecs: dimensionCodecs(taxonomy), refresh: { refreshed: 0, unmappedValues: [] } };
  reader.close();
  const db = openDatabase(file);
  try {
    return prepareStats(db, taxonomy);
  } catch (error) {
    db.close();
    throw error;
  }
}
