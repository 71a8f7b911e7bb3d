import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyFault } from '../src/inject/faults.js';
import { replaceOccurrences, encodeFieldValue, setField } from '../src/k8s/edit.js';
import { locateField } from '../src/k8s/field-path.js';
import { decodeStoredValue, encodeStoredValue, parseStoredValue } from '../src/k8s/value.js';
import type { Benchmark } from './harness.js';

// Decode + mutate one field + re-encode, on one core, for two Pod shapes: the real 2017 GKE pod from auger
// (1.6 kB, the size of a typical single-container pod) and the kubernetes/api fuzzer pod (12 kB, every field
// set: a worst case). 500 distinct values per shape (names and uids differ) so no call sees the same bytes twice in a row.

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'k8s');
const SECONDS = 2;
const TARGET_PER_SECOND = 20_000;

function variants(base: Uint8Array, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => setField(setField(base, 'metadata.name', `pod-${i}-${'x'.repeat(i % 17)}`), 'metadata.uid', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
}

/** Runs `operation` for SECONDS of wall time; returns values per second of this process's CPU time and of wall time. */
function measure(values: Uint8Array[], operation: (value: Uint8Array, i: number) => void): { cpu: number; wall: number } {
  for (let i = 0; i < 2000; i++) operation(values[i % values.length], i);
  let done = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < deadline) {
    for (let j = 0; j < 200; j++, done++) operation(values[done % values.length], done);
  }
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: done / ((cpu.user + cpu.system) / 1e6), wall: done / wallSeconds };
}

const benchmark: Benchmark = {
  name: 'codec',
  title: 'Codec: decode + mutate one field + re-encode (one core)',
  async run() {
    const realPod = readFileSync(path.join(FIXTURES, 'auger', 'storage', 'pod.bin')).subarray(0, -1);
    const fuzzedPod = readFileSync(path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0', 'core.v1.Pod.pb'));
    const shapes: Array<[string, Uint8Array[], string]> = [
      ['real pod (1.6 kB)', variants(realPod, 500), 'spec.containers[0].resources.requests[cpu]'],
      ['fuzzed pod (12 kB, all fields)', variants(fuzzedPod, 500), 'spec.containers[0].resources.limits[limitsKey]'],
    ];
    const rows: string[] = [];
    for (const [label, values, field] of shapes) {
      const bytes = values[0].length;
      // The injection path: parse the envelope, walk to the field, splice the new value, fix enclosing lengths.
      const spliced = measure(values, (value) => {
        const parsed = parseStoredValue(value);
        const location = locateField(parsed, field);
        replaceOccurrences(value, location, encodeFieldValue(location, '0'));
      });
      // A seeded bitflip through applyFault (what the proxy calls per write), including before/after decoding.
      const faulted = measure(values, (value, i) => void applyFault(value, '/registry/pods/default/p', { model: 'bitflip', field, seed: i }));
      // Full object: decode to Kubernetes JSON, change the field, encode the whole object again.
      const full = measure(values, (value) => {
        const object = decodeStoredValue(value) as { spec: { containers: Array<{ resources: { requests?: Record<string, string> } }> } };
        (object.spec.containers[0].resources.requests ??= {}).cpu = '0';
        encodeStoredValue(object);
      });
      const format = (rate: number) => Math.round(rate).toLocaleString('en-US');
      // The target is for the injection path; the other rows are context.
      const row = (operation: string, rate: { cpu: number; wall: number }, targeted: boolean) =>
        `| ${label} | ${operation} | ${bytes} | ${format(rate.cpu)} | ${format(rate.wall)} | ${targeted ? (rate.cpu >= TARGET_PER_SECOND ? 'meets' : 'below') : '-'} |`;
      rows.push(row('splice (parse + locate + set)', spliced, true));
      rows.push(row('applyFault bitflip (+ before/after decode)', faulted, true));
      rows.push(row('full decode to JSON + encode', full, false));
    }
    return [
      `Target: >= ${TARGET_PER_SECOND.toLocaleString('en-US')} values/s on one core for the injection path (splice), counted per second of this process's CPU time; wall-clock rates are lower while the shared machine is busy (load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(', ')}).`,
      '',
      '| values | operation | bytes | values/CPU-s | values/wall-s | target |',
      '|---|---|---:|---:|---:|---|',
      ...rows,
    ].join('\n');
  },
};

export default benchmark;
