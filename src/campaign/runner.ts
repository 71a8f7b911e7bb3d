import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LabNotReadyError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { Progress } from '../core/progress.js';
import type { Observation } from '../lab/observation.js';
import type { Db } from '../store/database.js';
import { classifyOutcome, learnBaseline, type Baseline, type FailureClass, type RunSignals } from './outcome.js';
import { canonicalJson, type CampaignPlan, type Experiment, type GoldenRun } from './plan.js';
import {
  finishedRunIds,
  goldenSignals,
  recordResult,
  saveCampaignPlan,
  setCampaignStatus,
  type AppliedInjection,
  type RunResult,
} from './results-store.js';
import { signalsFromObservation } from './signals.js';
import type { OutcomeThresholds } from './thresholds.js';

/** What one run asks of the lab. */
export interface RunRequest {
  run: GoldenRun | Experiment;
  /** The observation window: the run is observed this long from the workload's start. */
  windowMs: number;
  /** How long the reconcile probe may take (taxonomy/outcomes.yaml staProbeTimeoutSeconds). */
  probeTimeoutMs: number;
}

/** What the lab reports back for one run. */
export interface RunCapture {
  observation: Observation;
  injections: AppliedInjection[];
  /** Why the injection could not be applied to a matching message (e.g. the field is absent), if it was not. */
  injectionErrors: string[];
  /** When the injection was armed or applied, ms since the workload started (injection runs only). */
  injectedAtMs?: number;
  /** The reconcile probe's result, when it ran (only for runs that did not end steady). */
  reconciling?: boolean;
  /** The API server did not come back: the lab must be rebuilt. */
  stuck: boolean;
  /** Lab components whose process exited by the end of the window (a control loop that lost its leader lease). */
  exited: string[];
  /** Lines of component logs that mention the run's objects, kept as an artefact. */
  componentLog: string[];
  /** The workload's objects at the end of the window (name, uid, owners, replicas), kept as an artefact. */
  finalObjects: FinalObject[];
}

/** One object of the workload as it stood at the end of a run. */
export interface FinalObject {
  kind: string;
  name: string;
  uid: string;
  ownerUids: string[];
  replicas?: number;
  readyReplicas?: number;
}

/**
 * The lab as the runner drives it. The real one (src/campaign/lab-session.ts) resets the lab, runs the workload
 * with the injection armed through the proxy or applied directly in etcd, observes for the window and probes.
 */
export interface LabSession {
  /** Clears what a killed previous run may have left armed. */
  prepare(): Promise<void>;
  /** Back to the golden state; throws when the lab does not come back (the runner then rebuilds it). */
  reset(): Promise<void>;
  execute(request: RunRequest): Promise<RunCapture>;
  /** Tears the lab down and brings a fresh one up (a stuck or broken lab). */
  rebuild(): Promise<void>;
}

/** Options of a campaign run. */
export interface RunCampaignOptions {
  db: Db;
  plan: CampaignPlan;
  specText: string;
  windowSeconds: number;
  thresholds: OutcomeThresholds;
  lab: LabSession;
  /** Observation series, injection logs and component log lines go under resultsDir/<run id>/. */
  resultsDir: string;
  io: Io;
  /** Stop after this many new runs (for tests and benchmarks). */
  limit?: number;
  /**
   * Run only the experiments whose plan index is `index` modulo `count`, and no golden runs (they must already be
   * stored): several labs can then share one campaign, one shard each.
   */
  shard?: { index: number; count: number };
  signal?: AbortSignal;
}

/** What a campaign run did. */
export interface CampaignRunSummary {
  ran: number;
  skipped: number;
  stuck: number;
  rebuilds: number;
  counts: Partial<Record<FailureClass, number>>;
  seconds: number;
  status: 'completed' | 'interrupted';
}

/**
 * Runs a planned campaign: golden runs first, then each experiment that has no result yet (so a killed run
 * resumes with the next unfinished one). Each run's result is stored in one transaction once it has been
 * observed to the end of its window, never before. A stuck lab is recorded (status stuck, failure Out) and rebuilt.
 */
