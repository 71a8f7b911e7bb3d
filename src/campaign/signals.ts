import type { Observation, ObservationSample } from '../lab/observation.js';
import { WORKLOAD_HTTP_PORT } from '../lab/workloads.js';
import type { RunSignals, SignalSample } from './outcome.js';

/** API calls whose operation starts with this are the observer's liveness probes, not workload writes. */
const PROBE_PREFIX = 'probe';

/**
 * The endpoints a client of the workload can reach at one sample: the ready addresses of the Service's
 * EndpointSlices that are routed to the port the pods serve (WORKLOAD_HTTP_PORT; an address routed only to
 * another port refuses the connection), and none at all while the cluster DNS has no ready address (the client
 * cannot resolve the Service name). A sample recorded before ports or DNS were observed counts every ready
 * slice address, as it did then.
 */
export function reachableEndpoints(sample: Pick<ObservationSample, 'service' | 'dns'>): number {
  if (sample.dns && sample.dns.ready.length === 0) return 0;
  const { sliceReady, sliceReadyPorts } = sample.service;
  if (sliceReadyPorts === undefined) return new Set(sliceReady).size;
  const served = sliceReadyPorts.flatMap((endpoint) => {
    const colon = endpoint.lastIndexOf(':'); // last: an IPv6 address has colons of its own
    return Number(endpoint.slice(colon + 1)) === WORKLOAD_HTTP_PORT ? [endpoint.slice(0, colon)] : [];
  });
  return new Set(served).size;
}

/**
 * Reduces a lab observation to what the outcome classifier compares (pure). Endpoints are the reachable ones
 * (reachableEndpoints: ready EndpointSlice addresses on the served port, behind a working cluster DNS), which is
 * what kube-proxy routes a resolved Service name to; reachable endpoints beyond the ready pods are counted as
 * stale (a client sent there reaches a pod that is gone or not ready). The API is taken as up or down from the
 * latest API call at or before each instant; samples are added at API calls so outages are timed exactly.
 */
export function signalsFromObservation(observation: Observation, options: { windowMs: number; injectedAtMs?: number; reconciling?: boolean }): RunSignals {
  const states = [...observation.samples].sort((a, b) => a.t - b.t);
  const calls = [...observation.apiCalls].sort((a, b) => a.t - b.t);
  const times = [...new Set([...states.map((s) => s.t), ...calls.map((c) => c.t)])].filter((t) => t <= options.windowMs).sort((a, b) => a - b);
  const samples: SignalSample[] = [];
  let si = -1;
  let ci = -1;
  for (const t of times) {
    while (si + 1 < states.length && states[si + 1].t <= t) si++;
    while (ci + 1 < calls.length && calls[ci + 1].t <= t) ci++;
    if (si < 0) continue;
    const s = states[si];
    const ready = s.pods.ready;
    const endpoints = reachableEndpoints(s);
    samples.push({
      t,
      apiOk: ci < 0 ? true : calls[ci].ok,
      pods: s.pods.total - s.pods.terminating,
      ready,
      endpoints,
      staleEndpoints: Math.max(0, endpoints - ready),
      nodesReady: s.nodes.ready,
      nodesTotal: s.nodes.total,
    });
  }
  const writes = observation.apiCalls.filter((c) => !c.operation.startsWith(PROBE_PREFIX));
  return {
    intended: observation.spec.replicas,
    windowMs: options.windowMs,
    injectedAtMs: options.injectedAtMs,
    writes: writes.length,
    writeErrors: writes.filter((c) => !c.ok).length,
    reconciling: options.reconciling,
    samples,
  };
}
