import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { outputFormat, withFormat } from '../options.js';
import { openStatsFor, readFilters, withFilters } from './stats.js';

export function registerTrend(program: Command, io: Io): void {
  withFormat(
    withFilters(
      program
        .command('trend')
        .description('count incidents per year or quarter (by published date) and label')
        .requiredOption('--by <DIM>', 'failure, client, fault, component, error or source')
        .option('--per <PERIOD>', 'year or quarter', 'year'),
    ),
  ).action(async (opts, cmd: Command) => {
    const format = outputFormat(opts);
    const stats = await import('../../stats/index.js');
    const by = stats.parseGroupDimensions(opts.by);
    if (by.length !== 1) throw new InvalidDataError(`--by ${opts.by}: a trend takes one dimension`);
    if (opts.per !== 'year' && opts.per !== 'quarter') throw new InvalidDataError(`--per ${opts.per}: use year or quarter`);
    const filters = await readFilters(opts);
    const ctx = await openStatsFor(cmd, io);
    try {
      const t = stats.trend(ctx, by[0], opts.per, filters);
      const total = t.totals.reduce((a, b) => a + b, 0);
      io.out.write(stats.renderTrend(t, format, stats.countingNotes(ctx, filters, total, t.multiValued ? [t.dimension] : [])));
    } finally {
      ctx.db.close();
    }
  });
}
