import path from 'node:path';
import { processIo } from '../src/core/io.js';
import { defaultDatabasePath, stateDir } from '../src/core/paths.js';
import { renderMarkdownTable } from '../src/core/table.js';
import { loadTaxonomy } from '../src/core/taxonomy.js';
import { loadKindCatalog } from '../src/campaign/catalog.js';
import { listResults } from '../src/campaign/results-store.js';
import { loadOutcomeThresholds } from '../src/campaign/thresholds.js';
import { compareReplay } from '../src/replay/compare.js';
import { readReplayIncidents } from '../src/replay/incidents.js';
import { planReplay } from '../src/replay/plan.js';
import { comparisonSections } from '../src/replay/report.js';
import { loadReplayRules } from '../src/replay/rules.js';
import { ALL_INCIDENTS, openStats } from '../src/stats/index.js';
import { openDatabase } from '../src/store/database.js';
import type { Benchmark } from './harness.js';

// The replay of every replayable incident of the committed dataset (data/mutiny.sqlite) on a lab with the
// injection proxy, and its comparison with the field data. Resumable: results accumulate in
// stateDir()/bench/replay.sqlite. MUTINY_BENCH_LAB_DIR reuses a running lab (`mutiny lab up --proxy`); otherwise one
// is brought up and torn down. MUTINY_BENCH_RUNS caps the runs of this invocation (0: only report what is stored).

const benchmark: Benchmark = {
  name: 'replay',
  title: 'Replay: every replayable incident of the committed dataset reproduced on the lab, compared with the field data',
  async run() {
    const { RealLabSession } = await import('../src/campaign/lab-session.js');
    const { runCampaign } = await import('../src/campaign/runner.js');
    const { resetLab } = await import('../src/lab/reset.js');
    const { upLab } = await import('../src/lab/up.js');
    const { downLab } = await import('../src/lab/down.js');
    const io = processIo();
    const taxonomy = loadTaxonomy();
    const rules = loadReplayRules(taxonomy);
    const ctx = openStats(defaultDatabasePath(), taxonomy);
    const incidents = (() => {
      try {
        return readReplayIncidents(ctx, { ids: [], filters: ALL_INCIDENTS });
      } finally {
        ctx.db.close();
      }
    })();
    const replay = planReplay(incidents, rules, loadKindCatalog(), 'replay');
    const maxRuns = process.env.MUTINY_BENCH_RUNS === undefined ? undefined : Number(process.env.MUTINY_BENCH_RUNS);
    const reuse = process.env.MUTINY_BENCH_LAB_DIR;
    const labDir = reuse ?? path.join(stateDir(), 'bench', 'replay-lab');
    const ownLab = !reuse && maxRuns !== 0;
    const db = openDatabase(path.join(stateDir(), 'bench', 'replay.sqlite'));
    const started = Date.now();
    try {
      let ran = 0;
      if (maxRuns !== 0) {
        if (ownLab) await upLab({ dir: labDir, nodes: 2, proxy: true, io });
        const summary = await runCampaign({
          db,
          plan: replay.plan,
          specText: replay.yaml,
          windowSeconds: replay.campaign.spec.observation.windowSeconds,
          thresholds: loadOutcomeThresholds(),
          lab: new RealLabSession(labDir, io, resetLab),
          resultsDir: path.join(stateDir(), 'bench', 'replay-runs'),
          io,
          limit: maxRuns,
        });
        ran = summary.ran;
      }
      const wallSeconds = (Date.now() - started) / 1000;
      // Runs of experiments that left the plan (rules edited since) stay stored; only the current plan counts.
      const planned = new Set([...replay.plan.golden, ...replay.plan.experiments].map((r) => r.id));
      const stored = listResults(db, { campaign: replay.name });
      const results = stored.filter((r) => planned.has(r.experimentId));
      const labMinutes = results.reduce((a, r) => a + r.durationMs, 0) / 60_000;
      const comparison = compareReplay(replay.name, incidents, results, rules);
      const injections = results.filter((r) => r.role === 'injection');
      const [, rate, byFailure, byError, distribution, gaps] = comparisonSections(comparison);
      const judged = comparison.incidents.filter((i) => i.verdict === 'reproduced' || i.verdict === 'not-reproduced');
      const md = (s: (typeof rate)) => [renderMarkdownTable(s.table.headers, s.table.rows), ...s.table.notes.map((n) => `_${n}_`)].join('\n\n');
      return [
        renderMarkdownTable(
          ['figure', 'value'],
          [
            ['incidents in the dataset (single-incident reports)', incidents.length],
            ['replayable (error code with a rule) / not', `${replay.replayed.length} / ${replay.notReplayed.length}`],
            ['experiments stored (+ golden runs) of planned', `${injections.length} (+ ${results.length - injections.length}) of ${replay.plan.experiments.length} (+ ${replay.plan.golden.length})`],
            ['runs this invocation, wall time', `${ran} in ${(wallSeconds / 60).toFixed(1)} min`],
            ['lab time of the counted runs (incl. resets)', `${labMinutes.toFixed(1)} min (${stored.length - results.length} stored runs of experiments no longer planned left out)`],
            ['verdicts', Object.entries(comparison.verdicts).map(([v, n]) => `${n} ${v}`).join(', ')],
          ],
        ),
        '### Reproduction rate',
        md(rate),
        '### By failure class',
        md(byFailure),
        '### By error code',
        md(byError),
        '### Field vs injection failure shares',
        md(distribution),
        '### Incident patterns no injection produced',
        md(gaps),
        '### Judged incidents',
        renderMarkdownTable(
          ['incident', 'failure/client', 'verdict', 'best run'],
          judged.map((i) => [
            i.incident.id,
            `${i.incident.failure}/${i.incident.client}`,
            i.verdict,
            i.best ? `${i.best.workload} ${i.best.kind} ${i.best.field ?? '(whole object)'} ${i.best.model}${i.best.variant ? ` ${i.best.variant}` : ''}: ${i.best.failure}/${i.best.client}` : '',
          ]),
        ),
      ].join('\n\n');
    } finally {
      db.close();
      if (ownLab) await downLab(labDir).catch(() => undefined);
    }
  },
};

export default benchmark;
