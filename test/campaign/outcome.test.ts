import { describe, expect, it } from 'vitest';
import { classifyOutcome, learnBaseline, type RunSignals, type SignalSample } from '../../src/campaign/outcome.js';
import { loadOutcomeThresholds, parseOutcomeThresholds } from '../../src/campaign/thresholds.js';

const thresholds = loadOutcomeThresholds();
const WINDOW = 30_000;
const STEP = 500;

/** A synthetic run: 3 intended replicas on 2 nodes, sampled every 500 ms; `at` overrides the healthy values. */
function run(at: (t: number) => Partial<SignalSample>, extra: Partial<RunSignals> = {}): RunSignals {
  const samples: SignalSample[] = [];
  for (let t = 0; t < WINDOW; t += STEP) {
    samples.push({ t, apiOk: true, pods: 3, ready: 3, endpoints: 3, staleEndpoints: 0, nodesReady: 2, nodesTotal: 2, ...at(t) });
  }
  return { intended: 3, windowMs: WINDOW, injectedAtMs: 1000, writes: 2, writeErrors: 0, reconciling: true, samples, ...extra };
}

/** A healthy Deploy: pods appear over the first 4 s, all ready and behind the Service from 4 s on. */
const rampUp = (t: number): Partial<SignalSample> => {
  const n = Math.min(3, Math.floor(t / 1000));
  return t < 4000 ? { pods: n, ready: n, endpoints: n } : {};
};
const golden = [run(rampUp), run((t) => rampUp(t + 500)), run((t) => rampUp(Math.max(0, t - 500)))];
const baseline = learnBaseline(golden, thresholds);

describe('learnBaseline', () => {
  it('takes the median full-service time and the worst golden figures', () => {
    expect(baseline.runs).toBe(3);
    expect(baseline.serviceStartMs).toBe(3000);
    expect(baseline.maxConvergeMs).toBe(3500);
    expect(baseline.maxLongestZeroMs).toBe(0);
    expect(baseline.maxZeroStretches).toBe(0);
    expect(baseline.maxDeficitSeconds).toBe(0.167);
  });
});

describe('classifyOutcome: orchestrator classes', () => {
  it('No / NSI for a run like the golden ones', () => {
    const o = classifyOutcome(run(rampUp), baseline, thresholds);
    expect([o.failure, o.client, o.failureAlso]).toEqual(['No', 'NSI', []]);
    expect(o.explanation[0]).toMatch(/^No: converged after 3s/);
    expect(o.explanation[1]).toMatch(/^NSI \(modeled\)/);
  });

  it('Tim when convergence is later than the slowest golden run x factor + margin', () => {
    // 3.5 s x 1.5 + 2 s = 7.25 s; this run converges at 12 s.
    const slow = run((t) => (t < 12_000 ? { pods: 3, ready: Math.min(2, Math.floor(t / 1000)), endpoints: Math.min(2, Math.floor(t / 1000)) } : {}));
    const o = classifyOutcome(slow, baseline, thresholds);
    expect(o.failure).toBe('Tim');
    expect(o.metrics.convergedAtMs).toBe(12_000);
    expect(o.explanation[0]).toContain('beyond the slowest golden run 3.5s x 1.5 + 2s');
  });

  it('LeR when fewer replicas are ready throughout the tail', () => {
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), ...(t >= 4000 ? { pods: 2, ready: 2, endpoints: 2 } : {}) })), baseline, thresholds);
    expect(o.failure).toBe('LeR');
    expect(o.metrics.tailReadyMin).toBe(2);
    expect(o.explanation[0]).toBe('LeR: only 2 of 3 replicas ready throughout the last 3s (tailSeconds)');
  });

  it('a shortfall that heals before the tail is not LeR', () => {
    const o = classifyOutcome(run((t) => (t >= 10_000 && t < 14_000 ? { pods: 2, ready: 2, endpoints: 2 } : rampUp(t))), baseline, thresholds);
    expect(o.failure).not.toBe('LeR');
  });

  it('MoR when more pods than desired exist in the tail', () => {
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), ...(t >= 5000 ? { pods: 7, ready: 7, endpoints: 7 } : {}) })), baseline, thresholds);
    expect(o.failure).toBe('MoR');
    expect(o.metrics.tailPodsMax).toBe(7);
    expect(o.client).toBe('NSI');
  });

  it('Net when replicas are right but endpoints are missing; SU when none are left', () => {
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), ...(t >= 6000 ? { endpoints: 0 } : {}) })), baseline, thresholds);
    expect(o.failure).toBe('Net');
    expect(o.client).toBe('SU');
    expect(o.explanation[0]).toBe('Net: 3 ready replicas but only 0 ready endpoints behind the Service throughout the tail');
    expect(o.explanation[1]).toContain('SU (modeled): no ready endpoint for 24s in one stretch');
  });

  it('Sta when the API answers but the reconcile probe fails', () => {
    const o = classifyOutcome(run(rampUp, { reconciling: false }), baseline, thresholds);
    expect(o.failure).toBe('Sta');
    expect(o.explanation[0]).toMatch(/^Sta: the reconcile probe/);
  });

  it('Sta when a control loop exited during the run, even though the workload had converged; not for the proxy', () => {
    const o = classifyOutcome(run(rampUp, { exited: ['kube-controller-manager'] }), baseline, thresholds);
    expect(o.failure).toBe('Sta');
    expect(o.explanation[0]).toBe('Sta: kube-controller-manager exited during the run: nothing reconciles workloads any more');
    expect(classifyOutcome(run(rampUp, { exited: ['kube-scheduler'] }), baseline, thresholds).explanation[0]).toBe('Sta: kube-scheduler exited during the run: nothing schedules pods any more');
    expect(classifyOutcome(run(rampUp, { exited: ['proxy'] }), baseline, thresholds).failure).toBe('No');
  });

  it('Sta when most workload writes are rejected, with LeR as failure_also', () => {
    const o = classifyOutcome(run(() => ({ pods: 0, ready: 0, endpoints: 0 }), { writes: 2, writeErrors: 2 }), baseline, thresholds);
    expect(o.failure).toBe('Sta');
    expect(o.failureAlso).toEqual(['LeR']);
    expect(o.client).toBe('SU');
  });

  it('Out when the API server is down for long enough, even if the probe also failed', () => {
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), apiOk: !(t >= 8000 && t < 20_000) }), { reconciling: false }), baseline, thresholds);
    expect(o.failure).toBe('Out');
    expect(o.metrics.longestApiDownMs).toBe(12_000);
    expect(o.failureAlso).not.toContain('Sta');
  });

  it('Out when most nodes are NotReady in the tail, and for a stuck lab', () => {
    expect(classifyOutcome(run((t) => ({ ...rampUp(t), nodesReady: t > 10_000 ? 0 : 2 })), baseline, thresholds).failure).toBe('Out');
    const stuck = classifyOutcome(run(rampUp, { stuck: true }), baseline, thresholds);
    expect(stuck.failure).toBe('Out');
    expect(stuck.explanation[0]).toContain('stuck lab');
  });
});

