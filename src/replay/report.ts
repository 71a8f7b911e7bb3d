import type { Cell } from '../core/table.js';
import type { ReportTable } from '../campaign/report.js';
import type { ReplayComparison, RateRow } from './compare.js';
import type { ReplayPlan } from './plan.js';

/** A titled table of a report. */
export interface ReportSection {
  title: string;
  table: ReportTable;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const interval = (low: number, high: number) => `[${(100 * low).toFixed(1)}, ${(100 * high).toFixed(1)}]`;
const rateCells = (r: RateRow): Cell[] => [r.code, r.reproduced, r.judged, r.judged > 0 ? pct(r.rate) : '', r.judged > 0 ? interval(r.low, r.high) : ''];
const RATE_HEADERS = ['reproduced', 'of judged', 'rate', '95% CI'];

/** The sections of `mutiny compare`: per incident, rates, field vs injection shares, gaps. */
export function comparisonSections(c: ReplayComparison): ReportSection[] {
  const d = c.distribution.distance;
  const p = (x: number) => (Number.isNaN(x) ? 'n/a' : x < 1e-4 ? x.toExponential(1) : x.toFixed(4));
  return [
    {
      title: `incidents (campaign ${c.campaign})`,
      table: {
        headers: ['incident', 'failure', 'client', 'error', 'verdict', 'linked runs', 'best run', 'best outcome', 'why'],
        rows: c.incidents.map((i) => [
          i.incident.id,
          i.incident.failure,
          i.incident.client,
          i.incident.error.join(','),
          i.verdict,
          i.linkedRuns,
          i.best ? `${i.best.workload} ${i.best.kind} ${i.best.field ?? '(whole object)'} ${i.best.model}${i.best.variant ? ` ${i.best.variant}` : ''} ${i.best.channel ?? ''} (${i.best.experimentId})` : '',
          i.best ? `${i.best.failure ?? '-'}/${i.best.client ?? '-'}` : '',
          i.reason,
        ]),
        notes: [Object.entries(c.verdicts).map(([v, n]) => `${n} ${v}`).join(', ')],
      },
    },
    {
      title: 'reproduction rate',
      table: {
        headers: ['', ...RATE_HEADERS],
        rows: [rateCells({ ...c.overall, code: `campaign ${c.campaign}` }), rateCells(c.paper)],
        notes: [
          'judged: replayable incidents with a known failure class and at least one linked run whose fault was applied; reproduced: a linked run produced the failure class (and the client class, when the incident states one; client classes of runs are modeled)',
        ],
      },
    },
    { title: 'by failure class', table: { headers: ['failure', ...RATE_HEADERS], rows: c.byFailure.map(rateCells), notes: [] } },
    { title: 'by error code (an incident counts once per code)', table: { headers: ['error', ...RATE_HEADERS], rows: c.byError.map(rateCells), notes: [] } },
    {
      title: 'field vs injection: shares per failure class',
      table: {
        headers: ['failure', 'incidents', 'share', '95% CI', 'injection runs', 'share', '95% CI'],
        rows: c.distribution.rows.map((r) => [
          r.failure,
          r.fieldCount,
          pct(r.fieldShare),
          interval(...r.fieldInterval),
          r.injectionCount,
          pct(r.injectionShare),
          interval(...r.injectionInterval),
        ]),
        notes: [
          `${c.distribution.fieldTotal} replayable incidents with a known failure vs ${c.distribution.injectionTotal} injection runs with the fault applied ` +
            `(${c.linkedRuns} linked to a compared incident, ${c.notActivated} not activated and left out); ` +
            `total variation distance ${Number.isNaN(d.totalVariation) ? 'n/a' : d.totalVariation.toFixed(3)}; chi-square ${d.chiSquare.toFixed(1)} (df ${d.degreesOfFreedom}, p ${p(d.pValue)})` +
            (d.minExpected < 5 ? `; smallest expected count ${d.minExpected.toFixed(1)} < 5, so the p-value is approximate` : ''),
        ],
      },
    },
    {
      title: 'incident patterns no injection produced',
      table: {
        headers: ['failure', 'error', 'incidents', 'runs into that state'],
        rows: c.gaps.map((g) => [g.failure, g.error, g.incidents, g.runs]),
        notes: ['a pattern is produced when a run altering the state its error code names (through the rules) showed its failure class'],
      },
    },
  ];
}

/** The sections of `mutiny replay plan`: experiments with their incidents, and the incidents left out. */
export function replayPlanSections(plan: ReplayPlan): ReportSection[] {
  const notes = [
    `campaign ${plan.name}: ${plan.plan.experiments.length} experiments + ${plan.plan.golden.length} golden runs for ${plan.replayed.length} incidents; ` +
      `${plan.notReplayed.length} incidents not replayable; estimated ${Math.round(plan.plan.estimate.seconds / 60)} min (${plan.plan.estimate.assumption})`,
  ];
  return [
    {
      title: 'experiments',
      table: {
        headers: ['id', 'workload', 'target', 'field', 'fault', 'channel', 'incidents'],
        rows: plan.experiments.map(({ experiment: e, incidents }) => [
          e.id,
          e.workload.kind,
          `${e.target.kind}${e.target.namePrefix ? ` ${e.target.namePrefix}*` : ''}`,
          e.fault.field ?? '(whole object)',
          `${e.fault.model}${e.fault.variant ? ` ${e.fault.variant}` : ''}`,
          e.channel,
          incidents.length,
        ]),
        notes,
      },
    },
    {
      title: 'not reproducible by state injection',
      table: { headers: ['incident', 'failure', 'error', 'reason'], rows: plan.notReplayed.map((n) => [n.incident.id, n.incident.failure, n.incident.error.join(','), n.reason]), notes: [] },
    },
  ];
}
