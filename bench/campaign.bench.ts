import path from 'node:path';
import { readFileSync } from 'node:fs';
import { processIo } from '../src/core/io.js';
import { PACKAGE_ROOT, stateDir } from '../src/core/paths.js';
import { renderMarkdownTable } from '../src/core/table.js';
import { loadKindCatalog } from '../src/campaign/catalog.js';
import { planCampaign } from '../src/campaign/plan.js';
import { compareWithReference, comparisonTable, loadReferenceCsv, resultTable } from '../src/campaign/report.js';
import { listResults } from '../src/campaign/results-store.js';
import { loadCampaign } from '../src/campaign/spec.js';
import { loadOutcomeThresholds } from '../src/campaign/thresholds.js';
import { openDatabase } from '../src/store/database.js';
import { percentile, type Benchmark } from './harness.js';

// The paper-shaped campaign (campaigns/paper.yaml, >= 300 experiments) on a lab with the injection proxy.
// Resumable like `mutiny campaign run`: results accumulate in stateDir()/bench/campaign.sqlite, so an
// interrupted benchmark continues where it stopped; the figures cover every stored run. MUTINY_BENCH_LAB_DIR
// reuses a running lab (`mutiny lab up --proxy`); otherwise MUTINY_BENCH_LABS labs (default 2) are brought up and
// torn down: the golden runs go first on one lab, then the experiments are sharded over the labs (each run is
// mostly waiting for controllers, so two labs share two cores well). MUTINY_BENCH_RUNS caps the runs of this
// invocation per lab (0: only report what is stored).
const SPEC = path.join(PACKAGE_ROOT, 'campaigns', 'paper.yaml');
const REFERENCE = path.join(PACKAGE_ROOT, 'test', 'fixtures', 'campaign', 'mutiny-dsn24-outcomes.csv');
const TARGET_PER_HOUR = 240;

const benchmark: Benchmark = {
  name: 'campaign',
  title: 'Campaign: paper-shaped injection campaign on the lab (experiments per hour, outcomes vs the paper)',
  async run() {
    const { RealLabSession } = await import('../src/campaign/lab-session.js');
    const { runCampaign } = await import('../src/campaign/runner.js');
    const { resetLab } = await import('../src/lab/reset.js');
    const { upLab } = await import('../src/lab/up.js');
    const { downLab } = await import('../src/lab/down.js');
    const io = processIo();
    const parsed = loadCampaign(SPEC);
    const plan = planCampaign(parsed.campaign, loadKindCatalog(), parsed.locate);
    const maxRuns = process.env.MUTINY_BENCH_RUNS === undefined ? undefined : Number(process.env.MUTINY_BENCH_RUNS);
    const reuse = process.env.MUTINY_BENCH_LAB_DIR;
    const labCount = reuse ? 1 : Number(process.env.MUTINY_BENCH_LABS ?? 2);
    const labDirs = reuse ? [reuse] : Array.from({ length: labCount }, (_, i) => path.join(stateDir(), 'bench', `campaign-lab-${i}`));
    const ownLabs = !reuse && maxRuns !== 0;
    if (ownLabs) await Promise.all(labDirs.map((dir) => upLab({ dir, nodes: 2, proxy: true, io })));
    const db = openDatabase(path.join(stateDir(), 'bench', 'campaign.sqlite'));
    const started = Date.now();
    try {
      let ran = 0;
      if (maxRuns !== 0) {
        const common = {
          db,
          plan,
          specText: readFileSync(SPEC, 'utf8'),
          windowSeconds: parsed.campaign.spec.observation.windowSeconds,
          thresholds: loadOutcomeThresholds(),
          resultsDir: path.join(stateDir(), 'bench', 'campaign-runs'),
          io,
        };
        const sessions = labDirs.map((dir) => new RealLabSession(dir, io, resetLab));
        const finished = new Set(listResults(db, { campaign: plan.campaign }).map((r) => r.experimentId));
        const goldenLeft = plan.golden.filter((g) => !finished.has(g.id)).length;
        if (goldenLeft > 0) ran += (await runCampaign({ ...common, lab: sessions[0], limit: goldenLeft })).ran;
        const shards = await Promise.all(sessions.map((lab, index) => runCampaign({ ...common, lab, limit: maxRuns, shard: { index, count: sessions.length } })));
        ran += shards.reduce((a, s) => a + s.ran, 0);
      }
      const wallSeconds = (Date.now() - started) / 1000;
      const all = listResults(db, { campaign: plan.campaign });
      const experiments = all.filter((r) => r.role === 'injection');
      const seconds = all.map((r) => r.durationMs / 1000);
      const meanSeconds = seconds.reduce((a, b) => a + b, 0) / Math.max(1, seconds.length);
      const perHour = 3600 / meanSeconds;
      const reference = loadReferenceCsv(REFERENCE);
      const table = resultTable(all, ['workload', 'failure', 'client']);
      const sections = [
        renderMarkdownTable(
          ['figure', 'value', 'target'],
          [
            ['experiments stored (+ golden runs) of planned', `${experiments.length} (+ ${all.length - experiments.length}) of ${plan.experiments.length} (+ ${plan.golden.length})`, '>= 300'],
            ['labs in parallel', labDirs.length, ''],
            ['runs this invocation, wall time', `${ran} in ${(wallSeconds / 60).toFixed(1)} min`, ''],
            ['experiments per hour, all labs (runs this invocation / wall time)', ran > 0 ? ((3600 * ran) / wallSeconds).toFixed(0) : 'n/a', `>= ${TARGET_PER_HOUR}`],
            ['experiments per hour, one lab (3600 / mean run time incl. reset)', perHour.toFixed(0), ''],
            ['run time p50 / p95 (s, incl. reset)', `${percentile(seconds, 50).toFixed(1)} / ${percentile(seconds, 95).toFixed(1)}`, ''],
            ['observation window (s)', parsed.campaign.spec.observation.windowSeconds, ''],
            ['not activated (injection never applied)', experiments.filter((r) => r.status === 'not-activated').length, ''],
            ['stuck labs (rebuilt)', experiments.filter((r) => r.status === 'stuck').length, ''],
          ],
        ),
        '### Outcomes (paper layout; client classes modeled from ready endpoints)',
        renderMarkdownTable(table.headers, table.rows),
        ...table.notes.map((n) => `_${n}_`),
        ...(['failure', 'client'] as const).flatMap((d) => {
          const t = comparisonTable(compareWithReference(all, reference, d));
          return [`### ${d === 'failure' ? 'Orchestrator failure' : 'Client failure (modeled)'} shares vs the paper (8,782 runs)`, renderMarkdownTable(t.headers, t.rows), ...t.notes.map((n) => `_${n}_`)];
        }),
      ];
      return sections.join('\n\n');
    } finally {
      db.close();
      if (ownLabs) await Promise.all(labDirs.map((dir) => downLab(dir).catch(() => undefined)));
    }
  },
};

export default benchmark;
