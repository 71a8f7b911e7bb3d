import { UNKNOWN } from '../core/taxonomy.js';
import type { Experiment } from '../campaign/plan.js';
import { countedResults, PAPER_FAILURE_ORDER } from '../campaign/report.js';
import { distributionDistance, wilsonInterval, type Distance } from '../core/statistics.js';
import type { StoredResult } from '../campaign/results-store.js';
import { incidentKeys, injectionKey, matchingRules, replayScope, templateKeys, type ReplayIncident, type ReplayRules } from './rules.js';

/** The paper's manual replay (DSN 2024): 54 of 81 incidents reproduced. */
export const PAPER_REPRODUCTION = { reproduced: 54, incidents: 81 } as const;

/**
 * What became of one incident: reproduced (a linked run produced its failure class, and its client class when it
 * states one), not reproduced (linked runs ran, none did), not run (no linked run of this campaign was
 * observed with its fault applied), failure unknown (nothing to compare with) or not replayable (see reason).
 */
export type Verdict = 'reproduced' | 'not-reproduced' | 'not-run' | 'failure-unknown' | 'not-replayable';
export const VERDICTS: readonly Verdict[] = ['reproduced', 'not-reproduced', 'not-run', 'failure-unknown', 'not-replayable'];

/** The linked run that came closest to an incident. */
export interface BestMatch {
  runId: string;
  experimentId: string;
  workload: string;
  kind: string;
  field: string | null;
  model: string;
  variant: string | null;
  channel: string | null;
  failure: string | null;
  failureAlso: string[];
  client: string | null;
  /** The incident's failure class was the run's failure (or one it also showed). */
  failureMatch: boolean;
  /** The client class matched; null when the incident states none. */
  clientMatch: boolean | null;
}

/** One incident's comparison. */
export interface IncidentComparison {
  incident: ReplayIncident;
  verdict: Verdict;
  reason: string;
  /** Counted runs (fault applied) of experiments linked to the incident. */
  linkedRuns: number;
  best: BestMatch | null;
}

/** A reproduction rate with its Wilson 95% interval. */
export interface RateRow {
  code: string;
  judged: number;
  reproduced: number;
  rate: number;
  low: number;
  high: number;
}

/** Field and injection shares of one failure class. */
export interface DistributionRow {
  failure: string;
  fieldCount: number;
  fieldShare: number;
  fieldInterval: [number, number];
  injectionCount: number;
  injectionShare: number;
  injectionInterval: [number, number];
}

/** An incident pattern (failure class x error code) and whether any injection into that state produced the class. */
export interface PatternGap {
  failure: string;
  error: string;
  incidents: number;
  /** Counted runs that altered state of this error code (through the rules matching it). */
  runs: number;
}

/** The comparison of a replay campaign's results with the field incidents. */
export interface ReplayComparison {
  campaign: string;
  incidents: IncidentComparison[];
  verdicts: Record<Verdict, number>;
  overall: RateRow;
  paper: RateRow;
  byFailure: RateRow[];
  byError: RateRow[];
  distribution: { rows: DistributionRow[]; fieldTotal: number; injectionTotal: number; distance: Distance };
  /** Failure x error patterns of replayable incidents no injection into that state produced. */
  gaps: PatternGap[];
  /** Injection runs counted (fault applied), of them linked to at least one compared incident, and left out. */
  countedRuns: number;
  linkedRuns: number;
  notActivated: number;
}

/**
 * Compares a campaign's results with incidents (pure). An experiment is linked to an incident when it alters
 * what one of the incident's replay rules targets (same kind, name prefix, field and fault model; see
 * injectionKey). A run produced a failure class when it is the run's failure or one of its failureAlso classes.
 */
