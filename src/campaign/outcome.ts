import type { OutcomeThresholds } from './thresholds.js';

/** The components whose exit stops reconciliation (Sta); an exited API server or etcd shows as Out instead. */
const CONTROL_LOOPS = ['kube-controller-manager', 'kube-scheduler'];

/** Orchestrator-level failure classes of SPEC.md, most severe first. */
export const FAILURE_CLASSES = ['Out', 'Sta', 'Net', 'LeR', 'MoR', 'Tim', 'No'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Client-level failure classes of SPEC.md, most severe first. Injection results give a modeled class. */
export const CLIENT_CLASSES = ['SU', 'IA', 'HRT', 'NSI'] as const;
export type ClientClass = (typeof CLIENT_CLASSES)[number];

/** One instant of a run, reduced to what the classifier compares. Times are ms since the workload started. */
export interface SignalSample {
  t: number;
  /** An API request made at this time succeeded. */
  apiOk: boolean;
  /** Pods of the workload that exist and are not terminating. */
  pods: number;
  /** Ready pods of the workload. */
  ready: number;
  /** Ready endpoint addresses behind the workload's Service. */
  endpoints: number;
  /** Ready endpoint addresses whose pod is gone or not ready (a client sent there fails). */
  staleEndpoints: number;
  nodesReady: number;
  nodesTotal: number;
}

/** A run as the classifier sees it: derived from the lab's observation series by src/campaign/signals.ts. */
export interface RunSignals {
  /** The replica count the workload asks for at its end (from the workload, never from an altered object). */
  intended: number;
  /** Length of the observation window. */
  windowMs: number;
  /** When the injection was armed or applied (absent for golden runs). */
  injectedAtMs?: number;
  /** API writes the workload made, and how many were rejected. */
  writes: number;
  writeErrors: number;
  /** The lab stopped answering and had to be rebuilt. */
  stuck?: boolean;
  /** Lab components whose process exited during the run (a controller manager or scheduler that lost its lease). */
  exited?: string[];
  /**
   * Result of the reconcile probe at the end of the window (a fresh one-replica workload in another namespace
   * must get a ready pod): false when the controllers or the scheduler no longer reconcile; absent if not probed.
   */
  reconciling?: boolean;
  samples: SignalSample[];
}

/** Per-workload reference figures learnt from the golden runs (same metrics as a run's). */
export interface Baseline {
  runs: number;
  /** Slowest golden convergence. */
  maxConvergeMs: number;
  /** Median time at which the golden runs first had every endpoint ready: the start of the service period. */
  serviceStartMs: number;
  maxLongestZeroMs: number;
  maxZeroStretches: number;
  maxStaleMs: number;
  maxDeficitSeconds: number;
}

/** Measured figures of one run, kept with its result so a reader can check the classification. */
export interface RunMetrics {
  convergedAtMs: number | null;
  longestApiDownMs: number;
  tailReadyMin: number;
  tailPodsMax: number;
  tailEndpointsMin: number;
  tailNodesReadyFraction: number;
  longestZeroMs: number;
  zeroStretches: number;
  staleMs: number;
  deficitSeconds: number;
}

/** A classified run: both classes, every class whose condition held, and one reason per held condition. */
export interface Outcome {
  failure: FailureClass;
  /** Other orchestrator classes whose condition also held (SPEC.md failure_also), most severe first. */
  failureAlso: FailureClass[];
  /** Modeled from ready endpoints; kwok pods serve no traffic. */
  client: ClientClass;
  explanation: string[];
  metrics: RunMetrics;
}

/** Computes the figures the classifier compares (pure). `serviceStartMs` bounds the client metrics. */
export function measureRun(run: RunSignals, serviceStartMs: number, tailMs: number): RunMetrics {
  const samples = [...run.samples].sort((a, b) => a.t - b.t);
  const end = run.windowMs;
  const tail = samples.filter((s) => s.t >= end - tailMs);
  const tailOrLast = tail.length > 0 ? tail : samples.slice(-1);
  const converged = samples.find((s) => s.ready >= run.intended && s.endpoints >= run.intended && s.apiOk);
  const service = samples.filter((s) => s.t >= serviceStartMs);
  const zero = stretches(service, end, (s) => s.endpoints === 0);
  // A run still without endpoints when the service period opens started late (HRT, Tim): only endpoints that
  // vanish after being there make intermittent availability (IA); the leading stretch still counts towards SU.
  const lateStart = service.length > 0 && service[0].endpoints === 0 ? 1 : 0;
  const stale = stretches(service, end, (s) => s.staleEndpoints > 0);
  let deficit = 0;
  forEachInterval(service, end, (s, ms) => {
    if (run.intended > 0) deficit += (Math.max(0, run.intended - s.endpoints) / run.intended) * (ms / 1000);
  });
  return {
    convergedAtMs: converged ? converged.t : null,
    longestApiDownMs: longest(stretches(samples, end, (s) => !s.apiOk)),
    tailReadyMin: Math.min(...tailOrLast.map((s) => s.ready)),
    tailPodsMax: Math.max(...tailOrLast.map((s) => s.pods)),
    tailEndpointsMin: Math.min(...tailOrLast.map((s) => s.endpoints)),
    tailNodesReadyFraction: Math.min(...tailOrLast.map((s) => (s.nodesTotal > 0 ? s.nodesReady / s.nodesTotal : 0))),
    longestZeroMs: longest(zero),
    zeroStretches: zero.length - lateStart,
    staleMs: stale.reduce((a, b) => a + b, 0),
    deficitSeconds: round(deficit, 3),
  };
}

/**
 * Learns a workload's baseline from its golden runs (pure). The service period starts at the median time the
 * golden runs first had every endpoint ready; the other figures are the worst any golden run showed.
 */
export function learnBaseline(golden: RunSignals[], thresholds: OutcomeThresholds): Baseline {
  if (golden.length === 0) throw new Error('learnBaseline needs at least one golden run');
  const tailMs = thresholds.tailSeconds * 1000;
  const fullAt = golden.map((g) => measureRun(g, 0, tailMs).convergedAtMs ?? g.windowMs).sort((a, b) => a - b);
  const serviceStartMs = fullAt[Math.floor((fullAt.length - 1) / 2)];
  const metrics = golden.map((g) => measureRun(g, serviceStartMs, tailMs));
  return {
    runs: golden.length,
    maxConvergeMs: Math.max(...metrics.map((m) => m.convergedAtMs ?? 0)),
    serviceStartMs,
    maxLongestZeroMs: Math.max(...metrics.map((m) => m.longestZeroMs)),
    maxZeroStretches: Math.max(...metrics.map((m) => m.zeroStretches)),
    maxStaleMs: Math.max(...metrics.map((m) => m.staleMs)),
    maxDeficitSeconds: Math.max(...metrics.map((m) => m.deficitSeconds)),
  };
}

/**
 * Classifies one run against its workload's golden baseline (pure). Every condition that holds adds a line to
 * the explanation naming the threshold of taxonomy/outcomes.yaml it crossed; the most severe class wins.
 */
export function classifyOutcome(run: RunSignals, baseline: Baseline, thresholds: OutcomeThresholds): Outcome {
  const t = thresholds.orchestrator;
  const c = thresholds.client;
  const m = measureRun(run, baseline.serviceStartMs, thresholds.tailSeconds * 1000);
  const s = (ms: number) => `${round(ms / 1000, 1)}s`;
  const held = new Map<FailureClass, string>();
  const explanation: string[] = [];

  if (run.stuck) held.set('Out', 'the API server never recovered; the lab was rebuilt (stuck lab)');
  else if (m.longestApiDownMs >= t.outApiDownSeconds * 1000) {
    held.set('Out', `API server unavailable for ${s(m.longestApiDownMs)} in one stretch (outApiDownSeconds ${t.outApiDownSeconds})`);
  } else if (m.tailNodesReadyFraction < t.outNodesReadyFraction) {
    held.set('Out', `only ${Math.round(m.tailNodesReadyFraction * 100)}% of nodes Ready in the tail (outNodesReadyFraction ${t.outNodesReadyFraction})`);
  }
  const exitedControlLoops = (run.exited ?? []).filter((c) => CONTROL_LOOPS.includes(c));
  const writeErrorShare = run.writes > 0 ? run.writeErrors / run.writes : 0;
  if (writeErrorShare >= t.staWriteErrorFraction && run.writeErrors > 0) {
    held.set('Sta', `${run.writeErrors} of ${run.writes} workload API writes rejected (staWriteErrorFraction ${t.staWriteErrorFraction})`);
  } else if (exitedControlLoops.length > 0 && !held.has('Out')) {
    held.set('Sta', `${exitedControlLoops.join(' and ')} exited during the run: nothing ${exitedControlLoops.includes('kube-controller-manager') ? 'reconciles workloads' : 'schedules pods'} any more`);
  } else if (run.reconciling === false && !held.has('Out')) {
    held.set('Sta', `the reconcile probe (a new one-replica Deployment) got no ready pod within ${t.staProbeTimeoutSeconds}s (staProbeTimeoutSeconds): the control plane stopped reconciling`);
  }
  const replicasRight = m.tailReadyMin >= run.intended && m.tailPodsMax <= run.intended;
  if (replicasRight && m.tailEndpointsMin < run.intended) {
    held.set('Net', `${run.intended} ready replicas but only ${m.tailEndpointsMin} ready endpoints behind the Service throughout the tail`);
  }
  if (m.tailReadyMin < run.intended) {
    held.set('LeR', `only ${m.tailReadyMin} of ${run.intended} replicas ready throughout the last ${thresholds.tailSeconds}s (tailSeconds)`);
  }
  if (m.tailPodsMax > run.intended) {
    held.set('MoR', `${m.tailPodsMax} pods where ${run.intended} are desired in the last ${thresholds.tailSeconds}s (tailSeconds)`);
  }
  const timLimitMs = baseline.maxConvergeMs * t.timSlowdownFactor + t.timMarginSeconds * 1000;
  if (m.convergedAtMs !== null && m.convergedAtMs > timLimitMs && !held.has('LeR')) {
    held.set('Tim', `converged after ${s(m.convergedAtMs)}, beyond the slowest golden run ${s(baseline.maxConvergeMs)} x ${t.timSlowdownFactor} + ${t.timMarginSeconds}s`);
  }
  const classes = FAILURE_CLASSES.filter((k) => held.has(k));
  const failure: FailureClass = classes[0] ?? 'No';
  for (const k of classes) explanation.push(`${k}: ${held.get(k)}`);
  if (classes.length === 0) {
    explanation.push(`No: converged after ${m.convergedAtMs === null ? 'never' : s(m.convergedAtMs)} with ${run.intended} ready replicas and endpoints (golden max ${s(baseline.maxConvergeMs)})`);
  }

  let client: ClientClass = 'NSI';
  const zeroBeyond = m.longestZeroMs - baseline.maxLongestZeroMs;
  if (zeroBeyond >= c.suZeroEndpointsSeconds * 1000) {
    client = 'SU';
    explanation.push(`SU (modeled): no ready endpoint for ${s(m.longestZeroMs)} in one stretch, golden at most ${s(baseline.maxLongestZeroMs)} (suZeroEndpointsSeconds ${c.suZeroEndpointsSeconds})`);
  } else if (m.zeroStretches > baseline.maxZeroStretches || m.staleMs - baseline.maxStaleMs >= c.iaStaleEndpointsSeconds * 1000) {
    client = 'IA';
    explanation.push(
      m.zeroStretches > baseline.maxZeroStretches
        ? `IA (modeled): ${m.zeroStretches} stretches without ready endpoints, golden at most ${baseline.maxZeroStretches}`
        : `IA (modeled): endpoints pointed at gone or unready pods for ${s(m.staleMs)}, golden at most ${s(baseline.maxStaleMs)} (iaStaleEndpointsSeconds ${c.iaStaleEndpointsSeconds})`,
    );
  } else if (m.deficitSeconds - baseline.maxDeficitSeconds >= c.hrtCapacityDeficitSeconds) {
    client = 'HRT';
    explanation.push(`HRT (modeled): ${m.deficitSeconds} capacity-seconds of missing endpoints, golden at most ${baseline.maxDeficitSeconds} (hrtCapacityDeficitSeconds ${c.hrtCapacityDeficitSeconds})`);
  } else {
    explanation.push(`NSI (modeled): ready endpoints as in the golden runs (capacity deficit ${m.deficitSeconds}s, golden at most ${baseline.maxDeficitSeconds}s)`);
  }
  return { failure, failureAlso: classes.slice(1), client, explanation, metrics: m };
}

// Calls `visit` with each sample and how long its value lasted (until the next sample or the window's end).
function forEachInterval(samples: SignalSample[], end: number, visit: (s: SignalSample, ms: number) => void): void {
  samples.forEach((s, i) => {
    const next = i + 1 < samples.length ? samples[i + 1].t : Math.max(end, s.t);
    visit(s, Math.max(0, next - s.t));
  });
}

// Lengths of the maximal stretches in which `holds` is true.
function stretches(samples: SignalSample[], end: number, holds: (s: SignalSample) => boolean): number[] {
  const out: number[] = [];
  let current: number | null = null;
  forEachInterval(samples, end, (s, ms) => {
    if (holds(s)) current = (current ?? 0) + ms;
    else if (current !== null) {
      out.push(current);
      current = null;
    }
  });
  if (current !== null) out.push(current);
  return out;
}

function longest(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(...values);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
