import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import type { Io } from '../../core/io.js';
import { stringify } from 'csv-stringify/sync';
import { renderMarkdownTable, renderTable, type OutputFormat } from '../../core/table.js';
import type { ReportSection } from '../../replay/report.js';
import { outputFormat, withFormat } from '../options.js';
import { openStatsFor, readFilters, withFilters } from './stats.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `mutiny replay plan`: a campaign that tries to reproduce classified incidents by state injection. */
export function registerReplay(program: Command, io: Io): void {
  const replay = program.command('replay').description('reproduce field incidents by state injection: campaigns generated from their labels');

  withFormat(
    withFilters(
      replay
        .command('plan')
        .description('write a Campaign (YAML) whose experiments alter the state each selected incident names; list incidents it cannot replay and why')
        .option('--id <ID>', 'this incident (repeatable); default: every incident matching the filters', collect)
        .option('--name <name>', 'campaign name', 'replay')
        .option('--rules <file>', 'replay rules (default: taxonomy/replay-rules.yaml)')
        .option('--out <file>', 'write the campaign YAML here (default: print it to stdout)'),
    ),
  ).action(async (opts: { id?: string[]; name: string; rules?: string; out?: string; format?: string; json?: boolean; where?: string[] }, cmd: Command) => {
    const format = outputFormat(opts);
    const filters = await readFilters(opts);
    const [{ loadTaxonomy }, { loadReplayRules }, { readReplayIncidents }, { planReplay }, { loadKindCatalog }, { replayPlanSections }] = await Promise.all([
      import('../../core/taxonomy.js'),
      import('../../replay/rules.js'),
      import('../../replay/incidents.js'),
      import('../../replay/plan.js'),
      import('../../campaign/catalog.js'),
      import('../../replay/report.js'),
    ]);
    const taxonomy = loadTaxonomy();
    const rules = opts.rules ? loadReplayRules(taxonomy, opts.rules) : loadReplayRules(taxonomy);
    const ctx = await openStatsFor(cmd, io);
    let plan;
    try {
      plan = planReplay(readReplayIncidents(ctx, { ids: opts.id ?? [], filters }), rules, loadKindCatalog(), opts.name);
    } finally {
      ctx.db.close();
    }
    if (opts.out) writeFileSync(opts.out, plan.yaml);
    if (format === 'json') {
      const json = {
        campaign: plan.name,
        ...(opts.out ? { file: opts.out } : { yaml: plan.yaml }),
        estimateSeconds: plan.plan.estimate.seconds,
        goldenRuns: plan.plan.golden.length,
        experiments: plan.experiments.map(({ experiment: e, incidents }) => ({
          id: e.id,
          workload: e.workload.kind,
          kind: e.target.kind,
          namespace: e.target.namespace ?? null,
          namePrefix: e.target.namePrefix ?? null,
          field: e.fault.field ?? null,
          model: e.fault.model,
          variant: e.fault.variant ?? null,
          channel: e.channel,
          errorCode: e.errorCode,
          incidents,
        })),
        replayed: plan.replayed.map((r) => ({ id: r.incident.id, failure: r.incident.failure, client: r.incident.client, error: r.incident.error, rules: r.rules, experiments: r.experiments })),
        notReproducible: plan.notReplayed.map((n) => ({ id: n.incident.id, failure: n.incident.failure, error: n.incident.error, reason: n.reason })),
      };
      io.out.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const sections = replayPlanSections(plan);
    if (!opts.out) {
      // The YAML is the output (pipe it to a file); the summary goes to stderr.
      io.out.write(plan.yaml);
      for (const note of sections[0].table.notes) io.err.write(`${note}\n`);
      io.err.write(`${plan.notReplayed.length} incidents not reproducible by state injection (see --out FILE for the list)\n`);
      return;
    }
    writeSections(io, sections, format);
    io.out.write(`wrote ${opts.out}; run it with: mutiny campaign run ${opts.out}\n`);
  });
}

/** Writes report sections as aligned tables or Markdown with their notes; CSV holds the first section's rows only. */
export function writeSections(io: Io, sections: ReportSection[], format: OutputFormat): void {
  if (format === 'csv') {
    io.out.write(stringify([sections[0].table.headers, ...sections[0].table.rows]));
    return;
  }
  sections.forEach((s, i) => {
    if (i > 0) io.out.write('\n');
    io.out.write(format === 'md' ? `## ${s.title}\n\n` : `${s.title}\n\n`);
    io.out.write(format === 'md' ? renderMarkdownTable(s.table.headers, s.table.rows) : renderTable(s.table.headers, s.table.rows));
    for (const note of s.table.notes) io.out.write(format === 'md' ? `\n_${note}_\n` : `${note}\n`);
  });
}
