import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_INCIDENTS, readReproducibility, reproducibilityByFailure } from '../src/stats/index.js';
import { loadKindCatalog } from '../src/campaign/catalog.js';
import { injectionSide } from '../src/replay/injection-side.js';
import { loadReplayRules } from '../src/replay/rules.js';
import { writeChart, type ChartSpec } from './support/charts.js';
import { escapeMarkdownText, markdownLink, markdownTable, shareWithInterval } from './support/markdown.js';
import { describeDatabase, type Notebook } from './support/notebook.js';

/** The markers around the section the injection side (replay) fills in; kept verbatim so it can find them. */
export const INJECTION_SECTION_BEGIN = '<!-- injection-side:begin -->';
export const INJECTION_SECTION_END = '<!-- injection-side:end -->';

/** Which field incidents state injection could reproduce, per failure class: the field side of the comparison. */
const reproducibility: Notebook = {
  name: 'reproducibility',
  title: 'Reproducibility by state injection: the field side',
  async run({ ctx, outDir, databaseLabel }) {
    const incidents = readReproducibility(ctx, ALL_INCIDENTS);
    const byFailure = reproducibilityByFailure(ctx, ALL_INCIDENTS);
    const all = byFailure[byFailure.length - 1];
    const md: string[] = [`# ${this.title}`, '', describeDatabase(ctx, databaseLabel), ''];
    md.push(
      'An incident is *reproducible by state injection* when its error set holds a code other than `none`: some part of',
      'the stored cluster state was wrong, so corrupting that state between kube-apiserver and etcd can recreate it.',
      '`none` alone means the failure came from outside the state (a kernel bug, a dead VM); no known error code means',
      'the write-up does not say.',
      '',
      `**${all.reproducible.count} of ${all.incidents} incidents are reproducible: ${shareWithInterval(all.reproducible)}** ` +
        `(${all.notReproducible} not reproducible, ${all.unknown} unknown).`,
      '',
      '## By failure class',
      '',
      'Shares are of the class\'s incidents, with Wilson 95% intervals.',
      '',
      markdownTable(
        ['failure', 'incidents', 'reproducible', 'share (95% CI)', 'not reproducible (`none`)', 'unknown'],
        byFailure.map((r) => [r.failure === 'all' ? '**all**' : r.failure, r.incidents, r.reproducible.count, shareWithInterval(r.reproducible), r.notReproducible, r.unknown]),
        [false, true, true, false, true, true],
      ),
      '',
    );
    const classes = byFailure.filter((r) => r.failure !== 'all');
    const kinds = ['reproducible', 'not reproducible', 'unknown'];
    const chartRows = classes.flatMap((r, i) =>
      [r.reproducible.count, r.notReproducible, r.unknown].map((n, k) => ({ failure: r.failure, order: i, kind: kinds[k], kindOrder: k, incidents: n })),
    );
    const chart = await writeChart(
      outDir,
      'reproducible-by-failure',
      {
        title: 'Incidents per failure class by reproducibility',
        mark: 'bar',
        width: 360,
        height: { step: 20 },
        encoding: {
          y: { field: 'failure', type: 'nominal', sort: classes.map((r) => r.failure), title: 'failure' },
          x: { field: 'incidents', type: 'quantitative', stack: 'zero', title: 'incidents' },
          color: { field: 'kind', type: 'nominal', sort: kinds, scale: { domain: kinds, range: ['#4c78a8', '#e45756', '#bab0ac'] }, title: null },
          order: { field: 'kindOrder', type: 'quantitative' },
        },
      },
      chartRows,
    );
    md.push(`![reproducibility by failure class](${chart})`, '');

    md.push('## Which state to corrupt', '', 'Error codes of the reproducible incidents (multi-valued: an incident counts once per code).', '');
    const reproducible = incidents.filter((r) => r.reproducibility === 'reproducible');
    const errorCounts = ctx.codecs.error.values
      .map((code) => [code, reproducible.filter((r) => (r.error as string[]).includes(code)).length] as const)
      .filter(([code, n]) => n > 0 && code !== 'none' && code !== 'unknown');
    md.push(markdownTable(['error', 'reproducible incidents'], errorCounts.map(([c, n]) => [c, n]), [false, true]), '');

    md.push('## Reproducible incidents', '', 'In failure severity order, then by id.', '');
    const order = (failure: string) => ctx.codecs.failure.values.indexOf(failure);
    const listed = [...reproducible].sort((a, b) => order(a.failure as string) - order(b.failure as string) || ((a.id as string) < (b.id as string) ? -1 : 1));
    md.push(
      markdownTable(
        ['incident', 'failure', 'client', 'error', 'fault'],
        listed.map((r) => [
          markdownLink(r.title as string, r.url as string | null),
          r.failure as string,
          r.client as string,
          (r.error as string[]).join(', '),
          (r.fault as string[]).join(', '),
        ]),
      ),
      '',
    );

    // Injection side (replay stage): the replay campaign the rules plan for this dataset and, when its results
    // are stored, which incidents it reproduced and how field and injection failure shares compare.
    const side = injectionSide(ctx, loadReplayRules(ctx.taxonomy), loadKindCatalog());
    const sideCharts: string[] = [];
    for (const c of side.charts) sideCharts.push(await writeChart(outDir, c.name, c.spec as ChartSpec, c.rows));
    md.push(
      '## Injection side',
      '',
      INJECTION_SECTION_BEGIN,
      ...side.lines,
      ...side.charts.flatMap((c, i) => [`![${c.alt}](${sideCharts[i]})`, '']),
      INJECTION_SECTION_END,
      '',
    );
    writeFileSync(path.join(outDir, 'REPORT.md'), `${md.join('\n').trimEnd()}\n`);
    return ['REPORT.md', chart, ...sideCharts].sort();
  },
};

export default reproducibility;
