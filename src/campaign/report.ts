import { readFileSync } from 'node:fs';
import { InvalidDataError } from '../core/errors.js';
import type { Cell } from '../core/table.js';
import { distributionDistance, wilsonInterval, type Distance } from '../core/statistics.js';
import { CLIENT_CLASSES, FAILURE_CLASSES, type ClientClass, type FailureClass } from './outcome.js';
import type { StoredResult } from './results-store.js';

/** Failure classes in the paper's table order. */
export const PAPER_FAILURE_ORDER: readonly FailureClass[] = ['No', 'Tim', 'LeR', 'MoR', 'Net', 'Sta', 'Out'];
/** Client classes in the paper's table order. */
export const PAPER_CLIENT_ORDER: readonly ClientClass[] = ['NSI', 'HRT', 'IA', 'SU'];
/** Workloads as the paper names them. */
export const PAPER_WORKLOADS = { deploy: 'Deploy', scale: 'Scale', failover: 'Failover' } as const;

/** Dimensions `mutiny results --by` groups on. */
export const RESULT_DIMENSIONS = ['workload', 'failure', 'client', 'error', 'channel', 'model', 'kind', 'field', 'run'] as const;
export type ResultDimension = (typeof RESULT_DIMENSIONS)[number];

/** A table ready for src/core/table.ts. */
export interface ReportTable {
  headers: string[];
  rows: Cell[][];
  notes: string[];
}

/** Parses `--by` (comma-separated) into dimensions, rejecting unknown ones with the valid list. */
export function parseResultDimensions(text: string): ResultDimension[] {
  const dims = text.split(',').map((d) => d.trim()).filter(Boolean);
  for (const d of dims) {
    if (!(RESULT_DIMENSIONS as readonly string[]).includes(d)) throw new InvalidDataError(`--by ${d}: unknown dimension; use ${RESULT_DIMENSIONS.join(', ')}`);
  }
  if (dims.length === 0) throw new InvalidDataError(`--by: give at least one of ${RESULT_DIMENSIONS.join(', ')}`);
  return dims as ResultDimension[];
}

function valueOf(r: StoredResult, d: ResultDimension): string {
  switch (d) {
    case 'workload':
      return PAPER_WORKLOADS[r.workload];
    case 'failure':
      return r.failure ?? '';
    case 'client':
      return r.client ?? '';
    case 'error':
      return r.errorCode ?? 'unknown';
    case 'channel':
      return r.channel ?? '';
    case 'model':
      return r.faultModel ?? '';
    case 'kind':
      return r.targetKind ?? '';
    case 'field':
      return r.field ?? '(whole object)';
    case 'run':
      return r.runId;
  }
}

function order(d: ResultDimension): readonly string[] | undefined {
  if (d === 'failure') return PAPER_FAILURE_ORDER;
  if (d === 'client') return PAPER_CLIENT_ORDER;
  if (d === 'workload') return Object.values(PAPER_WORKLOADS);
  return undefined;
}

/** The injection results that count in tables: observed runs whose fault was applied (stuck labs count as Out). */
export function countedResults(results: StoredResult[]): { counted: StoredResult[]; notActivated: number } {
  const injections = results.filter((r) => r.role === 'injection');
  const counted = injections.filter((r) => r.status !== 'not-activated');
  return { counted, notActivated: injections.length - counted.length };
}

/**
 * Counts results grouped by `by`. When `client` is grouped together with other dimensions, the client classes
 * become columns (the paper's layout: workload x orchestrator failure rows, client failure columns), and every
 * failure class is listed even when empty, so tables of different campaigns line up.
 */
