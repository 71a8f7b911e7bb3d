import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { LAB_MARKER_KEY } from '../src/core/lab-marker.js';
import { Injector } from '../src/inject/direct.js';
import { startEtcd } from '../test/support/etcd.js';
import { percentile, type Benchmark } from './harness.js';

// Direct injection round trip against a local etcd (started here, single member, temp data dir): read value and
// mod_revision, apply the fault, journal the row (SQLite, WAL), guarded Txn, mark the row written. Then restore
// (read, compare, guarded Txn, mark restored). One Injector, so one gRPC connection and one journal handle.

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'k8s');
const ROUNDS = 300;
const TARGET_MS = 5;

const benchmark: Benchmark = {
  name: 'inject',
  title: 'Direct injection round trip (journal + txn) against local etcd',
  async run() {
    const etcd = await startEtcd();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-inject-bench-'));
    const client = new Etcd3({ hosts: etcd.endpoint });
    const pod = readFileSync(path.join(FIXTURES, 'auger', 'storage', 'pod.bin')).subarray(0, -1);
    const keys = Array.from({ length: 20 }, (_, i) => `/registry/pods/default/pod-${i}`);
    let injector: Injector | undefined;
    try {
      await client.put(LAB_MARKER_KEY).value('{"labId":"bench","createdAt":"2026-01-01T00:00:00Z"}');
      for (const key of keys) await client.put(key).value(pod);
      injector = await Injector.open({ endpoints: [etcd.endpoint] }, { journalPath: path.join(dir, 'journal.sqlite') });
      const injectMs: number[] = [];
      const restoreMs: number[] = [];
      const ids: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const start = performance.now();
        const result = await injector.inject(keys[i % keys.length], { model: 'set', field: 'spec.containers[0].image', variant: 'random-same-length', seed: i });
        injectMs.push(performance.now() - start);
        ids.push(result.id!);
        const restoreStart = performance.now();
        await injector.restore(result.id!);
        restoreMs.push(performance.now() - restoreStart);
      }
      const verdict = (ms: number) => (ms < TARGET_MS ? 'meets' : 'above');
      const row = (label: string, sample: number[]) =>
        `| ${label} | ${sample.length} | ${percentile(sample, 50).toFixed(2)} | ${percentile(sample, 90).toFixed(2)} | ${percentile(sample, 99).toFixed(2)} | ${verdict(percentile(sample, 50))} |`;
      return [
        `Target: median < ${TARGET_MS} ms per injection. Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} (the machine is shared).`,
        '',
        '| operation | n | median ms | p90 ms | p99 ms | target |',
        '|---|---:|---:|---:|---:|---|',
        row('inject: read + set fault + journal + guarded txn + mark written', injectMs),
        row('restore: read + compare + guarded txn + mark restored', restoreMs),
      ].join('\n');
    } finally {
      injector?.close();
      client.close();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
