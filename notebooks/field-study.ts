import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIMENSIONS, type DimensionName } from '../src/core/taxonomy.js';
import { ALL_INCIDENTS, crossTable, distribution, exportRows, trend, type Distribution, type StatsContext } from '../src/stats/index.js';
import { writeChart } from './support/charts.js';
import { escapeMarkdownText, markdownTable, shareWithInterval } from './support/markdown.js';
import { describeDatabase, type Notebook } from './support/notebook.js';

const HEADINGS: Record<DimensionName, string> = {
  failure: 'Failure (orchestrator level, the most severe observed)',
  client: 'Client impact',
  fault: 'Fault (root cause)',
  component: 'Component where the fault originated',
  error: 'Error (the wrong cluster state)',
};

/** How many fault -> error -> failure flows the report lists. */
const TOP_FLOWS = 30;

/** The field study: incident mix per dimension, the paper's failure x client table, fault -> error -> failure flows, trends. */
const fieldStudy: Notebook = {
  name: 'field-study',
  title: 'Field study: how Kubernetes fails in the field',
  async run({ ctx, outDir, databaseLabel }) {
    const files: string[] = [];
    const md: string[] = [`# ${this.title}`, '', describeDatabase(ctx, databaseLabel), ''];
    md.push(
      'Shares are of the incidents counted, with Wilson 95% intervals. Fault, component and error are multi-valued:',
      'an incident counts once for each value it has, so their shares can sum to more than 100%.',
      '',
      '## Incident mix',
      '',
    );
    for (const dimension of DIMENSIONS) {
      const d = distribution(ctx, dimension, ALL_INCIDENTS);
      md.push(`### ${HEADINGS[dimension]}`, '', `${d.total} incidents.`, '');
      md.push(distributionTable(d), '');
      files.push(await writeChart(outDir, `mix-${dimension}`, distributionChart(d), distributionRows(d)));
      md.push(`![${dimension} mix](mix-${dimension}.svg)`, '');
    }

    md.push('## Failure and client impact', '', 'Rows in severity order, as in the Mutiny paper\'s table; cells are incidents (share of all counted).', '');
    md.push(crossTableMarkdown(ctx), '');

    md.push('## Fault -> error -> failure', '');
    const flows = readFlows(ctx);
    const shown = flows.slice(0, TOP_FLOWS);
    md.push(
      'Each incident contributes one flow per (fault, error) pair it has, ending in its failure class. Most frequent first' +
        (flows.length > TOP_FLOWS ? ` (the ${TOP_FLOWS} most frequent of ${flows.length} flows).` : '.'),
      '',
      markdownTable(['fault', 'error', 'failure', 'incidents'], shown.map((f) => [f.fault, f.error, f.failure, f.count]), [false, false, false, true]),
      '',
    );
    files.push(await writeChart(outDir, 'flow-fault-error', heatmap('fault', 'error', 'Fault -> error'), pairRows(ctx, 'fault', 'error')));
    files.push(await writeChart(outDir, 'flow-error-failure', heatmap('error', 'failure', 'Error -> failure'), pairRows(ctx, 'error', 'failure')));
    md.push('![fault to error](flow-fault-error.svg)', '', '![error to failure](flow-error-failure.svg)', '');

    md.push('## Trends by year', '', 'By publication date; incidents without one are left out of the chart.', '');
    const t = trend(ctx, 'failure', 'year', ALL_INCIDENTS);
    md.push(
      markdownTable(
        ['year', ...t.values, 'incidents'],
        t.periods.map((p, i) => [p, ...t.counts[i], t.totals[i]]),
        [false, ...t.values.map(() => true), true],
      ),
      '',
    );
    const trendRows = t.periods.flatMap((p, i) => (p === 'undated' ? [] : t.values.map((v, j) => ({ year: p, failure: v, incidents: t.counts[i][j] }))));
    files.push(
      await writeChart(
        outDir,
        'trend-failure',
        {
          title: 'Incidents per year by failure class',
          mark: 'bar',
          width: 480,
          height: 240,
          encoding: {
            x: { field: 'year', type: 'ordinal', title: 'year' },
            y: { field: 'incidents', type: 'quantitative', title: 'incidents', stack: 'zero' },
            color: { field: 'failure', type: 'nominal', sort: t.values, scale: { domain: t.values }, title: 'failure' },
            order: { field: 'order', type: 'quantitative' },
          },
        },
        trendRows.map((r) => ({ ...r, order: t.values.indexOf(r.failure) })),
      ),
    );
    md.push('![trend by failure](trend-failure.svg)', '');

    md.push('## Sources', '');
    const sources = distribution(ctx, 'source', ALL_INCIDENTS);
    md.push(
      markdownTable(['source', 'incidents', 'share'], sources.rows.map((r) => [escapeMarkdownText(r.value), r.count, shareWithInterval(r)]), [false, true, false]),
      '',
    );

    writeFileSync(path.join(outDir, 'REPORT.md'), `${md.join('\n').trimEnd()}\n`);
    return ['REPORT.md', ...files].sort();
  },
};