export async function runCampaign(o: RunCampaignOptions): Promise<CampaignRunSummary> {
  const started = Date.now();
  saveCampaignPlan(o.db, o.plan, o.specText, o.resultsDir);
  setCampaignStatus(o.db, o.plan.campaign, 'running');
  const finished = finishedRunIds(o.db, o.plan.campaign);
  const runs = o.shard ? o.plan.experiments.filter((e) => e.index % o.shard!.count === o.shard!.index) : [...o.plan.golden, ...o.plan.experiments];
  const pending = runs.filter((r) => !finished.has(r.id));
  const todo = o.limit === undefined ? pending : pending.slice(0, o.limit);
  const summary: CampaignRunSummary = { ran: 0, skipped: finished.size, stuck: 0, rebuilds: 0, counts: {}, seconds: 0, status: 'interrupted' };
  const progress = new Progress(o.io, `campaign ${o.plan.campaign}`, todo.length, 1);
  const windowMs = o.windowSeconds * 1000;
  const probeTimeoutMs = o.thresholds.orchestrator.staProbeTimeoutSeconds * 1000;
  const baselines = new Map<string, Baseline>();
  const baselineFor = (run: Experiment): Baseline => {
    const key = canonicalJson(run.workload);
    let b = baselines.get(key);
    if (!b) {
      const signals = goldenSignals(o.db, o.plan.campaign);
      const mine = o.plan.golden.filter((g) => canonicalJson(g.workload) === key && signals.has(g.id)).map((g) => signals.get(g.id)!);
      if (mine.length === 0) throw new LabNotReadyError(`campaign ${o.plan.campaign}: no completed golden run for workload ${key}; run the campaign unsharded first so its golden runs are stored`);
      b = learnBaseline(mine, o.thresholds);
      baselines.set(key, b);
    }
    return b;
  };
  const detail = () =>
    Object.entries(summary.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(' ');

  try {
    await o.lab.prepare();
    for (const run of todo) {
      if (o.signal?.aborted) break;
      // A run's duration includes its reset: that is what bounds experiments per hour.
      const startedAt = new Date();
      try {
        await o.lab.reset();
      } catch {
        summary.rebuilds++;
        await o.lab.rebuild();
      }
      let capture: RunCapture;
      try {
        capture = await o.lab.execute({ run, windowMs, probeTimeoutMs });
      } catch (error) {
        // The lab broke under the run (a component died, the proxy vanished): rebuild and run it once more.
        // A second failure stops the campaign; it resumes from this run.
        o.io.err.write(`\nrun ${run.id}: ${(error as Error).message}; rebuilding the lab and retrying\n`);
        summary.rebuilds++;
        await o.lab.rebuild();
        await o.lab.reset();
        capture = await o.lab.execute({ run, windowMs, probeTimeoutMs });
      }
      // A run interrupted mid-way is not a result: leave it for the next `campaign run`.
      if (o.signal?.aborted) break;
      const result = resultOf(run, capture, windowMs, startedAt, o, isExperiment(run) && !capture.stuck ? baselineFor : undefined);
      result.artefacts = writeArtefacts(path.join(o.resultsDir, run.id), capture);
      recordResult(o.db, result);
      summary.ran++;
      if (result.failure) summary.counts[result.failure] = (summary.counts[result.failure] ?? 0) + 1;
      progress.tick(detail());
      if (capture.stuck) {
        summary.stuck++;
        summary.rebuilds++;
        await o.lab.rebuild();
      }
    }
  } catch (error) {
    // The campaign stops here and resumes from this run; a finished run's result is already stored.
    setCampaignStatus(o.db, o.plan.campaign, 'interrupted');
    throw error;
  }
  const complete = finishedRunIds(o.db, o.plan.campaign).size === o.plan.golden.length + o.plan.experiments.length;
  summary.status = complete ? 'completed' : 'interrupted';
  setCampaignStatus(o.db, o.plan.campaign, summary.status);
  progress.finish(detail());
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function isExperiment(run: GoldenRun | Experiment): run is Experiment {
  return 'fault' in run;
}

function resultOf(
  run: GoldenRun | Experiment,
  capture: RunCapture,
  windowMs: number,
  startedAt: Date,
  o: RunCampaignOptions,
  baselineFor: ((run: Experiment) => Baseline) | undefined,
): RunResult {
  const signals: RunSignals = {
    ...signalsFromObservation(capture.observation, { windowMs, injectedAtMs: capture.injectedAtMs, reconciling: capture.reconciling }),
    stuck: capture.stuck || undefined,
    ...(capture.exited.length > 0 ? { exited: capture.exited } : {}),
  };
  const finishedAt = new Date();
  const base = {
    campaign: o.plan.campaign,
    experimentId: run.id,
    signals,
    injections: capture.injections,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    artefacts: [],
  };
  if (!isExperiment(run)) {
    return { ...base, status: capture.stuck ? 'stuck' : 'completed', failure: null, failureAlso: [], client: null, errorCode: null, explanation: ['golden run (no injection): part of the baseline'], metrics: {} };
  }
  if (capture.stuck) {
    return {
      ...base,
      status: 'stuck',
      failure: 'Out',
      failureAlso: [],
      client: 'SU',
      errorCode: run.errorCode,
      explanation: ['Out: the API server never recovered; the lab was rebuilt (stuck lab)', 'SU (modeled): no client can be served by a cluster without a control plane'],
      metrics: {},
    };
  }
  if (capture.injections.length === 0) {
    const why =
      capture.injectionErrors.length > 0
        ? `the injection matched but could not be applied (${capture.injectionErrors.length}x): ${capture.injectionErrors[0]}`
        : 'the injection never triggered: no matching message or object during the window';
    return { ...base, status: 'not-activated', failure: null, failureAlso: [], client: null, errorCode: run.errorCode, explanation: [why], metrics: {} };
  }
  const outcome = classifyOutcome(signals, baselineFor!(run), o.thresholds);
  return {
    ...base,
    status: 'completed',
    failure: outcome.failure,
    failureAlso: outcome.failureAlso,
    client: outcome.client,
    errorCode: run.errorCode,
    explanation: outcome.explanation,
    metrics: outcome.metrics,
  };
}

function writeArtefacts(dir: string, capture: RunCapture): { kind: string; path: string }[] {
  mkdirSync(dir, { recursive: true });
  const files: { kind: string; path: string }[] = [];
  const write = (kind: string, name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    files.push({ kind, path: file });
  };
  write('observation', 'observation.json', `${JSON.stringify(capture.observation)}\n`);
  if (capture.injections.length > 0) write('injection-log', 'injections.json', `${JSON.stringify(capture.injections, null, 2)}\n`);
  if (capture.componentLog.length > 0) write('component-log', 'components.log', `${capture.componentLog.join('\n')}\n`);
  if (capture.finalObjects.length > 0) write('final-objects', 'final-objects.json', `${JSON.stringify(capture.finalObjects, null, 2)}\n`);
  return files;
}
