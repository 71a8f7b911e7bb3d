import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableEndpoints } from '../../src/campaign/signals.js';
import { downLab } from '../../src/lab/down.js';
import { CLUSTER_DNS_SERVICE, WorkloadObserver } from '../../src/lab/observer.js';
import type { LabState } from '../../src/lab/state.js';
import { upLab } from '../../src/lab/up.js';
import { runWorkload, WORKLOAD_HTTP_PORT } from '../../src/lab/workloads.js';
import { labAvailable } from '../support/lab-gate.js';

// What the observer records of ports and of the cluster DNS on a real control plane, and what the client model
// makes of it: a hand-made EndpointSlice on another port adds no reachable endpoint, and coredns scaled to 0
// leaves none.

describe.runIf(labAvailable('observer lab test'))('observer on the lab: endpoint ports and cluster DNS', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mutiny-observer-lab-'));
  const dir = path.join(root, 'lab');
  let state: LabState;
  let observer: WorkloadObserver;
  let k8s: typeof K8s;
  let kc: K8s.KubeConfig;

  beforeAll(async () => {
    state = await upLab({ dir, nodes: 1 });
    const deployed = await runWorkload(state, { kind: 'deploy', namespace: state.experimentNamespace, replicas: 2, timeoutMs: 60_000 });
    expect(deployed.converged).toBe(true);
    k8s = await import('@kubernetes/client-node');
    kc = new k8s.KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    observer = new WorkloadObserver(k8s, kc, state.experimentNamespace, 'web', { intervalMs: 100 });
    await observer.start();
  }, 180_000);

  afterAll(async () => {
    await observer?.stop();
    await downLab(dir);
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('records each ready workload address on the served port and 2 ready cluster DNS addresses', async () => {
    expect(await observer.waitUntil((s) => s.dns?.ready.length === 2 && s.service.sliceReady.length === 2, 30_000)).not.toBeNull();
    const s = observer.current();
    expect(s.service.sliceReadyPorts).toEqual(s.service.sliceReady.map((ip) => `${ip}:${WORKLOAD_HTTP_PORT}`));
    expect(s.dns?.notReady).toEqual([]);
    expect(reachableEndpoints(s)).toBe(2);
  }, 40_000);

  it('counts no reachable endpoint for a ready address whose slice routes to another port', async () => {
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    await discovery.createNamespacedEndpointSlice({
      namespace: state.experimentNamespace,
      body: {
        metadata: {
          name: 'web-wrong-port',
          // Not the endpointslice controller's, so it leaves this slice alone.
          labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'mutiny-test' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.250.0.1'], conditions: { ready: true } }],
        ports: [{ name: 'http', port: WORKLOAD_HTTP_PORT + 1, protocol: 'TCP' }],
      },
    });
    expect(await observer.waitUntil((s) => s.service.sliceReady.includes('10.250.0.1'), 20_000)).not.toBeNull();
    const s = observer.current();
    expect(s.service.sliceReady).toHaveLength(3);
    expect(s.service.sliceReadyPorts).toContain(`10.250.0.1:${WORKLOAD_HTTP_PORT + 1}`);
    expect(reachableEndpoints(s)).toBe(2);
  }, 30_000);

  it('sees the cluster DNS lose every ready address when coredns is scaled to 0, and the workload unreachable', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const dns = { name: 'coredns', namespace: CLUSTER_DNS_SERVICE.namespace };
    const scale = await apps.readNamespacedDeploymentScale(dns);
    await apps.replaceNamespacedDeploymentScale({ ...dns, body: { ...scale, spec: { replicas: 0 } } });
    expect(await observer.waitUntil((s) => s.dns?.ready.length === 0, 30_000)).not.toBeNull();
    const s = observer.current();
    expect(s.dns?.ready).toEqual([]);
    expect(s.pods.ready).toBe(2);
    expect(reachableEndpoints(s)).toBe(0);
  }, 40_000);
});
