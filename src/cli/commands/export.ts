import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { openStatsFor, readFilters, withFilters } from './stats.js';

export function registerExport(program: Command, io: Io): void {
  withFilters(
    program
      .command('export')
      .description('write incidents with their effective labels to a CSV or JSON Lines file (ordered by id)')
      .requiredOption('--out <FILE>', 'file to write')
      .option('--format <format>', 'csv or jsonl', 'csv')
      .option('--force', 'overwrite FILE if it exists'),
  ).action(async (opts, cmd: Command) => {
    const stats = await import('../../stats/index.js');
    if (!(stats.EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
      throw new InvalidDataError(`--format ${opts.format}: not supported here; use one of ${stats.EXPORT_FORMATS.join(', ')}`);
    }
    const filters = await readFilters(opts);
    const ctx = await openStatsFor(cmd, io);
    try {
      const count = await stats.writeExport(ctx, filters, opts.format, opts.out, Boolean(opts.force));
      io.err.write(`wrote ${count} incident${count === 1 ? '' : 's'} to ${opts.out}\n`);
    } finally {
      ctx.db.close();
    }
  });
}
