import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { Progress } from '../../core/progress.js';
import { renderMarkdownTable, renderTable } from '../../core/table.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

interface ClassifyOptions {
  all?: boolean;
  since?: string;
  id?: string;
  rules?: string;
  format?: string;
  json?: boolean;
}

/** `mutiny classify`: writes rule labels for stored incidents, replacing that incident's previous rule labels. */
export function registerClassify(program: Command, io: Io): void {
  const cmd = program
    .command('classify')
    .description('label incidents with the rule-based classifier (human labels are kept and still override)')
    .option('--all', 'every incident in the database')
    .option('--since <date>', 'incidents updated on or after DATE (ISO, e.g. 2026-01-01)')
    .option('--id <id>', 'one incident')
    .option('--rules <dir>', 'rules directory (default: taxonomy/rules)');
  withFormat(cmd).action(async (opts: ClassifyOptions, command: Command) => {
    const format = outputFormat(opts);
    const chosen = [opts.all, opts.since, opts.id].filter((x) => x !== undefined).length;
    if (chosen !== 1) throw new InvalidDataError('classify: give exactly one of --all, --since DATE or --id ID');
    if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) {
      throw new InvalidDataError(`--since ${opts.since}: not a date; use ISO form such as 2026-01-01`);
    }
    const [{ openDatabase }, { loadRules }, { classifyIncident }, store] = await Promise.all([
      import('../../store/database.js'),
      import('../../classify/rule-files.js'),
      import('../../classify/classifier.js'),
      import('../../classify/label-store.js'),
    ]);
    const rules = loadRules(opts.rules);
    const db = openDatabase(databasePath(command));
    try {
      const selection = opts.id !== undefined ? { id: opts.id } : opts.since !== undefined ? { since: opts.since } : { all: true as const };
      const rows = store.selectIncidents(db, selection);
      if (opts.id !== undefined && rows.length === 0) throw new InvalidDataError(`--id ${opts.id}: no such incident in ${db.name}`);
      const progress = new Progress(io, 'classify', rows.length, 100);
      const labeledAt = new Date().toISOString();
      const counts = new Map<string, number>();
      let written = 0;
      db.transaction(() => {
        for (const row of rows) {
          const result = classifyIncident(store.incidentInputFromRow(row), rules);
          written += store.writeRuleLabels(db, result, labeledAt);
          for (const dim of ['failure', 'client'] as const) {
            const key = `${dim}\t${result.dimensions[dim].values[0]}`;
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          progress.tick();
        }
      })();
      progress.finish();
      const table = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => [...k.split('\t'), n]);
      if (format === 'json') {
        io.out.write(`${JSON.stringify({ classifierVersion: rules.version, incidents: rows.length, labelRows: written, counts: table.map(([dimension, value, incidents]) => ({ dimension, value, incidents })) }, null, 2)}\n`);
      } else if (format === 'csv') {
        io.out.write(`dimension,value,incidents\n${table.map((r) => r.join(',')).join('\n')}\n`);
      } else {
        io.out.write(`classified ${rows.length} incident(s) with ${rules.version}: ${written} label rows written\n`);
        io.out.write(format === 'md' ? renderMarkdownTable(['dimension', 'value', 'incidents'], table) : renderTable(['dimension', 'value', 'incidents'], table));
      }
    } finally {
      db.close();
    }
  });
}
