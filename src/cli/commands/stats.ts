import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import type { FilterOptions, StatsContext, StatsFilters } from '../../stats/index.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the incident filters shared by stats, trend and export. */
export function withFilters(cmd: Command): Command {
  return cmd
    .option('--where <DIM=VALUE>', 'only incidents with this label (repeatable; VALUE may be a comma list of alternatives)', collect)
    .option('--source <S>', 'only incidents from this source (repeatable or comma list)', collect)
    .option('--since <DATE>', 'published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)')
    .option('--until <DATE>', 'published on or before DATE (YYYY, YYYY-MM or YYYY-MM-DD)')
    .option('--include-multi', 'also count reports that cover several incidents (left out by default)');
}

/** Validates the filter options (taxonomy and statistics are imported here, not at start-up). */
export async function readFilters(opts: FilterOptions): Promise<StatsFilters> {
  const [{ parseFilters }, { loadTaxonomy }] = await Promise.all([import('../../stats/index.js'), import('../../core/taxonomy.js')]);
  return parseFilters(opts, loadTaxonomy());
}

/** Opens the --db incident database for statistics and warns about label values the taxonomy does not know. */
export async function openStatsFor(cmd: Command, io: Io): Promise<StatsContext> {
  const [{ openStats }, { loadTaxonomy }] = await Promise.all([import('../../stats/index.js'), import('../../core/taxonomy.js')]);
  const ctx = openStats(databasePath(cmd), loadTaxonomy());
  if (ctx.refresh.unmappedValues.length > 0) {
    io.err.write(`warning: label values not in taxonomy/dimensions.yaml count as unknown: ${ctx.refresh.unmappedValues.join(', ')}\n`);
  }
  return ctx;
}

export function registerStats(program: Command, io: Io): void {
  withFormat(
    withFilters(
      program
        .command('stats')
        .description('count incidents per label: by source (default), one dimension, or a cross-table of two')
        .option('--by <DIM[,DIM]>', 'failure, client, fault, component, error or source; two give a cross-table'),
    ),
  ).action(async (opts, cmd: Command) => {
    const format = outputFormat(opts);
    const stats = await import('../../stats/index.js');
    const by = opts.by ? stats.parseGroupDimensions(opts.by) : (['source'] as const);
    if (by.length > 2) throw new InvalidDataError(`--by ${opts.by}: give one or two dimensions`);
    const filters = await readFilters(opts);
    const ctx = await openStatsFor(cmd, io);
    try {
      if (by.length === 1) {
        const d = stats.distribution(ctx, by[0], filters);
        const notes = stats.countingNotes(ctx, filters, d.total, d.multiValued ? [d.dimension] : []);
        if (!opts.by) notes.push('Break it down: --by failure,client (the paper\'s table), --by fault, --by error; over time: mutiny trend --by failure.');
        io.out.write(stats.renderDistribution(d, format, notes));
      } else {
        const t = stats.crossTable(ctx, by[0], by[1], filters);
        io.out.write(stats.renderCrossTable(t, format, stats.countingNotes(ctx, filters, t.total, t.multiValued)));
      }
    } finally {
      ctx.db.close();
    }
  });
}
