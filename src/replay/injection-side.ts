import { renderMarkdownTable, type Cell } from '../core/table.js';
import type { KindCatalog } from '../campaign/plan.js';
import { ALL_INCIDENTS, type StatsContext } from '../stats/index.js';
import { chooseCampaign, readCampaignResults } from './campaign-results.js';
import { compareReplay, type RateRow } from './compare.js';
import { readReplayIncidents } from './incidents.js';
import { planReplay } from './plan.js';
import { replayScope, type ReplayRules } from './rules.js';

/** A chart the notebook draws: a Vega-Lite spec without data, its rows, and the alt text. */
export interface SideChart {
  name: string;
  alt: string;
  spec: Record<string, unknown>;
  rows: Record<string, unknown>[];
}

/** The injection side of the reproducibility notebook: Markdown lines, and charts to draw after them. */
export interface InjectionSide {
  lines: string[];
  charts: SideChart[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rate = (r: RateRow) => (r.judged > 0 ? `${pct(r.rate)} (${(100 * r.low).toFixed(1)}–${(100 * r.high).toFixed(1)}%)` : 'n/a');

/**
 * The injection side for the reproducibility notebook (deterministic: it depends only on the database and the
 * rules): the replay campaign the rules plan for this dataset, and, when a campaign's results are stored, which
 * incidents it reproduced, the rates beside the paper's 54/81, field vs injection shares and the gaps.
 */
export function injectionSide(ctx: StatsContext, rules: ReplayRules, catalog: KindCatalog): InjectionSide {
  const incidents = readReplayIncidents(ctx, { ids: [], filters: ALL_INCIDENTS });
  if (!incidents.some((i) => replayScope(rules, i).replayable)) {
    return { lines: ['No incident in this database names a cluster-state error the replay rules can recreate, so there is nothing to replay.'], charts: [] };
  }
  const plan = planReplay(incidents, rules, catalog);
  const lines = [
    `\`mutiny replay plan\` turns the ${plan.replayed.length} incidents that taxonomy/replay-rules.yaml can replay into one campaign of ` +
      `${plan.plan.experiments.length} experiments (+ ${plan.plan.golden.length} golden runs, about ${Math.round(plan.plan.estimate.seconds / 60)} min on the lab); ` +
      `${plan.notReplayed.length} incidents are left out (error \`none\` or \`unknown\`, or no rule for their error code).`,
    '',
  ];
  const campaign = chooseCampaign(ctx.db);
  if (!campaign) {
    lines.push(
      'No campaign results are stored in this database yet. Run `mutiny replay plan --out replay.yaml`, then',
      '`mutiny campaign run replay.yaml`, and regenerate this notebook to see which incidents the injections reproduced.',
    );
    return { lines, charts: [] };
  }
  const c = compareReplay(campaign, incidents, readCampaignResults(ctx.db, campaign), rules);
  const d = c.distribution.distance;
  const table = (headers: string[], rows: Cell[][]) => renderMarkdownTable(headers, rows).trimEnd();
  lines.push(
    `### Campaign \`${campaign}\``,
    '',
    `An incident is *reproduced* when a run of an experiment linked to it (same kind, name prefix, field and fault model as one of its rules'`,
    'templates) produced its failure class, and its client class when the incident states one (client classes of runs are modeled).',
    '',
    `**Reproduced ${c.overall.reproduced} of ${c.overall.judged} judged incidents: ${rate(c.overall)}**, beside the paper's ` +
      `${c.paper.reproduced} of ${c.paper.judged}: ${rate(c.paper)}. ` +
      `(${c.verdicts['not-run']} replayable incidents had no linked run with its fault applied, ${c.verdicts['failure-unknown']} have no known failure class.)`,
    '',
    table(['failure', 'reproduced', 'judged', 'rate (95% CI)'], c.byFailure.map((r) => [r.code, r.reproduced, r.judged, rate(r)])),
    '',
    table(['error', 'reproduced', 'judged', 'rate (95% CI)'], c.byError.map((r) => [r.code, r.reproduced, r.judged, rate(r)])),
    '',
    '#### Field vs injection',
    '',
    table(
      ['failure', 'incidents', 'share', 'injection runs', 'share'],
      c.distribution.rows.map((r) => [r.failure, r.fieldCount, pct(r.fieldShare), r.injectionCount, pct(r.injectionShare)]),
    ),
    '',
    `${c.distribution.fieldTotal} replayable incidents with a known failure class vs ${c.distribution.injectionTotal} injection runs with the fault applied: ` +
      `total variation distance ${Number.isNaN(d.totalVariation) ? 'n/a' : d.totalVariation.toFixed(3)}, chi-square ${d.chiSquare.toFixed(1)} ` +
      `(df ${d.degreesOfFreedom}, p ${Number.isNaN(d.pValue) ? 'n/a' : d.pValue < 1e-4 ? d.pValue.toExponential(1) : d.pValue.toFixed(4)})` +
      (d.minExpected < 5 ? `; the smallest expected count is ${d.minExpected.toFixed(1)}, so the p-value is approximate.` : '.'),
    '',
    '#### Patterns no injection produced',
    '',
    c.gaps.length > 0
      ? table(['failure', 'error', 'incidents', 'runs into that state'], c.gaps.map((g) => [g.failure, g.error, g.incidents, g.runs]))
      : 'Every failure x error pattern of the replayable incidents was produced by some run.',
    '',
  );
  const rows = c.distribution.rows.flatMap((r, i) => [
    { failure: r.failure, order: i, side: 'field incidents', share: r.fieldShare },
    { failure: r.failure, order: i, side: 'injection runs', share: r.injectionShare },
  ]);
  const chart: SideChart = {
    name: 'field-vs-injection',
    alt: 'field vs injection shares per failure class',
    spec: {
      title: `Failure classes: field incidents vs injection runs (${campaign})`,
      mark: 'bar',
      width: 360,
      height: { step: 14 },
      encoding: {
        y: { field: 'failure', type: 'nominal', sort: c.distribution.rows.map((r) => r.failure), title: 'failure' },
        yOffset: { field: 'side', type: 'nominal' },
        x: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'share' },
        color: { field: 'side', type: 'nominal', scale: { range: ['#4c78a8', '#f58518'] }, title: null },
      },
    },
    rows,
  };
  return { lines, charts: [chart] };
}
