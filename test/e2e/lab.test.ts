import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_MARKER_KEY } from '../../src/core/lab-marker.js';
import { memoryIo } from '../../src/core/io.js';
import { run } from '../../src/cli/main.js';
import { downLab } from '../../src/lab/down.js';
import { etcdctl } from '../../src/lab/etcd.js';
import { readGoldenDigest } from '../../src/lab/golden.js';
import type { Observation } from '../../src/lab/observation.js';
import { isRunning } from '../../src/lab/processes.js';
import { resetLab } from '../../src/lab/reset.js';
import { labProcesses, readLabStateIfPresent, type LabState } from '../../src/lab/state.js';
import { upLab } from '../../src/lab/up.js';
import { InterruptedError } from '../../src/lab/wait.js';
import { runWorkload } from '../../src/lab/workloads.js';
import { labAvailable } from '../support/lab-gate.js';

const last = (o: Observation) => o.samples[o.samples.length - 1];

describe.runIf(labAvailable('lab e2e test'))('lab end to end (real etcd, kube-apiserver, kcm, scheduler, kwok)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mutiny-lab-e2e-'));
  const dir = path.join(root, 'lab');
  let state: LabState;
  let pids: number[] = [];

  beforeAll(async () => {
    state = await upLab({ dir, nodes: 3 });
    pids = labProcesses(state).map(([, p]) => p.pid);
  }, 180_000);

  afterAll(async () => {
    await downLab(dir);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('starts every component, writes the marker key and records a golden state', async () => {
    expect(state.status).toBe('up');
    expect(labProcesses(state).map(([c]) => c)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
    expect(labProcesses(state).every(([, p]) => isRunning(p))).toBe(true);
    const marker = await etcdctl(state.binaries.etcdctl, state.etcdClientUrl, ['get', LAB_MARKER_KEY, '--print-value-only']);
    expect(JSON.parse(marker)).toEqual({ labId: state.labId, createdAt: state.createdAt });
    expect(state.golden?.objects).toBeGreaterThan(100);
    const io = memoryIo();
    expect(await run(['lab', 'status', '--dir', dir, '--json'], io)).toBe(0);
    const status = JSON.parse(io.stdout()) as { components: Array<{ component: string; running: boolean; healthy: boolean }> };
    expect(status.components.map((c) => [c.component, c.running, c.healthy])).toEqual([
      ['etcd', true, true],
      ['kube-apiserver', true, true],
      ['kube-controller-manager', true, true],
      ['kube-scheduler', true, true],
      ['kwok', true, true],
    ]);
  });

  it('Deploy converges to exactly 3 ready replicas, pods and endpoints', async () => {
    const o = await runWorkload(state, { kind: 'deploy', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 60_000 });
    expect(o.converged).toBe(true);
    const s = last(o);
    expect(s.deployment).toMatchObject({ desired: 3, updated: 3, ready: 3, available: 3 });
    expect(s.pods).toMatchObject({ total: 3, ready: 3, terminating: 0, byPhase: { Running: 3 } });
    expect(Object.values(s.pods.byNode).reduce((a, b) => a + b, 0)).toBe(3);
    expect(s.service.endpointsReady).toHaveLength(3);
    expect(s.service.sliceReady).toEqual(s.service.endpointsReady);
    expect(s.nodes).toEqual({ total: 3, ready: 3, notReady: [] });
    expect(o.apiCalls.filter((c) => !c.ok)).toEqual([]);
  }, 90_000);

  it('Scale goes to 6 and back to exactly 3', async () => {
    const o = await runWorkload(state, { kind: 'scale', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 60_000 });
    expect(o.converged).toBe(true);
    expect(o.phases.map((p) => [p.name, p.convergedAt !== null])).toEqual([
      ['settle', true],
      ['scale-up', true],
      ['scale-down', true],
    ]);
    expect(o.samples.some((s) => s.pods.ready === 6 && s.service.endpointsReady.length === 6)).toBe(true);
    expect(last(o).pods).toMatchObject({ total: 3, ready: 3, terminating: 0 });
    expect(last(o).service.sliceReady).toHaveLength(3);
  }, 90_000);

  it('Failover by deleting pods replaces all 3 and the endpoints follow', async () => {
    const o = await runWorkload(state, { kind: 'failover', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 60_000 });
    expect(o.converged).toBe(true);
    expect(o.apiCalls.filter((c) => c.operation === 'delete pod')).toHaveLength(3);
    expect(last(o).pods).toMatchObject({ total: 3, ready: 3 });
    expect(last(o).service.endpointsReady).toHaveLength(3);
  }, 90_000);

  it('Failover by a NotReady kwok node moves the pods off it, then the node recovers', async () => {
    const o = await runWorkload(state, { kind: 'failover', failover: 'node-not-ready', namespace: state.experimentNamespace, replicas: 3, timeoutMs: 90_000 });
    expect(o.converged).toBe(true);
    const failed = o.phases.find((p) => p.name === 'node-recover')?.condition.match(/node (\S+)/)?.[1];
    expect(failed).toMatch(/^kwok-node-\d$/);
    expect(o.samples.some((s) => s.nodes.notReady.includes(failed!))).toBe(true);
    const replaced = o.samples.find((s) => s.t === o.phases.find((p) => p.name === 'node-not-ready')?.convergedAt);
    expect(replaced?.pods.byNode[failed!] ?? 0).toBe(0);
    expect(replaced?.pods.ready).toBe(3);
    expect(last(o).nodes).toEqual({ total: 3, ready: 3, notReady: [] });
  }, 120_000);

  it('reset returns to a state whose digest equals the golden digest', async () => {
    const result = await resetLab(state);
    expect(result.matches).toBe(true);
    expect(result.differences).toEqual([]);
    expect(result.digest).toBe(readGoldenDigest(state)?.digest);
    const again = await resetLab(state, { method: 'snapshot' });
    expect(again.digest).toBe(state.golden?.digest);
  }, 180_000);

  it('down stops every process it started and removes the directory', async () => {
    const io = memoryIo();
    expect(await run(['lab', 'down', '--dir', dir], io)).toBe(0);
    expect(io.stdout()).toContain('stopped etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(readLabStateIfPresent(dir)).toBeUndefined();
  }, 60_000);

  it('an interrupted `lab up` leaves no process and does not block the next one', async () => {
    const controller = new AbortController();
    const interrupted = upLab({ dir, nodes: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 1500);
    await expect(interrupted).rejects.toBeInstanceOf(InterruptedError);
    const leftover = readLabStateIfPresent(dir);
    expect(leftover && labProcesses(leftover).filter(([, p]) => isRunning(p))).toEqual([]);
    const second = await upLab({ dir, nodes: 1 });
    expect(second.status).toBe('up');
    const down = await downLab(dir);
    expect(down.stopped).toHaveLength(5);
    expect(labProcesses(second).filter(([, p]) => isRunning(p))).toEqual([]);
  }, 180_000);

  it('with --proxy, kube-apiserver reaches etcd through `mutiny proxy` and workloads still converge', async () => {
    const proxied = await upLab({ dir, nodes: 1, proxy: true });
    try {
      expect(proxied.apiserverEtcdUrl).not.toBe(proxied.etcdClientUrl);
      expect(proxied.processes.proxy).toBeDefined();
      const o = await runWorkload(proxied, { kind: 'deploy', namespace: proxied.experimentNamespace, replicas: 2, timeoutMs: 60_000 });
      expect(o.converged).toBe(true);
      expect(last(o).service.endpointsReady).toHaveLength(2);
      const health = (await (await fetch(`${proxied.proxyControlUrl}/healthz`)).json()) as { stats: { calls: number } };
      expect(health.stats.calls).toBeGreaterThan(0);
    } finally {
      const down = await downLab(dir);
      expect(down.stopped).toEqual(['etcd', 'proxy', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
    }
  }, 180_000);
});
