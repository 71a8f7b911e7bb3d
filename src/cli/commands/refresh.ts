import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { ExitError, InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { Progress } from '../../core/progress.js';
import { renderMarkdownTable, renderTable, type Cell } from '../../core/table.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

const SUMMARY_HEADERS = ['source', 'new', 'updated', 'unchanged', 'skipped', 'failed', 'seconds'];
const FAILURES_SHOWN = 10;

/** `mutiny refresh` (rebuild or update the incident database) and `mutiny sources` (list the sources). */
export function registerRefresh(program: Command, io: Io): void {
  withFormat(
    program
      .command('refresh')
      .description('fetch incidents from every source (or --source NAME...) into the incident database')
      .option('--source <name...>', 'only these sources (see `mutiny sources`)')
      .option('--since <date>', 'only items created or updated since this date (YYYY-MM-DD; network sources that can filter)')
      .option('--offline <dir>', 'read the raw inputs from a folder laid out like shared/datasets instead of the network')
      .option('--keep-unlicensed-text', 'keep full text of pages without a licence (private databases only; never commit)')
      .option('--standalone', 'finish with the WAL checkpointed and a rollback journal, so the file can be committed alone'),
    ['table', 'json', 'md'],
  ).action(async (opts: RefreshFlags, cmd: Command) => {
    const format = outputFormat(opts, ['table', 'json', 'md']);
    const since = parseSince(opts.since);
    if (opts.offline !== undefined && !(existsSync(opts.offline) && statSync(opts.offline).isDirectory())) {
      throw new InvalidDataError(`--offline ${opts.offline}: not a directory; pass a folder laid out like shared/datasets`);
    }
    const [{ selectSources }, { runRefresh }, { openDatabase }, { incidentSink, compactForCommit, countIncidentsBySource }] = await Promise.all([
      import('../../sources/registry.js'),
      import('../../sources/refresh.js'),
      import('../../store/database.js'),
      import('../../store/incidents.js'),
    ]);
    const sources = selectSources(opts.source ?? []);
    const file = databasePath(cmd);
    const db = openDatabase(file);
    try {
      let progress: Progress | undefined;
      let current = '';
      const summaries = await runRefresh(sources, incidentSink(db), {
        offlineDir: opts.offline ?? null,
        since,
        keepUnlicensedText: Boolean(opts.keepUnlicensedText),
        onTotal: (source, total) => {
          if (source !== current) {
            progress?.finish();
            current = source;
            progress = new Progress(io, source.padEnd(26), total);
          } else progress?.setTotal(total);
        },
        onItem: (_source, s) => progress?.tick(`new ${s.new}  updated ${s.updated}  unchanged ${s.unchanged}  skipped ${s.skipped}  failed ${s.failed}`),
      });
      progress?.finish();
      if (opts.standalone) compactForCommit(db);
      const totals = countIncidentsBySource(db);

      if (format === 'json') {
        io.out.write(`${JSON.stringify({ database: file, sources: summaries, incidentsBySource: totals }, null, 2)}\n`);
      } else {
        const rows: Cell[][] = summaries.map((s) => [s.source, s.new, s.updated, s.unchanged, s.skipped, s.failed, Number(s.seconds.toFixed(1))]);
        const sum = (k: 'new' | 'updated' | 'unchanged' | 'skipped' | 'failed') => summaries.reduce((n, s) => n + s[k], 0);
        rows.push(['total', sum('new'), sum('updated'), sum('unchanged'), sum('skipped'), sum('failed'), Number(summaries.reduce((n, s) => n + s.seconds, 0).toFixed(1))]);
        io.out.write(format === 'md' ? renderMarkdownTable(SUMMARY_HEADERS, rows) : renderTable(SUMMARY_HEADERS, rows));
        for (const s of summaries) {
          const skipped = Object.entries(s.skippedReasons);
          if (skipped.length > 0) io.out.write(`${s.source}: skipped ${skipped.map(([r, n]) => `${n} ${r}`).join('; ')}\n`);
          for (const failure of s.failures.slice(0, FAILURES_SHOWN)) io.out.write(`${s.source}: failed ${failure}\n`);
          if (s.failures.length > FAILURES_SHOWN) io.out.write(`${s.source}: ... and ${s.failures.length - FAILURES_SHOWN} more failures (--json lists all)\n`);
        }
        io.out.write(`${file}: ${totals.reduce((n, t) => n + t.incidents, 0)} incidents\n`);
      }
      if (summaries.some((s) => s.failures.some((f) => f.startsWith('stopped: ')))) throw new ExitError(1);
    } finally {
      db.close();
    }
  });

  withFormat(program.command('sources').description('list the incident sources and how many incidents each holds in the database')).action(
    async (opts: { format?: string; json?: boolean }, cmd: Command) => {
      const format = outputFormat(opts);
      const [{ allSources }, { openDatabase }, { countIncidentsBySource }] = await Promise.all([
        import('../../sources/registry.js'),
        import('../../store/database.js'),
        import('../../store/incidents.js'),
      ]);
      const file = databasePath(cmd);
      const counts = new Map<string, number>();
      if (existsSync(file)) {
        const db = openDatabase(file, { readonly: true });
        try {
          for (const c of countIncidentsBySource(db)) counts.set(c.source, c.incidents);
        } finally {
          db.close();
        }
      }
      const sources = allSources().map((s) => ({
        name: s.name,
        incidents: counts.get(s.name) ?? 0,
        license: s.license ?? 'none (facts only)',
        offline: s.offlinePath,
        live: s.liveUrl,
        description: s.description,
      }));
      if (format === 'json') {
        io.out.write(`${JSON.stringify(sources, null, 2)}\n`);
        return;
      }
      const headers = ['source', 'incidents', 'license', 'offline path', 'live URL'];
      const rows: Cell[][] = sources.map((s) => [s.name, s.incidents, s.license, s.offline, s.live]);
      if (format === 'csv') {
        const { stringify } = await import('csv-stringify/sync');
        io.out.write(stringify([headers, ...rows.map((r) => r.map((c) => c ?? ''))]));
      } else io.out.write(format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
    },
  );
}

interface RefreshFlags {
  source?: string[];
  since?: string;
  offline?: string;
  keepUnlicensedText?: boolean;
  standalone?: boolean;
  format?: string;
  json?: boolean;
}

function parseSince(value: string | undefined): Date | null {
  if (value === undefined) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidDataError(`--since ${value}: not a date; use YYYY-MM-DD, e.g. --since 2024-01-01`);
  }
  return new Date(`${value}T00:00:00Z`);
}
