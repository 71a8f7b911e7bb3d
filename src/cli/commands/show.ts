import type { Command } from 'commander';
import type { Io } from '../../core/io.js';
import { outputFormat, withFormat } from '../options.js';
import { openStatsFor } from './stats.js';

export function registerShow(program: Command, io: Io): void {
  withFormat(
    program
      .command('show')
      .description('one incident with its labels (origin, confidence) and the evidence behind them')
      .argument('<id>', 'incident id (URL or github:owner/repo#N), or the numeric key `mutiny search` prints')
      .option('--text', 'also print the stored text (evidence offsets index into it)'),
    ['table', 'json', 'md'],
  ).action(async (id: string, opts, cmd: Command) => {
    const format = outputFormat(opts, ['table', 'json', 'md']);
    const { readIncident, renderIncident } = await import('../../stats/index.js');
    const ctx = await openStatsFor(cmd, io);
    try {
      const incident = readIncident(ctx, id);
      io.out.write(format === 'json' ? `${JSON.stringify(incident, null, 2)}\n` : renderIncident(incident, format === 'md' ? 'md' : 'table', Boolean(opts.text)));
    } finally {
      ctx.db.close();
    }
  });
}