export function compareReplay(campaign: string, incidents: ReplayIncident[], results: StoredResult[], rules: ReplayRules): ReplayComparison {
  const { counted, notActivated } = countedResults(results);
  const keyOf = (r: StoredResult) => {
    const target = (r.definition as Experiment).target;
    return injectionKey({ kind: r.targetKind ?? '', namePrefix: target?.namePrefix, field: r.field, model: r.faultModel ?? '' });
  };
  const runsByKey = new Map<string, StoredResult[]>();
  for (const r of counted) runsByKey.set(keyOf(r), [...(runsByKey.get(keyOf(r)) ?? []), r]);
  const linked = new Set<string>();

  const compared = incidents.map((incident): IncidentComparison => {
    const scope = replayScope(rules, incident);
    if (!scope.replayable) return { incident, verdict: 'not-replayable', reason: scope.reason, linkedRuns: 0, best: null };
    const runs = [...incidentKeys(rules, incident)].flatMap((k) => runsByKey.get(k) ?? []);
    for (const r of runs) linked.add(r.runId);
    if (incident.failure === UNKNOWN) {
      return { incident, verdict: 'failure-unknown', reason: 'failure unknown: the write-up does not say what the orchestrator did', linkedRuns: runs.length, best: null };
    }
    if (runs.length === 0) {
      return { incident, verdict: 'not-run', reason: `no run of campaign ${campaign} altered the state its rules (${scope.rules.map((r) => r.name).join(', ')}) target with the fault applied`, linkedRuns: 0, best: null };
    }
    const preferred = new Set(scope.rules.map((r) => r.workload));
    const scored = runs.map((r) => {
      const failureMatch = r.failure === incident.failure || r.failureAlso.includes(incident.failure as never);
      const clientMatch = incident.client === UNKNOWN ? null : r.client === incident.client;
      const reproduces = failureMatch && clientMatch !== false;
      const score = (reproduces ? 100 : 0) + (r.failure === incident.failure ? 4 : failureMatch ? 3 : 0) + (clientMatch ? 2 : 0) + (preferred.has(r.workload) ? 1 : 0);
      return { r, failureMatch, clientMatch, reproduces, score };
    });
    // Highest score; among equals the earliest in run order (results come in plan order).
    const top = scored.reduce((a, b) => (b.score > a.score ? b : a));
    const best: BestMatch = {
      runId: top.r.runId,
      experimentId: top.r.experimentId,
      workload: top.r.workload,
      kind: top.r.targetKind ?? '',
      field: top.r.field,
      model: top.r.faultModel ?? '',
      variant: top.r.variant,
      channel: top.r.channel,
      failure: top.r.failure,
      failureAlso: top.r.failureAlso,
      client: top.r.client,
      failureMatch: top.failureMatch,
      clientMatch: top.clientMatch,
    };
    const wanted = `${incident.failure}${incident.client === UNKNOWN ? '' : `/${incident.client}`}`;
    const reason = top.reproduces
      ? `${best.experimentId} produced ${wanted}`
      : `none of ${runs.length} linked runs produced ${wanted}; closest ${best.experimentId} gave ${best.failure ?? '-'}/${best.client ?? '-'}`;
    return { incident, verdict: top.reproduces ? 'reproduced' : 'not-reproduced', reason, linkedRuns: runs.length, best };
  });

  const judged = compared.filter((c) => c.verdict === 'reproduced' || c.verdict === 'not-reproduced');
  const rate = (code: string, rows: IncidentComparison[]): RateRow => rateRow(code, rows.filter((c) => c.verdict === 'reproduced').length, rows.length);
  const failureCodes = PAPER_FAILURE_ORDER.filter((f) => judged.some((c) => c.incident.failure === f));
  const errorCodes = [...new Set(judged.flatMap((c) => c.incident.error))].filter((e) => e !== 'none' && e !== UNKNOWN).sort();

  const inScope = compared.filter((c) => c.verdict === 'reproduced' || c.verdict === 'not-reproduced' || c.verdict === 'not-run');
  const fieldCounts = PAPER_FAILURE_ORDER.map((f) => inScope.filter((c) => c.incident.failure === f).length);
  const injectionCounts = PAPER_FAILURE_ORDER.map((f) => counted.filter((r) => r.failure === f).length);
  const fieldTotal = fieldCounts.reduce((a, b) => a + b, 0);
  const injectionTotal = injectionCounts.reduce((a, b) => a + b, 0);
  const distribution = {
    rows: PAPER_FAILURE_ORDER.map((failure, i) => ({
      failure,
      fieldCount: fieldCounts[i],
      fieldShare: fieldTotal > 0 ? fieldCounts[i] / fieldTotal : 0,
      fieldInterval: wilsonInterval(fieldCounts[i], fieldTotal),
      injectionCount: injectionCounts[i],
      injectionShare: injectionTotal > 0 ? injectionCounts[i] / injectionTotal : 0,
      injectionInterval: wilsonInterval(injectionCounts[i], injectionTotal),
    })),
    fieldTotal,
    injectionTotal,
    distance: distributionDistance(fieldCounts, injectionCounts),
  };

  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, compared.filter((c) => c.verdict === v).length])) as Record<Verdict, number>;
  return {
    campaign,
    incidents: compared,
    verdicts,
    overall: rate('all', judged),
    paper: rateRow('paper (DSN 2024, by hand)', PAPER_REPRODUCTION.reproduced, PAPER_REPRODUCTION.incidents),
    byFailure: failureCodes.map((f) => rate(f, judged.filter((c) => c.incident.failure === f))),
    byError: errorCodes.map((e) => rate(e, judged.filter((c) => c.incident.error.includes(e)))),
    distribution,
    gaps: patternGaps(inScope, counted, rules, keyOf),
    countedRuns: counted.length,
    linkedRuns: linked.size,
    notActivated,
  };
}

function rateRow(code: string, reproduced: number, judged: number): RateRow {
  const [low, high] = wilsonInterval(reproduced, judged);
  return { code, judged, reproduced, rate: judged > 0 ? reproduced / judged : 0, low, high };
}

// Patterns (failure x state error code) of the incidents in scope that no counted run altering that kind of state
// produced, most incidents first: what a future fault model or rule should cover.
function patternGaps(inScope: IncidentComparison[], counted: StoredResult[], rules: ReplayRules, keyOf: (r: StoredResult) => string): PatternGap[] {
  const patterns = new Map<string, { failure: string; error: string; incidents: number; keys: Set<string> }>();
  for (const c of inScope) {
    for (const error of c.incident.error.filter((e) => e !== 'none' && e !== UNKNOWN)) {
      const k = `${c.incident.failure}|${error}`;
      const p = patterns.get(k) ?? { failure: c.incident.failure, error, incidents: 0, keys: new Set<string>() };
      p.incidents++;
      // The state of this error code: the targets of the incident's rules that are about this code.
      for (const rule of matchingRules(rules, c.incident).filter((r) => r.when.error.includes(error))) {
        for (const key of rule.templates.flatMap(templateKeys)) p.keys.add(key);
      }
      patterns.set(k, p);
    }
  }
  const gaps: PatternGap[] = [];
  for (const { keys, ...p } of patterns.values()) {
    const runs = counted.filter((r) => keys.has(keyOf(r)));
    if (!runs.some((r) => r.failure === p.failure || r.failureAlso.includes(p.failure as never))) gaps.push({ ...p, runs: runs.length });
  }
  return gaps.sort(
    (a, b) => b.incidents - a.incidents || PAPER_FAILURE_ORDER.indexOf(a.failure as never) - PAPER_FAILURE_ORDER.indexOf(b.failure as never) || a.error.localeCompare(b.error),
  );
}
