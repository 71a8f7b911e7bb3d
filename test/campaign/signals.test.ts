import { describe, expect, it } from 'vitest';
import { reachableEndpoints, signalsFromObservation } from '../../src/campaign/signals.js';
import type { ClusterDnsSample, Observation, ObservationSample } from '../../src/lab/observation.js';
import { WORKLOAD_HTTP_PORT } from '../../src/lab/workloads.js';

// The client model of signalsFromObservation on hand-built series: a client reaches a pod only through a ready
// EndpointSlice address on the port the pods serve, and only while the cluster DNS has a ready address.

const PODS = ['10.244.0.1', '10.244.0.2', '10.244.0.3'];
const DNS_UP: ClusterDnsSample = { ready: ['10.244.1.1', '10.244.1.2'], notReady: [] };
const DNS_DOWN: ClusterDnsSample = { ready: [], notReady: [] };

/** A Deploy of 3 whose pods are all ready; the Service's ready slice addresses and their ports as given. */
function sample(t: number, extra: { ports?: string[]; dns?: ClusterDnsSample } = {}): ObservationSample {
  return {
    t,
    deployment: { generation: 1, observedGeneration: 1, desired: 3, updated: 3, ready: 3, available: 3, unavailable: 0 },
    pods: { total: 3, byPhase: { Running: 3 }, ready: 3, terminating: 0, byNode: { 'kwok-node-0': 3 } },
    service: {
      endpointsReady: PODS,
      endpointsNotReady: [],
      sliceReady: PODS,
      sliceNotReady: [],
      ...(extra.ports ? { sliceReadyPorts: extra.ports } : {}),
    },
    nodes: { total: 3, ready: 3, notReady: [] },
    ...(extra.dns ? { dns: extra.dns } : {}),
  };
}

function observation(samples: ObservationSample[]): Observation {
  return {
    apiVersion: 'mutiny/v1alpha1',
    kind: 'Observation',
    spec: { kind: 'deploy', namespace: 'mutiny', replicas: 3, timeoutMs: 10_000 },
    startedAt: '2026-11-25T23:00:00.000Z',
    durationMs: 10_000,
    converged: true,
    convergenceMs: 1000,
    phases: [],
    samples,
    apiCalls: [{ t: 0, operation: 'create deployment', ok: true, latencyMs: 3 }],
    watchErrors: [],
  };
}

const endpointsOf = (o: Observation) => signalsFromObservation(o, { windowMs: 10_000 }).samples.map((s) => [s.t, s.endpoints, s.staleEndpoints]);
const served = (ips: string[], port = WORKLOAD_HTTP_PORT) => ips.map((ip) => `${ip}:${port}`);

describe('signalsFromObservation client model', () => {
  it('takes the served port from the workload (8080, the container port named http)', () => {
    expect(WORKLOAD_HTTP_PORT).toBe(8080);
  });

  it('counts every ready address on the served port behind a working DNS (the settled lab)', () => {
    const o = observation([sample(0, { ports: served(PODS), dns: DNS_UP }), sample(5000, { ports: served(PODS), dns: DNS_UP })]);
    expect(endpointsOf(o)).toEqual([
      [0, 3, 0],
      [5000, 3, 0],
    ]);
  });

  it('drops the endpoints whose slice port is not the served one (8080 -> 8081)', () => {
    const o = observation([
      sample(0, { ports: served(PODS), dns: DNS_UP }),
      sample(2000, { ports: [...served(PODS.slice(0, 1)), ...served(PODS.slice(1), 8081)], dns: DNS_UP }),
      sample(4000, { ports: served(PODS, 8081), dns: DNS_UP }),
    ]);
    expect(endpointsOf(o)).toEqual([
      [0, 3, 0],
      [2000, 1, 0],
      [4000, 0, 0],
    ]);
  });

  it('counts an address once when one of its slice ports is the served one', () => {
    const ports = [...served(PODS), ...served(PODS, 9090)];
    expect(reachableEndpoints(sample(0, { ports, dns: DNS_UP }))).toBe(3);
  });

  it('counts no endpoint at all while the cluster DNS has no ready address', () => {
    const o = observation([
      sample(0, { ports: served(PODS), dns: DNS_UP }),
      sample(3000, { ports: served(PODS), dns: DNS_DOWN }),
      sample(3001, { ports: served(PODS), dns: { ready: [], notReady: ['10.244.1.1'] } }),
      sample(7000, { ports: served(PODS), dns: { ready: ['10.244.1.3'], notReady: [] } }),
    ]);
    expect(endpointsOf(o)).toEqual([
      [0, 3, 0],
      [3000, 0, 0],
      [3001, 0, 0],
      [7000, 3, 0],
    ]);
  });

  it('reads an observation recorded before ports and DNS were observed exactly as before', () => {
    const old = sample(0);
    expect(old.service.sliceReadyPorts).toBeUndefined();
    expect(old.dns).toBeUndefined();
    const o = observation([old, { ...sample(4000), service: { ...old.service, sliceReady: PODS.slice(0, 2) } }]);
    expect(endpointsOf(o)).toEqual([
      [0, 3, 0],
      [4000, 2, 0],
    ]);
  });

  it('keeps counting ready slice addresses of an observation with ports but no DNS, and vice versa', () => {
    expect(reachableEndpoints(sample(0, { ports: served(PODS.slice(0, 2)) }))).toBe(2);
    expect(reachableEndpoints(sample(0, { dns: DNS_UP }))).toBe(3);
    expect(reachableEndpoints(sample(0, { dns: DNS_DOWN }))).toBe(0);
  });

  it('reads IPv6 endpoints by their last colon', () => {
    const v6 = ['fd00::1', 'fd00::2'];
    expect(reachableEndpoints(sample(0, { ports: [...served(v6.slice(0, 1)), ...served(v6.slice(1), 8081)], dns: DNS_UP }))).toBe(1);
  });

  it('counts reachable endpoints beyond the ready pods as stale', () => {
    const four = [...PODS, '10.244.0.9'];
    const s = { ...sample(0, { ports: served(four), dns: DNS_UP }) };
    s.service = { ...s.service, sliceReady: four };
    expect(endpointsOf(observation([s]))).toEqual([[0, 4, 1]]);
  });
});
