import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { renderMarkdownTable, renderTable, type OutputFormat } from '../../core/table.js';
import { openDatabase } from '../../store/database.js';
import {
  compareWithReference,
  comparisonTable,
  loadReferenceCsv,
  parseResultDimensions,
  PAPER_WORKLOADS,
  resultTable,
  type ReportTable,
} from '../../campaign/report.js';
import { getResult, importCampaign, listResults } from '../../campaign/results-store.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

/** The paper's outcome table, shipped with the repo (copied from the shared reference). */
const DEFAULT_REFERENCE = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'campaign', 'mutiny-dsn24-outcomes.csv');

interface ResultsOptions {
  campaign?: string;
  by: string;
  workload?: string;
  format?: string;
  json?: boolean;
}

/** `mutiny results`: campaign outcomes in the paper's layout, one run explained, or compared with the paper. */
export function registerResults(program: Command, io: Io): void {
  const results = withFormat(
    program
      .command('results')
      .description('injection outcomes grouped like the paper (failure x modeled client class per workload)')
      .option('--campaign <name>', 'only this campaign (default: all)')
      .option('--by <dims>', 'group by: workload,failure,client,error,channel,model,kind,field,run', 'workload,failure,client')
      .option('--workload <w>', 'only deploy|scale|failover'),
  ).action((opts: ResultsOptions, cmd: Command) => {
    const format = outputFormat(opts);
    const by = parseResultDimensions(opts.by);
    const db = openDatabase(databasePath(cmd), { readonly: true });
    try {
      const rows = listResults(db, { campaign: opts.campaign, workload: parseWorkload(opts.workload) });
      if (format === 'json') {
        io.out.write(`${JSON.stringify(rows.filter((r) => r.role === 'injection'), null, 2)}\n`);
        return;
      }
      if (rows.length === 0) throw new InvalidDataError(`no results${opts.campaign ? ` for campaign "${opts.campaign}"` : ''}; run one with \`mutiny campaign run FILE\``);
      writeTable(io, resultTable(rows, by), format);
    } finally {
      db.close();
    }
  });

  withFormat(
    results
      .command('explain')
      .argument('<run>', 'run id: <campaign>/<experiment> or the experiment id')
      .description('why a run got its classes: the injection, each threshold crossed, the measured figures'),
    ['table', 'json'],
  ).action((run: string, _opts: unknown, cmd: Command) => {
    const format = outputFormat(cmd.optsWithGlobals<{ format?: string; json?: boolean }>(), ['table', 'json']);
    const db = openDatabase(databasePath(cmd), { readonly: true });
    try {
      const r = getResult(db, run);
      if (format === 'json') {
        io.out.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const lines = [
        `run ${r.runId} (${r.role}, ${r.status})`,
        `workload: ${PAPER_WORKLOADS[r.workload]}`,
      ];
      if (r.role === 'injection') {
        lines.push(
          `injection: ${r.faultModel}${r.variant ? ` ${r.variant}` : ''} on ${r.targetKind} ${r.field ?? '(whole object)'} via the ${r.channel} channel (error code ${r.errorCode ?? 'unknown'})`,
          `orchestrator failure: ${r.failure}${r.failureAlso.length > 0 ? ` (also ${r.failureAlso.join(', ')})` : ''}`,
          `client failure (modeled from ready endpoints): ${r.client}`,
        );
      }
      lines.push('why:', ...r.explanation.map((e) => `  - ${e}`));
      if (r.injections.length > 0) lines.push('applied:', ...r.injections.map((i) => `  - ${i.channel} ${i.key}${i.revision ? ` @${i.revision}` : ''}: ${i.description}`));
      lines.push('measured:', ...Object.entries(r.metrics).map(([k, v]) => `  ${k}: ${v === null ? 'never' : String(v)}`));
      if (r.artefacts.length > 0) lines.push('artefacts:', ...r.artefacts.map((a) => `  ${a.kind}: ${a.path}`));
      io.out.write(`${lines.join('\n')}\n`);
    } finally {
      db.close();
    }
  });

  withFormat(
    results
      .command('compare')
      .description("the campaign's outcome shares beside the paper's, with Wilson 95% intervals and distances")
      .option('--reference <file>', "the paper's outcome table (CSV)", DEFAULT_REFERENCE)
      .option('--campaign <name>', 'only this campaign (default: all)')
      .option('--workload <w>', 'only deploy|scale|failover'),
  ).action((_opts: unknown, cmd: Command) => {
    // `results` declares --campaign and --workload too, and Commander gives an option to the first command that
    // declares it: read the merged options so `results compare --campaign X` means X.
    const opts = cmd.optsWithGlobals<{ reference: string; campaign?: string; workload?: string; format?: string; json?: boolean }>();
    const format = outputFormat(opts);
    const reference = loadReferenceCsv(opts.reference);
    const workload = parseWorkload(opts.workload);
    const db = openDatabase(databasePath(cmd), { readonly: true });
    try {
      const rows = listResults(db, { campaign: opts.campaign, role: 'injection' });
      if (rows.length === 0) throw new InvalidDataError(`no results${opts.campaign ? ` for campaign "${opts.campaign}"` : ''} to compare; run a campaign first`);
      const paperWorkload = workload ? PAPER_WORKLOADS[workload] : undefined;
      const comparisons = (['failure', 'client'] as const).map((d) => compareWithReference(rows, reference, d, paperWorkload));
      if (format === 'json') {
        io.out.write(`${JSON.stringify(comparisons, null, 2)}\n`);
        return;
      }
      comparisons.forEach((c, i) => {
        if (i > 0) io.out.write('\n');
        writeTable(io, comparisonTable(c), format);
      });
    } finally {
      db.close();
    }
  });

  results
    .command('import')
    .description('copy a campaign and its results from another mutiny database (e.g. a bench run) into --db')
    .argument('<file>', 'the database the campaign ran with')
    .option('--campaign <name>', 'the campaign to copy (replaces one of the same name)')
    .action((file: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ campaign?: string }>();
      if (!opts.campaign) throw new InvalidDataError('results import: give the campaign to copy with --campaign NAME');
      if (!existsSync(file)) throw new InvalidDataError(`${file}: no such database; give the --db file the campaign ran with`);
      const db = openDatabase(databasePath(cmd));
      try {
        const copied = importCampaign(db, file, opts.campaign);
        io.out.write(`imported campaign ${copied.campaign}: ${copied.experiments} planned runs, ${copied.results} results\n`);
      } finally {
        db.close();
      }
    });
}

function parseWorkload(text: string | undefined): keyof typeof PAPER_WORKLOADS | undefined {
  if (text === undefined) return undefined;
  const w = text.toLowerCase();
  if (!(w in PAPER_WORKLOADS)) throw new InvalidDataError(`--workload ${text}: unknown workload; use deploy, scale or failover`);
  return w as keyof typeof PAPER_WORKLOADS;
}

function writeTable(io: Io, table: ReportTable, format: OutputFormat): void {
  if (format === 'csv') {
    io.out.write(stringify([table.headers, ...table.rows]));
    return;
  }
  io.out.write(format === 'md' ? renderMarkdownTable(table.headers, table.rows) : renderTable(table.headers, table.rows));
  for (const note of table.notes) io.out.write(`${format === 'md' ? '\n_' : ''}${note}${format === 'md' ? '_' : ''}\n`);
}