describe('classifyOutcome: modeled client classes', () => {
  it('IA when endpoints vanish in short stretches the golden runs never had', () => {
    const flap = run((t) => ({ ...rampUp(t), ...(t >= 8000 && t % 6000 < 1000 ? { endpoints: 0 } : {}) }));
    const o = classifyOutcome(flap, baseline, thresholds);
    expect(o.client).toBe('IA');
    expect(o.metrics.zeroStretches).toBe(3);
  });

  it('a run whose endpoints arrive a moment after the service period opens started late: not IA', () => {
    const late = run((t) => (t < 4500 ? { pods: Math.min(3, Math.floor(t / 1000)), ready: Math.min(3, Math.floor(t / 1000)), endpoints: 0 } : {}));
    const o = classifyOutcome(late, baseline, thresholds);
    expect(o.metrics.zeroStretches).toBe(0);
    expect(o.metrics.longestZeroMs).toBe(1500);
    expect(o.client).toBe('NSI');
  });

  it('IA when endpoints point at gone pods for longer than the golden runs', () => {
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), staleEndpoints: t >= 10_000 && t < 14_000 ? 1 : 0 })), baseline, thresholds);
    expect(o.client).toBe('IA');
    expect(o.metrics.staleMs).toBe(4000);
  });

  it('HRT when serving capacity is reduced beyond the golden deficit', () => {
    // One of three endpoints missing for 15 s: 5 capacity-seconds.
    const o = classifyOutcome(run((t) => ({ ...rampUp(t), ...(t >= 10_000 && t < 25_000 ? { endpoints: 2 } : {}) })), baseline, thresholds);
    expect(o.client).toBe('HRT');
    expect(o.failure).toBe('No');
    expect(o.metrics.deficitSeconds).toBe(5);
  });

  it('a Failover-like dip that the golden runs also show is NSI', () => {
    const dip = (t: number) => ({ ...rampUp(t), ...(t >= 10_000 && t < 12_000 ? { endpoints: 1, ready: 1 } : {}) });
    const failoverBaseline = learnBaseline([run(dip), run(dip)], thresholds);
    expect(classifyOutcome(run(dip), failoverBaseline, thresholds).client).toBe('NSI');
  });
});

describe('outcome thresholds file', () => {
  it('rejects unknown keys with the path', () => {
    expect(() => parseOutcomeThresholds('apiVersion: mutiny/v1alpha1\nkind: OutcomeThresholds\nmetadata: {name: x}\ntailSeconds: 5\nfoo: 1\n', 't.yaml')).toThrow(/^t\.yaml: /);
  });
});
