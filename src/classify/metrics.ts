import { DIMENSIONS, UNKNOWN, type DimensionName, type Taxonomy } from '../core/taxonomy.js';
import { isScorable, type GoldLabels } from './gold.js';

/** One incident's gold and predicted values, per dimension (predicted `['unknown']` = no prediction). */
export interface ScoredPair {
  id: string;
  gold: GoldLabels;
  predicted: Record<DimensionName, string[]>;
}

/** Precision, recall and F1 of one code (F1 is 0 when undefined). */
export interface CodeScore {
  code: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
}

/** Agreement on one dimension over the incidents whose gold value is scorable. */
export interface DimensionReport {
  dimension: DimensionName;
  /** Incidents scored. */
  scored: number;
  /** Incidents left out: gold `unknown` (the annotator could not tell) or not labeled (not a failure). */
  excludedUnknown: number;
  excludedUnlabeled: number;
  /** Exact-match accuracy (single-valued dimensions only). */
  accuracy: number | null;
  microPrecision: number;
  microRecall: number;
  microF1: number;
  /** Mean F1 over the codes that occur in gold or predictions. */
  macroF1: number;
  codes: CodeScore[];
}

/** The evaluation of one slice of gold incidents. */
export interface EvalReport {
  incidents: number;
  dimensions: DimensionReport[];
  /** failure confusion: gold code -> predicted code (including `unknown`) -> count. */
  failureConfusion: Record<string, Record<string, number>>;
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Scores predictions against gold: accuracy for single-valued dimensions, micro/macro F1 and per-code
 * precision/recall for all. Gold `unknown` and unlabeled values are excluded per dimension and counted.
 */
export function evaluate(pairs: readonly ScoredPair[], taxonomy: Taxonomy): EvalReport {
  const dimensions = DIMENSIONS.map((dimension) => evaluateDimension(pairs, dimension, taxonomy));
  const failureConfusion: Record<string, Record<string, number>> = {};
  for (const p of pairs) {
    if (!isScorable(p.gold.failure)) continue;
    const gold = p.gold.failure[0];
    const predicted = p.predicted.failure[0] ?? UNKNOWN;
    failureConfusion[gold] ??= {};
    failureConfusion[gold][predicted] = (failureConfusion[gold][predicted] ?? 0) + 1;
  }
  return { incidents: pairs.length, dimensions, failureConfusion };
}

function evaluateDimension(pairs: readonly ScoredPair[], dimension: DimensionName, taxonomy: Taxonomy): DimensionReport {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let scored = 0;
  let excludedUnknown = 0;
  let excludedUnlabeled = 0;
  let exact = 0;
  for (const p of pairs) {
    const gold = p.gold[dimension];
    if (gold === null || gold.length === 0) {
      excludedUnlabeled++;
      continue;
    }
    if (!isScorable(gold)) {
      excludedUnknown++;
      continue;
    }
    scored++;
    const predicted = new Set(p.predicted[dimension].filter((v) => v !== UNKNOWN));
    const goldSet = new Set(gold);
    if (predicted.size === goldSet.size && [...goldSet].every((g) => predicted.has(g))) exact++;
    for (const g of goldSet) bump(predicted.has(g) ? tp : fn, g);
    for (const v of predicted) if (!goldSet.has(v)) bump(fp, v);
  }
  const order = taxonomy.dimensions[dimension].codes;
  const codes: CodeScore[] = [];
  for (const code of order) {
    const t = tp.get(code) ?? 0;
    const support = t + (fn.get(code) ?? 0);
    const predicted = t + (fp.get(code) ?? 0);
    if (support === 0 && predicted === 0) continue;
    const precision = ratio(t, predicted);
    const recall = ratio(t, support);
    codes.push({ code, precision, recall, f1: f1(precision, recall), support, predicted });
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const microPrecision = ratio(sum(tp), sum(tp) + sum(fp));
  const microRecall = ratio(sum(tp), sum(tp) + sum(fn));
  return {
    dimension,
    scored,
    excludedUnknown,
    excludedUnlabeled,
    accuracy: taxonomy.dimensions[dimension].cardinality === 'single' ? ratio(exact, scored) : null,
    microPrecision,
    microRecall,
    microF1: f1(microPrecision, microRecall),
    macroF1: ratio(codes.reduce((s, c) => s + c.f1, 0), codes.length),
    codes,
  };
}