export function resultTable(results: StoredResult[], by: ResultDimension[]): ReportTable {
  const { counted, notActivated } = countedResults(results);
  const notes = [
    `${counted.length} injection runs counted; client classes are MODELED from ready endpoints behind each Service (kwok pods serve no traffic)`,
  ];
  if (notActivated > 0) notes.push(`${notActivated} runs left out: the injection never triggered (no matching message or object)`);
  const pivot = by.includes('client') && by.length > 1;
  const rowDims = pivot ? by.filter((d) => d !== 'client') : by;
  const keyOf = (r: StoredResult) => rowDims.map((d) => valueOf(r, d));
  const counts = new Map<string, { key: string[]; byClient: Map<string, number>; total: number }>();
  const ensure = (key: string[]) => {
    const k = JSON.stringify(key);
    let entry = counts.get(k);
    if (!entry) counts.set(k, (entry = { key, byClient: new Map(), total: 0 }));
    return entry;
  };
  if (rowDims.includes('failure')) {
    // List every failure class for every combination of the other row dimensions that occurs.
    const others = [...new Set(counted.map((r) => JSON.stringify(rowDims.map((d) => (d === 'failure' ? '' : valueOf(r, d))))))];
    for (const o of others) {
      const base = JSON.parse(o) as string[];
      for (const f of PAPER_FAILURE_ORDER) ensure(base.map((v, i) => (rowDims[i] === 'failure' ? f : v)));
    }
  }
  for (const r of counted) {
    const entry = ensure(keyOf(r));
    entry.total++;
    if (pivot) entry.byClient.set(r.client ?? '', (entry.byClient.get(r.client ?? '') ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => {
    for (let i = 0; i < rowDims.length; i++) {
      const ord = order(rowDims[i]);
      const x = ord ? ord.indexOf(a.key[i]) : 0;
      const y = ord ? ord.indexOf(b.key[i]) : 0;
      if (x !== y) return x - y;
      const c = a.key[i].localeCompare(b.key[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
  const total = counted.length;
  const share = (n: number) => (total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '');
  const headers = [...rowDims, ...(pivot ? PAPER_CLIENT_ORDER.map((c) => `${c} (modeled)`) : []), 'total', 'share'];
  const rows: Cell[][] = sorted.map((e) => [...e.key, ...(pivot ? PAPER_CLIENT_ORDER.map((c) => e.byClient.get(c) ?? 0) : []), e.total, share(e.total)]);
  if (pivot) {
    rows.push(['total', ...rowDims.slice(1).map(() => ''), ...PAPER_CLIENT_ORDER.map((c) => counted.filter((r) => r.client === c).length), total, share(total)]);
  }
  return { headers, rows, notes };
}

/** One row of the paper's published outcome table (test/fixtures/campaign/mutiny-dsn24-outcomes.csv). */
export interface ReferenceRow {
  workload: string;
  failure: FailureClass;
  client: ClientClass;
  count: number;
}

/** Parses the reference CSV (`workload,orchestrator_failure,client_failure,count`), checking every code. */
export function parseReferenceCsv(text: string, source: string): ReferenceRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines[0]?.trim() !== 'workload,orchestrator_failure,client_failure,count') {
    throw new InvalidDataError(`${source}:1: expected the header workload,orchestrator_failure,client_failure,count`);
  }
  return lines.slice(1).map((line, i) => {
    const [workload, failure, client, count] = line.split(',').map((c) => c.trim());
    const n = Number(count);
    if (!Object.values(PAPER_WORKLOADS).includes(workload as never)) throw new InvalidDataError(`${source}:${i + 2}: unknown workload "${workload}"`);
    if (!(FAILURE_CLASSES as readonly string[]).includes(failure)) throw new InvalidDataError(`${source}:${i + 2}: unknown failure class "${failure}"`);
    if (!(CLIENT_CLASSES as readonly string[]).includes(client)) throw new InvalidDataError(`${source}:${i + 2}: unknown client class "${client}"`);
    if (!Number.isInteger(n) || n < 0) throw new InvalidDataError(`${source}:${i + 2}: count "${count}" is not a non-negative integer`);
    return { workload, failure: failure as FailureClass, client: client as ClientClass, count: n };
  });
}

/** Reads a reference CSV file. */
export function loadReferenceCsv(file: string): ReferenceRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot read the reference (${(cause as Error).message}); pass --reference with the paper's CSV`, { cause });
  }
  return parseReferenceCsv(text, file);
}


/** One class of a side-by-side comparison. */
export interface ComparisonRow {
  code: string;
  campaignCount: number;
  campaignShare: number;
  campaignInterval: [number, number];
  referenceCount: number;
  referenceShare: number;
  referenceInterval: [number, number];
}

/** Shares of one dimension in the campaign and in the reference, with Wilson 95% intervals and a distance. */
export interface Comparison {
  dimension: 'failure' | 'client';
  workload: string | null;
  campaignTotal: number;
  referenceTotal: number;
  rows: ComparisonRow[];
  distance: Distance;
}

/**
 * Compares a campaign's outcome distribution with the paper's for one dimension (pure), optionally restricted
 * to one workload (paper naming: Deploy, Scale, Failover).
 */
export function compareWithReference(results: StoredResult[], reference: ReferenceRow[], dimension: 'failure' | 'client', workload?: string): Comparison {
  const { counted } = countedResults(results);
  const mine = counted.filter((r) => !workload || PAPER_WORKLOADS[r.workload] === workload);
  const theirs = reference.filter((r) => !workload || r.workload === workload);
  const codes: readonly string[] = dimension === 'failure' ? PAPER_FAILURE_ORDER : PAPER_CLIENT_ORDER;
  const campaignCounts = codes.map((c) => mine.filter((r) => r[dimension] === c).length);
  const referenceCounts = codes.map((c) => theirs.filter((r) => r[dimension] === c).reduce((a, r) => a + r.count, 0));
  const campaignTotal = campaignCounts.reduce((a, b) => a + b, 0);
  const referenceTotal = referenceCounts.reduce((a, b) => a + b, 0);
  const rows = codes.map((code, i) => ({
    code,
    campaignCount: campaignCounts[i],
    campaignShare: campaignTotal > 0 ? campaignCounts[i] / campaignTotal : 0,
    campaignInterval: wilsonInterval(campaignCounts[i], campaignTotal),
    referenceCount: referenceCounts[i],
    referenceShare: referenceTotal > 0 ? referenceCounts[i] / referenceTotal : 0,
    referenceInterval: wilsonInterval(referenceCounts[i], referenceTotal),
  }));
  return { dimension, workload: workload ?? null, campaignTotal, referenceTotal, rows, distance: distributionDistance(campaignCounts, referenceCounts) };
}

/** A comparison as table rows: class, campaign n and share [interval], paper n and share [interval]. */
export function comparisonTable(c: Comparison): ReportTable {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const interval = (i: [number, number]) => `[${(100 * i[0]).toFixed(1)}, ${(100 * i[1]).toFixed(1)}]`;
  const label = c.dimension === 'client' ? 'client (modeled)' : 'failure';
  const d = c.distance;
  return {
    headers: [label, 'campaign', 'share', '95% CI', 'paper', 'paper share', 'paper 95% CI'],
    rows: c.rows.map((r) => [r.code, r.campaignCount, pct(r.campaignShare), interval(r.campaignInterval), r.referenceCount, pct(r.referenceShare), interval(r.referenceInterval)]),
    notes: [
      `${c.workload ?? 'all workloads'}: ${c.campaignTotal} campaign runs vs ${c.referenceTotal} paper runs; total variation distance ${d.totalVariation.toFixed(3)}; ` +
        `chi-square ${d.chiSquare.toFixed(1)} (df ${d.degreesOfFreedom}, p ${d.pValue < 1e-4 ? d.pValue.toExponential(1) : d.pValue.toFixed(4)})` +
        (d.minExpected < 5 ? `; smallest expected count ${d.minExpected.toFixed(1)} < 5, so the p-value is approximate` : ''),
    ],
  };
}