function distributionTable(d: Distribution): string {
  return markdownTable([d.dimension, 'incidents', 'share (95% CI)'], d.rows.map((r) => [r.value, r.count, shareWithInterval(r)]), [false, true, false]);
}

function distributionRows(d: Distribution): Record<string, unknown>[] {
  return d.rows.map((r, i) => ({ value: r.value, share: r.share, low: r.low, high: r.high, order: i }));
}

function distributionChart(d: Distribution) {
  const order = d.rows.map((r) => r.value);
  return {
    title: `${d.dimension} (${d.total} incidents, 95% CI)`,
    width: 360,
    height: { step: 18 },
    encoding: { y: { field: 'value', type: 'nominal', sort: order, title: null } },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'share', type: 'quantitative', axis: { format: '.0%' }, title: 'share of incidents' } } },
      { mark: { type: 'rule', color: '#333' }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  };
}

function crossTableMarkdown(ctx: StatsContext): string {
  const t = crossTable(ctx, 'failure', 'client', ALL_INCIDENTS);
  const cell = (s: { count: number; share: number }) => (s.count === 0 ? '0' : `${s.count} (${(s.share * 100).toFixed(1)}%)`);
  return markdownTable(
    ['failure \\ client', ...t.columns, 'total'],
    [...t.rows.map((r, i) => [r, ...t.cells[i].map(cell), cell(t.rowTotals[i])]), ['total', ...t.columnTotals.map(cell), String(t.total)]],
    [false, ...t.columns.map(() => true), true],
  );
}

interface Flow {
  fault: string;
  error: string;
  failure: string;
  count: number;
}

/** Counts (fault, error, failure) flows over the counted incidents: most frequent first, then taxonomy order. */
function readFlows(ctx: StatsContext): Flow[] {
  const counts = new Map<string, Flow>();
  for (const row of exportRows(ctx, ALL_INCIDENTS)) {
    for (const fault of row.fault as string[]) {
      for (const error of row.error as string[]) {
        const key = `${fault}\u0000${error}\u0000${row.failure as string}`;
        const flow = counts.get(key) ?? { fault, error, failure: row.failure as string, count: 0 };
        flow.count++;
        counts.set(key, flow);
      }
    }
  }
  const rank = (dimension: DimensionName, code: string) => ctx.codecs[dimension].values.indexOf(code);
  return [...counts.values()].sort(
    (a, b) => b.count - a.count || rank('fault', a.fault) - rank('fault', b.fault) || rank('error', a.error) - rank('error', b.error) || rank('failure', a.failure) - rank('failure', b.failure),
  );
}

function pairRows(ctx: StatsContext, rowDimension: DimensionName, columnDimension: DimensionName): Record<string, unknown>[] {
  const t = crossTable(ctx, rowDimension, columnDimension, ALL_INCIDENTS);
  return t.rows.flatMap((r, i) => t.columns.map((c, j) => ({ [rowDimension]: r, [columnDimension]: c, incidents: t.cells[i][j].count, rowOrder: i, columnOrder: j })));
}

function heatmap(rowField: string, columnField: string, title: string) {
  return {
    title,
    encoding: {
      y: { field: rowField, type: 'nominal', sort: { field: 'rowOrder' }, title: rowField },
      x: { field: columnField, type: 'nominal', sort: { field: 'columnOrder' }, title: columnField, axis: { labelAngle: -40 } },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'incidents', type: 'quantitative', scale: { scheme: 'blues' }, title: 'incidents' } } },
      {
        mark: { type: 'text', fontSize: 10 },
        transform: [{ filter: 'datum.incidents > 0' }],
        encoding: { text: { field: 'incidents', type: 'quantitative' } },
      },
    ],
  };
}

export default fieldStudy;
