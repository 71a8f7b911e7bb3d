import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderMarkdownTable } from '../src/core/table.js';
import { missingBinaries } from '../src/lab/binaries.js';
import { downLab } from '../src/lab/down.js';
import type { WorkloadSpec } from '../src/lab/observation.js';
import { resetLab, type ResetResult } from '../src/lab/reset.js';
import { labProcesses, readLabStateIfPresent } from '../src/lab/state.js';
import { upLab } from '../src/lab/up.js';
import { runWorkload } from '../src/lab/workloads.js';
import { percentile, type Benchmark } from './harness.js';

// Runs per workload (the issue asks for 20); MUTINY_BENCH_RUNS lowers it for a quick look.
const RUNS = Number(process.env.MUTINY_BENCH_RUNS ?? 20);
const UP_RUNS = 3;

/** Sum of the resident memory (VmRSS, KiB) of the lab's running processes, from /proc. */
function labRssKiB(dir: string): number {
  const state = readLabStateIfPresent(dir);
  if (!state) return 0;
  let total = 0;
  for (const [, p] of labProcesses(state)) {
    try {
      const m = readFileSync(`/proc/${p.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      total += m ? Number(m[1]) : 0;
    } catch {
      // exited between reading lab.json and /proc
    }
  }
  return total;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const s = (v: number) => `${v.toFixed(1)} s`;

const bench: Benchmark = {
  name: 'lab',
  title: 'Lab: control plane start, reset, workload convergence, memory',
  async run() {
    const missing = missingBinaries();
    if (missing.length > 0) throw new Error(`lab binaries missing (${missing.join(', ')}); run \`mutiny lab build\``);
    const root = mkdtempSync(path.join(os.tmpdir(), 'mutiny-lab-bench-'));
    const dir = path.join(root, 'lab');
    let peakKiB = 0;
    const sampler = setInterval(() => (peakKiB = Math.max(peakKiB, labRssKiB(dir))), 250);
    try {
      const ups: number[] = [];
      for (let i = 0; i < UP_RUNS; i++) {
        const started = Date.now();
        await upLab({ dir, nodes: 3 });
        ups.push((Date.now() - started) / 1000);
        if (i < UP_RUNS - 1) await downLab(dir);
      }
      const state = readLabStateIfPresent(dir)!;
      const idleKiB = labRssKiB(dir);
      const workloads: Array<{ label: string; spec: WorkloadSpec }> = [
        { label: 'Deploy (3 replicas)', spec: { kind: 'deploy', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 120_000 } },
        { label: 'Scale (3 -> 6 -> 3)', spec: { kind: 'scale', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 120_000 } },
        { label: 'Failover, delete pods (3)', spec: { kind: 'failover', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 120_000 } },
        {
          label: 'Failover, NotReady node (3)',
          spec: { kind: 'failover', failover: 'node-not-ready', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 120_000 },
        },
      ];
      const rows: Array<Array<string | number>> = [];
      const resets: ResetResult[] = [];
      for (const { label, spec } of workloads) {
        const times: number[] = [];
        let failures = 0;
        for (let i = 0; i < RUNS; i++) {
          const o = await runWorkload(state, spec);
          if (o.converged && o.convergenceMs !== null) times.push(o.convergenceMs);
          else failures++;
          resets.push(await resetLab(state));
        }
        rows.push([label, `${times.length}/${RUNS}`, ms(percentile(times, 50)), ms(percentile(times, 95)), ms(Math.max(...times)), failures === 0 ? '' : `${failures} did not converge`]);
      }
      const byMethod = (m: string) => resets.filter((r) => r.attempts.length === 1 && r.method === m).map((r) => r.seconds);
      const fallback = resets.filter((r) => r.attempts.length > 1).map((r) => r.seconds);
      const nsResets = byMethod('namespace');
      const snapshotOnly: number[] = [];
      for (let i = 0; i < 5; i++) snapshotOnly.push((await resetLab(state, { method: 'snapshot' })).seconds);
      const mismatches = resets.filter((r) => !r.matches).length;
      clearInterval(sampler);
      peakKiB = Math.max(peakKiB, labRssKiB(dir));
      await downLab(dir);
      const out: string[] = [];
      out.push(
        renderMarkdownTable(
          ['measure', 'value', 'target'],
          [
            ['lab up (3 kwok nodes, binaries cached)', `median ${s(percentile(ups, 50))} (${ups.map(s).join(', ')})`, '< 60 s'],
            [`lab reset, namespace (${nsResets.length} runs)`, `p50 ${s(percentile(nsResets, 50))}, p95 ${s(percentile(nsResets, 95))}`, '< 10 s'],
            [`lab reset, auto falling back to snapshot (${fallback.length} runs)`, fallback.length ? `p50 ${s(percentile(fallback, 50))}, p95 ${s(percentile(fallback, 95))}` : 'n/a', ''],
            [`lab reset, snapshot restore (5 runs)`, `p50 ${s(percentile(snapshotOnly, 50))}, p95 ${s(percentile(snapshotOnly, 95))}`, '< 10 s'],
            ['resets not matching the golden digest', String(mismatches), '0'],
            ['lab memory, idle after up (sum of RSS)', `${Math.round(idleKiB / 1024)} MiB`, ''],
            ['lab memory, peak during the runs (sum of RSS, sampled every 250 ms)', `${Math.round(peakKiB / 1024)} MiB`, ''],
          ],
        ),
      );
      out.push('', `Convergence per workload (${RUNS} runs each, time from the start of the run to its last phase converging; the lab is reset between runs):`, '');
      out.push(renderMarkdownTable(['workload', 'converged', 'p50', 'p95', 'max', 'notes'], rows));
      out.push(
        '',
        'Pods are simulated by kwok (no containers run). Failover by NotReady node includes the 5 s not-ready toleration and the node recovery phase; when a CoreDNS pod ran on the failed node it is evicted too, and the reset then falls back to a snapshot restore.',
      );
      return out.join('\n');
    } finally {
      clearInterval(sampler);
      await downLab(dir);
      rmSync(root, { recursive: true, force: true });
    }
  },
};

export default bench;
