import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { renderMarkdownTable, renderTable, type Cell } from '../../core/table.js';
import { databasePath, outputFormat, withFormat } from '../options.js';
import type { EvalReport } from '../../classify/metrics.js';

const SPLITS = ['both', 'tune', 'held-out', 'all'] as const;
type SplitChoice = (typeof SPLITS)[number];
const EVAL_FORMATS = ['table', 'json', 'md'] as const;

/** `mutiny eval`: agreement of the rule classifier with hand labels, on the tuning and held-out slices. */
export function registerEval(program: Command, io: Io): void {
  const cmd = program
    .command('eval')
    .description('measure the classifier against gold labels: accuracy, micro/macro F1, per-code P/R, failure confusion')
    .requiredOption('--gold <files...>', 'gold JSONL files (../shared/labels format)')
    .option('--split <split>', `which slice to report: ${SPLITS.join('|')} (tune/held-out by sha256 of the id)`, 'both')
    .option('--rules <dir>', 'rules directory (default: taxonomy/rules)');
  withFormat(cmd, EVAL_FORMATS).action(async (opts: { gold: string[]; split: string; rules?: string; format?: string; json?: boolean }, command: Command) => {
    const format = outputFormat(opts, EVAL_FORMATS);
    if (!(SPLITS as readonly string[]).includes(opts.split)) throw new InvalidDataError(`--split ${opts.split}: use one of ${SPLITS.join(', ')}`);
    const split = opts.split as SplitChoice;
    const [{ parseGoldFile, splitOf }, { loadRules }, { classifyIncident }, { evaluate }, { DIMENSIONS }] = await Promise.all([
      import('../../classify/gold.js'),
      import('../../classify/rule-files.js'),
      import('../../classify/classifier.js'),
      import('../../classify/metrics.js'),
      import('../../core/taxonomy.js'),
    ]);
    const gold = opts.gold.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (cause) {
        throw new InvalidDataError(`--gold ${file}: cannot read (${(cause as Error).message})`, { cause });
      }
      return parseGoldFile(text, file);
    });
    const rules = loadRules(opts.rules);

    // Incidents already in the database are classified from their stored row (the real text); the rest from
    // the gold file's own title/text/labels.
    const dbFile = databasePath(command);
    let fromDb = 0;
    const inputs = await (async () => {
      if (!existsSync(dbFile)) return gold.map((g) => g.incident);
      const [{ openDatabase }, store] = await Promise.all([import('../../store/database.js'), import('../../classify/label-store.js')]);
      const db = openDatabase(dbFile, { readonly: true });
      try {
        const resolve = store.goldIncidentResolver(db);
        return gold.map((g) => {
          const row = resolve(g);
          if (!row) return g.incident;
          fromDb++;
          return store.incidentInputFromRow(row);
        });
      } finally {
        db.close();
      }
    })();
    const pairs = gold.map((g, i) => {
      const result = classifyIncident(inputs[i], rules);
      return {
        id: g.id,
        split: splitOf(g.id),
        gold: g.gold,
        predicted: Object.fromEntries(DIMENSIONS.map((d) => [d, result.dimensions[d].values])) as Record<(typeof DIMENSIONS)[number], string[]>,
      };
    });
    const slices: [string, typeof pairs][] =
      split === 'both'
        ? [['tune', pairs.filter((p) => p.split === 'tune')], ['held-out', pairs.filter((p) => p.split === 'held-out')]]
        : split === 'all'
          ? [['all', pairs]]
          : [[split, pairs.filter((p) => p.split === split)]];
    const reports = slices.map(([name, slice]) => ({ name, report: evaluate(slice, rules.taxonomy) }));

    if (format === 'json') {
      const out = { classifierVersion: rules.version, goldIncidents: gold.length, classifiedFromDatabase: fromDb, slices: Object.fromEntries(reports.map((r) => [r.name, r.report])) };
      io.out.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const render = (headers: string[], rows: Cell[][]) => (format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
    io.out.write(`classifier ${rules.version}; ${gold.length} gold incidents (${fromDb} classified from the database, ${gold.length - fromDb} from the gold files)\n`);
    io.out.write('gold `unknown` (annotator could not tell) and unlabeled values (not a failure) are excluded per dimension\n');
    const failureOrder = [...rules.taxonomy.dimensions.failure.codes, 'unknown'];
    for (const { name, report } of reports) io.out.write(`\n${renderReport(name, report, failureOrder, render)}`);
  });
}

const fmt = (x: number | null) => (x === null ? '' : x.toFixed(2));

function renderReport(name: string, report: EvalReport, order: string[], render: (h: string[], r: Cell[][]) => string): string {
  const parts: string[] = [`== ${name}: ${report.incidents} incidents\n`];
  parts.push(
    render(
      ['dimension', 'scored', 'excl unknown', 'excl unlabeled', 'accuracy', 'micro P', 'micro R', 'micro F1', 'macro F1'],
      report.dimensions.map((d) => [d.dimension, d.scored, d.excludedUnknown, d.excludedUnlabeled, fmt(d.accuracy), fmt(d.microPrecision), fmt(d.microRecall), fmt(d.microF1), fmt(d.macroF1)]),
    ),
  );
  parts.push(`\nper code (${name})\n`);
  parts.push(
    render(
      ['dimension', 'code', 'precision', 'recall', 'F1', 'support', 'predicted'],
      report.dimensions.flatMap((d) => d.codes.map((c) => [d.dimension, c.code, fmt(c.precision), fmt(c.recall), fmt(c.f1), c.support, c.predicted])),
    ),
  );
  const golds = Object.keys(report.failureConfusion);
  const predicted = [...new Set(golds.flatMap((g) => Object.keys(report.failureConfusion[g])))];
  const byOrder = (a: string, b: string) => order.indexOf(a) - order.indexOf(b);
  golds.sort(byOrder);
  predicted.sort(byOrder);
  parts.push(`\nfailure confusion (${name}; rows gold, columns predicted)\n`);
  parts.push(render(['gold \\ predicted', ...predicted], golds.map((g) => [g, ...predicted.map((p) => report.failureConfusion[g][p] ?? 0)])));
  return parts.join('');
}
