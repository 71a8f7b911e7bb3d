import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import type { DimensionName } from '../../core/taxonomy.js';
import { databasePath } from '../options.js';

/** `mutiny label`: sets human labels on one incident, or imports them from a gold JSONL file. */
export function registerLabel(program: Command, io: Io): void {
  program
    .command('label')
    .description('set human labels (they override rule labels): label ID DIMENSION=VALUE[,VALUE]... or --import FILE.jsonl')
    .argument('[id]', 'incident id')
    .argument('[assignments...]', 'DIMENSION=VALUE[,VALUE], e.g. failure=Net fault=misconfiguration,upgrade')
    .option('--import <file>', 'import human/gold labels from a JSONL file (../shared/labels format)')
    .action(async (id: string | undefined, assignments: string[], opts: { import?: string }, command: Command) => {
      const [{ openDatabase }, { loadTaxonomy }, store] = await Promise.all([
        import('../../store/database.js'),
        import('../../core/taxonomy.js'),
        import('../../classify/label-store.js'),
      ]);
      const taxonomy = loadTaxonomy();
      const labeledAt = new Date().toISOString();
      if (opts.import !== undefined) {
        if (id !== undefined) throw new InvalidDataError('label: give either ID DIMENSION=VALUE... or --import FILE, not both');
        const { parseGoldFile } = await import('../../classify/gold.js');
        let text: string;
        try {
          text = readFileSync(opts.import, 'utf8');
        } catch (cause) {
          throw new InvalidDataError(`--import ${opts.import}: cannot read (${(cause as Error).message})`, { cause });
        }
        const gold = parseGoldFile(text, opts.import);
        const db = openDatabase(databasePath(command));
        try {
          const result = db.transaction(() => store.importHumanLabels(db, taxonomy, gold, labeledAt, `human:${path.basename(opts.import!)}`))();
          io.out.write(`imported ${result.rows} human label rows for ${result.labeled} incident(s) from ${opts.import}\n`);
          if (result.missing.length > 0) {
            io.err.write(`${result.missing.length} incident(s) not in the database, skipped: ${result.missing.slice(0, 10).join(', ')}${result.missing.length > 10 ? ', ...' : ''}\n`);
          }
        } finally {
          db.close();
        }
        return;
      }
      if (id === undefined || assignments.length === 0) {
        throw new InvalidDataError('label: give ID DIMENSION=VALUE... (e.g. label github:kubernetes/kubernetes#1 failure=Net) or --import FILE.jsonl');
      }
      const labels: Partial<Record<DimensionName, string[]>> = {};
      for (const a of assignments) {
        const m = /^([a-z_]+)=(.+)$/.exec(a);
        if (!m) throw new InvalidDataError(`label: "${a}" is not DIMENSION=VALUE[,VALUE]`);
        labels[m[1] as DimensionName] = m[2].split(',').map((v) => v.trim()).filter(Boolean);
      }
      const db = openDatabase(databasePath(command));
      try {
        const rows = store.setHumanLabels(db, taxonomy, id, labels, labeledAt);
        io.out.write(`${id}: ${rows} human label row(s) set (${Object.keys(labels).join(', ')})\n`);
      } finally {
        db.close();
      }
    });
}
