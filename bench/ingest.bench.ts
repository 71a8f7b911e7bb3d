import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { k8sFailureStoriesSource } from '../src/sources/k8s-failure-stories.js';
import { runRefresh, type SourceSummary } from '../src/sources/refresh.js';
import { allSources } from '../src/sources/registry.js';
import type { Source } from '../src/sources/source.js';
import { openDatabase } from '../src/store/database.js';
import { incidentSink } from '../src/store/incidents.js';
import { peakRssMiB, type Benchmark } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The real offline inputs (shared/datasets next to the repository, or MUTINY_DATASETS), else the test fixtures.
const datasets = [process.env.MUTINY_DATASETS, path.resolve(root, '..', 'shared', 'datasets'), path.join(root, 'test', 'fixtures', 'sources', 'datasets')].find(
  (d): d is string => Boolean(d && existsSync(d)),
)!;
const SYNTHETIC_ENTRIES = 20_000;

/** Refreshes `sources` from `offlineDir` into a fresh database twice (all new, then all unchanged). */
async function measure(sources: Source[], offlineDir: string, dir: string, name: string) {
  const db = openDatabase(path.join(dir, `${name}.sqlite`));
  const run = async () => {
    const started = process.hrtime.bigint();
    const summaries = await runRefresh(sources, incidentSink(db), { offlineDir, since: null });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const items = (s: SourceSummary[]) => s.reduce((n, x) => n + x.new + x.updated + x.unchanged, 0);
    return { seconds, records: items(summaries), perSecond: items(summaries) / seconds };
  };
  const first = await run();
  const second = await run();
  const incidents = (db.prepare('SELECT COUNT(*) AS n FROM incidents').get() as { n: number }).n;
  db.close();
  return { first, second, incidents };
}

/** Offline refresh throughput: the real datasets and a synthetic 20,000-entry failure-stories list. */
const bench: Benchmark = {
  name: 'ingest',
  title: 'Offline refresh throughput (incidents/s into a temporary database)',
  async run() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-ingest-'));
    // The machine may be shared: the load says how much of it this run had.
    const load = os.loadavg()[0];
    try {
      const real = await measure(allSources(), datasets, dir, 'real');

      const synthetic = path.join(dir, 'synthetic');
      mkdirSync(path.join(synthetic, 'k8s-failure-stories'), { recursive: true });
      const lines = ['# Kubernetes Failure Stories', ''];
      for (let i = 0; i < SYNTHETIC_ENTRIES; i++) {
        lines.push(
          `* [Story ${i}: etcd and the kubelet - Org ${i % 301} - blog post ${2015 + (i % 10)}](https://example.com/${i % 97}/story-${i})`,
          `    * involved: AWS, etcd, kubelet, CoreDNS, \`OOMKill\`, Ingress ${i % 13}`,
          `    * impact: production outage for ${i % 120} minutes`,
        );
      }
      writeFileSync(path.join(synthetic, 'k8s-failure-stories', 'README.md'), `${lines.join('\n')}\n\n# Why\n`);
      const big = await measure([k8sFailureStoriesSource()], synthetic, dir, 'synthetic');

      const row = (label: string, m: Awaited<ReturnType<typeof measure>>) => [
        `| ${label}, first run (all new) | ${m.first.records} | ${m.first.seconds.toFixed(2)} | ${Math.round(m.first.perSecond)} |`,
        `| ${label}, second run (all unchanged) | ${m.second.records} | ${m.second.seconds.toFixed(2)} | ${Math.round(m.second.perSecond)} |`,
      ];
      return [
        `Inputs: \`${path.relative(root, datasets) || datasets}\` (every offline source; ${real.incidents} incidents after merging) and a synthetic`,
        `Kubernetes Failure Stories list of ${SYNTHETIC_ENTRIES.toLocaleString('en')} entries. Each record is its own transaction (WAL,`,
        'synchronous=NORMAL), as in a real refresh. Records = source records written or found unchanged.',
        '',
        '| input | records | seconds | records/s |',
        '| --- | ---: | ---: | ---: |',
        ...row('shared datasets', real),
        ...row('synthetic list', big),
        '',
        `Peak RSS ${peakRssMiB().toFixed(0)} MiB; 1-minute load average ${load.toFixed(1)} when the run started (${os.cpus().length} CPUs).`,
        'The database has every migration, so the statistics triggers (FTS, per-incident facts) run on each write.',
      ].join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
