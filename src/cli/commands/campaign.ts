import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import path from 'node:path';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { stateDir } from '../../core/paths.js';
import { formatDuration } from '../../core/progress.js';
import { renderMarkdownTable, renderTable, type Cell } from '../../core/table.js';
import type { CampaignPlan } from '../../campaign/plan.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

/** `mutiny campaign plan|run`: expand a campaign spec into experiments, and run them on the lab. */
export function registerCampaign(program: Command, io: Io): void {
  const campaign = program.command('campaign').description('injection campaigns: plan experiments from a spec and run them on the lab');

  withFormat(
    campaign
      .command('plan')
      .argument('<file>', 'campaign spec (YAML, kind: Campaign)')
      .option('--reset-seconds <n>', 'assumed lab reset time per run for the estimate', '6')
      .description('expand a campaign into experiments (stable ids) and estimate its duration'),
  ).action(async (file: string, opts: { resetSeconds: string; format?: string; json?: boolean }) => {
    const format = outputFormat(opts);
    const resetSeconds = Number(opts.resetSeconds);
    if (!Number.isFinite(resetSeconds) || resetSeconds < 0) throw new InvalidDataError(`--reset-seconds ${opts.resetSeconds}: must be a non-negative number`);
    const { loadCampaign, planCampaign, loadKindCatalog } = await loadPlanning();
    const parsed = loadCampaign(file);
    const plan = planCampaign(parsed.campaign, loadKindCatalog(), parsed.locate, { resetSeconds });
    if (format === 'json') {
      io.out.write(`${JSON.stringify(plan, null, 2)}\n`);
      return;
    }
    const headers = ['id', 'workload', 'target', 'field', 'fault', 'channel', 'trigger', 'rep', 'error'];
    const rows: Cell[][] = plan.experiments.map((e) => [
      e.id,
      e.workload.kind,
      e.target.kind + (e.target.namePrefix ? ` ${e.target.namePrefix}*` : ''),
      e.fault.field ?? '(whole object)',
      `${e.fault.model}${e.fault.variant ? ` ${e.fault.variant}` : ''} seed ${e.fault.seed}`,
      e.channel,
      `nth ${e.trigger.nth}${e.trigger.everyForMs ? ` every ${e.trigger.everyForMs}ms` : ''}${e.trigger.delayMs ? ` +${e.trigger.delayMs}ms` : ''}`,
      e.repetition,
      e.errorCode,
    ]);
    if (format === 'csv') {
      io.out.write(stringify([headers, ...rows]));
      return;
    }
    io.out.write(format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows));
    io.out.write(`${planSummary(plan)}\n`);
  });

  campaign
    .command('run')
    .argument('<file>', 'campaign spec (YAML, kind: Campaign)')
    .option('--lab-dir <dir>', 'the lab to run on (`mutiny lab up --proxy`; default: stateDir()/lab)')
    .option('--results-dir <dir>', 'where observation series and injection logs go (default: stateDir()/campaigns/NAME)')
    .option('--limit <n>', 'stop after this many runs (resume later with the same command)')
    .description('run a campaign on the lab: golden runs, then each unfinished experiment; resumable')
    .action(async (file: string, opts: { labDir?: string; resultsDir?: string; limit?: string }, cmd: Command) => {
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new InvalidDataError(`--limit ${opts.limit}: must be a positive integer`);
      const { loadCampaign, planCampaign, loadKindCatalog } = await loadPlanning();
      const parsed = loadCampaign(file);
      const plan = planCampaign(parsed.campaign, loadKindCatalog(), parsed.locate);
      const { runCampaign } = await import('../../campaign/runner.js');
      const { RealLabSession } = await import('../../campaign/lab-session.js');
      const { defaultLabDir } = await import('../../lab/state.js');
      const { resetLab } = await import('../../lab/reset.js');
      const { loadOutcomeThresholds } = await import('../../campaign/thresholds.js');
      const { openDatabase } = await import('../../store/database.js');
      const lab = new RealLabSession(opts.labDir ?? defaultLabDir(), io, resetLab);
      lab.requireChannels(parsed.campaign.spec.channels);
      const resultsDir = path.resolve(opts.resultsDir ?? path.join(stateDir(), 'campaigns', plan.campaign));
      io.err.write(`${planSummary(plan)}\nresults: ${resultsDir}\n`);
      const db = openDatabase(databasePath(cmd));
      const abort = new AbortController();
      const onSignal = () => {
        io.err.write('\ninterrupted: finishing the current run without recording it; run the same command to resume\n');
        abort.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const summary = await runCampaign({
          db,
          plan,
          specText: readFileSync(file, 'utf8'),
          windowSeconds: parsed.campaign.spec.observation.windowSeconds,
          thresholds: loadOutcomeThresholds(),
          lab,
          resultsDir,
          io,
          limit,
          signal: abort.signal,
        });
        const perHour = summary.ran > 0 ? (3600 * summary.ran) / summary.seconds : 0;
        io.out.write(
          `campaign ${plan.campaign}: ${summary.status}; ${summary.ran} runs in ${formatDuration(summary.seconds)} (${perHour.toFixed(0)} runs/hour), ` +
            `${summary.skipped} already done, ${summary.stuck} stuck, ${summary.rebuilds} lab rebuilds\n` +
            `see: mutiny results --campaign ${plan.campaign}\n`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        db.close();
      }
    });
}

// The spec parser, the planner and the kind catalog (protobuf schemas) load on use, so `mutiny` starts fast.
async function loadPlanning() {
  const [{ loadCampaign }, { planCampaign }, { loadKindCatalog }] = await Promise.all([
    import('../../campaign/spec.js'),
    import('../../campaign/plan.js'),
    import('../../campaign/catalog.js'),
  ]);
  return { loadCampaign, planCampaign, loadKindCatalog };
}

function planSummary(plan: CampaignPlan): string {
  const lines = [
    `campaign ${plan.campaign}: ${plan.experiments.length} experiments + ${plan.golden.length} golden runs; estimated ${formatDuration(plan.estimate.seconds)} (${plan.estimate.assumption})`,
  ];
  if (plan.skippedPairs.length > 0) lines.push(`fault/channel pairs that cannot go together, skipped: ${plan.skippedPairs.join(', ')}`);
  return lines.join('\n');
}
