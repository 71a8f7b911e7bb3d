import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { outputFormat, withFormat } from '../options.js';
import { writeSections } from './replay.js';
import { openStatsFor, readFilters, withFilters } from './stats.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `mutiny compare`: which field incidents a campaign reproduced, and field vs injection failure shares. */
export function registerCompare(program: Command, io: Io): void {
  withFormat(
    withFilters(
      program
        .command('compare')
        .description('per incident: reproduced or not by a linked experiment (best match); rates beside the paper\'s 54/81; field vs injection failure shares, distance, chi-square, gaps')
        .option('--campaign <name>', 'campaign whose results to compare (default: the newest replay* campaign, else the newest)')
        .option('--id <ID>', 'only this incident (repeatable); default: every incident matching the filters', collect)
        .option('--rules <file>', 'replay rules that link experiments to incidents (default: taxonomy/replay-rules.yaml)')
        .option('--results-db <file>', 'read the campaign results from this database instead of --db (e.g. a benchmark\'s)'),
    ),
  ).action(async (opts: { campaign?: string; id?: string[]; rules?: string; resultsDb?: string; where?: string[]; format?: string; json?: boolean }, cmd: Command) => {
    const format = outputFormat(opts);
    const filters = await readFilters(opts);
    const [{ loadTaxonomy }, { loadReplayRules }, { readReplayIncidents }, { compareReplay }, { chooseCampaign, readCampaignResults }, { comparisonSections }] = await Promise.all([
      import('../../core/taxonomy.js'),
      import('../../replay/rules.js'),
      import('../../replay/incidents.js'),
      import('../../replay/compare.js'),
      import('../../replay/campaign-results.js'),
      import('../../replay/report.js'),
    ]);
    const taxonomy = loadTaxonomy();
    const rules = opts.rules ? loadReplayRules(taxonomy, opts.rules) : loadReplayRules(taxonomy);
    const ctx = await openStatsFor(cmd, io);
    const resultsDb = opts.resultsDb ? (await import('../../store/database.js')).openDatabase(opts.resultsDb, { readonly: true }) : ctx.db;
    try {
      const campaign = chooseCampaign(resultsDb, opts.campaign);
      if (!campaign) throw new InvalidDataError(`${resultsDb.name}: no campaign results; plan one with \`mutiny replay plan --out replay.yaml\` and run it with \`mutiny campaign run replay.yaml\``);
      const comparison = compareReplay(campaign, readReplayIncidents(ctx, { ids: opts.id ?? [], filters }), readCampaignResults(resultsDb, campaign), rules);
      if (format === 'json') {
        io.out.write(`${JSON.stringify(comparison, null, 2)}\n`);
        return;
      }
      writeSections(io, comparisonSections(comparison), format);
    } finally {
      if (resultsDb !== ctx.db) resultsDb.close();
      ctx.db.close();
    }
  });
}
