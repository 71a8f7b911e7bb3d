import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { renderMarkdownTable, renderTable } from '../../core/table.js';
import { outputFormat, withFormat } from '../options.js';
import { openStatsFor } from './stats.js';

export function registerSearch(program: Command, io: Io): void {
  withFormat(
    program
      .command('search')
      .description('full-text search over incident titles and text, best match first')
      .argument('<text...>', 'words to find (all must occur; stemmed)')
      .option('--limit <N>', 'at most N hits', '20')
      .option('--raw', 'treat TEXT as an SQLite FTS5 query (OR, NEAR, "phrase", prefix*)'),
  ).action(async (words: string[], opts, cmd: Command) => {
    const format = outputFormat(opts);
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidDataError(`--limit ${opts.limit}: give a whole number of at least 1`);
    const { searchIncidents, terminalSafe } = await import('../../stats/index.js');
    const ctx = await openStatsFor(cmd, io);
    try {
      const mark: [string, string] = format === 'md' ? ['**', '**'] : format === 'table' ? ['[', ']'] : ['', ''];
      const hits = searchIncidents(ctx, words.join(' '), { limit, raw: opts.raw, mark });
      if (format === 'json') {
        io.out.write(`${JSON.stringify(hits, null, 2)}\n`);
        return;
      }
      const headers = ['key', 'id', 'year', 'title', 'snippet'];
      const rows = hits.map((h) => [h.key, h.id, h.year, h.title, h.snippet]);
      if (format === 'csv') {
        const { stringify } = await import('csv-stringify/sync');
        io.out.write(stringify(rows, { header: true, columns: headers }));
      } else if (format === 'md') io.out.write(renderMarkdownTable(headers, rows));
      else {
        for (const h of hits) {
          io.out.write(`${h.key}  ${terminalSafe(h.title)}${h.year ? ` (${h.year})` : ''}\n    ${terminalSafe(h.id)}\n    ${terminalSafe(h.snippet)}\n`);
        }
        io.out.write(`${hits.length} hit${hits.length === 1 ? '' : 's'}${hits.length === limit ? ` (first ${limit}; --limit shows more)` : ''}\n`);
      }
    } finally {
      ctx.db.close();
    }
  });
}
