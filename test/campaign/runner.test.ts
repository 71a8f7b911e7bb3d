import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import type { Observation, ObservationSample } from '../../src/lab/observation.js';
import { openDatabase } from '../../src/store/database.js';
import { parseCampaign } from '../../src/campaign/spec.js';
import { planCampaign, type Experiment, type KindCatalog } from '../../src/campaign/plan.js';
import { listResults } from '../../src/campaign/results-store.js';
import { runCampaign, type LabSession, type RunCapture, type RunRequest } from '../../src/campaign/runner.js';
import { loadOutcomeThresholds } from '../../src/campaign/thresholds.js';

// The runner's bookkeeping (order, resume, one transaction per result, stuck labs) against a scripted lab whose
// workload series are synthetic; the real lab is exercised by test/e2e/campaign.test.ts.

const catalog: KindCatalog = {
  kinds: () => ['Deployment'],
  clusterScoped: () => false,
  errorCodeForField: () => 'replica-count',
  fieldsForErrorCode: () => [],
};
const specText = `apiVersion: mutiny.dev/v1alpha1
kind: Campaign
metadata: { name: resume }
spec:
  workloads: [{ kind: deploy, replicas: 3 }]
  targets: [{ kind: Deployment, fields: [spec.replicas] }]
  faults: [{ model: set, variants: [zero, off-by-one, max-int32, minus-one] }]
  channels: [write]
  observation: { windowSeconds: 10 }
  goldenRuns: 2
`;
const { campaign } = parseCampaign(specText, 'resume.yaml');
const plan = planCampaign(campaign, catalog);
const thresholds = loadOutcomeThresholds();
const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(t: number, pods: number, ready: number, endpoints: number): ObservationSample {
  const addresses = Array.from({ length: endpoints }, (_, i) => `10.0.0.${i}`);
  return {
    t,
    deployment: { generation: 1, observedGeneration: 1, desired: pods, updated: pods, ready, available: ready, unavailable: 0 },
    pods: { total: pods, byPhase: { Running: pods }, ready, terminating: 0, byNode: { n0: pods } },
    service: { endpointsReady: addresses, endpointsNotReady: [], sliceReady: addresses, sliceNotReady: [] },
    nodes: { total: 2, ready: 2, notReady: [] },
  };
}

/** A Deploy of 3 that ends with `finalPods` pods (the `set` variants decide: off-by-one -> 4 = MoR). */
function observation(finalPods: number): Observation {
  const samples = [0, 1000, 2000, 3000, 9000].map((t, i) => (i < 3 ? sample(t, i, i, i) : sample(t, finalPods, finalPods, finalPods)));
  return {
    apiVersion: 'mutiny/v1alpha1',
    kind: 'Observation',
    spec: { kind: 'deploy', namespace: 'mutiny', replicas: 3, timeoutMs: 10_000 },
    startedAt: new Date().toISOString(),
    durationMs: 10_000,
    converged: finalPods === 3,
    convergenceMs: finalPods === 3 ? 3000 : null,
    phases: [],
    samples,
    apiCalls: [{ t: 0, operation: 'create deployment', ok: true, latencyMs: 3 }],
    watchErrors: [],
  };
}

class ScriptedLab implements LabSession {
  readonly executed: string[] = [];
  resets = 0;
  rebuilds = 0;
  constructor(
    private readonly crashAt?: number,
    private readonly stuckAt?: string,
    private failuresLeft = 0,
  ) {}
  async prepare(): Promise<void> {}
  async reset(): Promise<void> {
    this.resets++;
  }
  async rebuild(): Promise<void> {
    this.rebuilds++;
  }
  async execute({ run }: RunRequest): Promise<RunCapture> {
    if (this.crashAt !== undefined && this.executed.length === this.crashAt) throw new Error('killed mid-run');
    if (this.failuresLeft > 0 && this.rebuilds === 0) {
      this.failuresLeft--;
      throw new Error('proxy control API not reachable');
    }
    this.executed.push(run.id);
    const fault = (run as Experiment).fault;
    const pods = fault?.variant === 'off-by-one' ? 4 : fault?.variant === 'zero' ? 0 : 3;
    return {
      observation: observation(pods),
      injections: fault && fault.variant !== 'minus-one' ? [{ channel: 'write', key: '/registry/deployments/mutiny/web', description: `spec.replicas: ${fault.variant}` }] : [],
      injectionErrors: fault?.variant === 'minus-one' ? ['/registry/deployments/mutiny/web: set minus-one: field absent'] : [],
      injectedAtMs: fault ? 10 : undefined,
      reconciling: true,
      stuck: run.id === this.stuckAt,
      exited: [],
      componentLog: fault ? ['kube-controller-manager: I1125 scaled mutiny/web'] : [],
      finalObjects: [{ kind: 'Deployment', name: 'web', uid: 'u1', ownerUids: [], replicas: 3 }],
    };
  }
}

describe('runCampaign', () => {
  const dbFile = path.join(dir, 'r.sqlite');

  it('rebuilds the lab and retries a run once when the lab breaks under it, and stops on a second failure', async () => {
    const db = openDatabase(path.join(dir, 'retry.sqlite'));
    const options = { db, plan, specText, windowSeconds: 10, thresholds, resultsDir: path.join(dir, 'retry-runs'), io: memoryIo(), limit: 1 };
    const flaky = new ScriptedLab(undefined, undefined, 1);
    expect(await runCampaign({ ...options, lab: flaky })).toMatchObject({ ran: 1, rebuilds: 1 });
    expect(options.io.stderr()).toContain('proxy control API not reachable; rebuilding the lab and retrying');
    const broken = new ScriptedLab(0);
    await expect(runCampaign({ ...options, lab: broken })).rejects.toThrow('killed mid-run');
    expect(listResults(db, { campaign: 'resume' })).toHaveLength(1);
    db.close();
  });

  it('stores nothing for a run interrupted mid-way, and resumes with the next unfinished one', async () => {
    const db = openDatabase(dbFile);
    const crashing = new ScriptedLab(3);
    const options = { db, plan, specText, windowSeconds: 10, thresholds, resultsDir: path.join(dir, 'runs'), io: memoryIo() };
    await expect(runCampaign({ ...options, lab: crashing })).rejects.toThrow('killed mid-run');
    expect(listResults(db, { campaign: 'resume' }).map((r) => r.experimentId)).toEqual(crashing.executed);
    expect(crashing.executed).toEqual([plan.golden[0].id, plan.golden[1].id, plan.experiments[0].id]);
    expect(db.prepare('SELECT status FROM campaigns WHERE name = ?').get('resume')).toEqual({ status: 'interrupted' });

    const io = memoryIo();
    const lab = new ScriptedLab(undefined, plan.experiments[2].id);
    const summary = await runCampaign({ ...options, io, lab });
    expect(lab.executed).toEqual(plan.experiments.slice(1).map((e) => e.id));
    expect(summary).toMatchObject({ ran: 3, skipped: 3, stuck: 1, rebuilds: 1, status: 'completed' });
    expect(io.stderr()).toMatch(/campaign resume {2}3\/3 .*MoR 1 Out 1/);
    expect(db.prepare('SELECT status FROM campaigns WHERE name = ?').get('resume')).toEqual({ status: 'completed' });
    db.close();
  });

  it('classifies each experiment against the golden baseline and keeps its artefacts', () => {
    const db = openDatabase(dbFile, { readonly: true });
    const results = listResults(db, { campaign: 'resume', role: 'injection' });
    db.close();
    expect(results.map((r) => [r.variant, r.status, r.failure, r.client])).toEqual([
      ['zero', 'completed', 'LeR', 'SU'],
      ['off-by-one', 'completed', 'MoR', 'NSI'],
      ['max-int32', 'stuck', 'Out', 'SU'],
      ['minus-one', 'not-activated', null, null],
    ]);
    expect(results.every((r) => r.errorCode === 'replica-count')).toBe(true);
    expect(results[3].explanation).toEqual(['the injection matched but could not be applied (1x): /registry/deployments/mutiny/web: set minus-one: field absent']);
    const mor = results[1];
    expect(mor.explanation[0]).toBe('MoR: 4 pods where 3 are desired in the last 3s (tailSeconds)');
    expect(mor.artefacts.map((a) => a.kind).sort()).toEqual(['component-log', 'final-objects', 'injection-log', 'observation']);
    const series = JSON.parse(readFileSync(mor.artefacts.find((a) => a.kind === 'observation')!.path, 'utf8')) as Observation;
    expect(series.samples).toHaveLength(5);
    expect(existsSync(path.join(dir, 'runs', mor.experimentId, 'components.log'))).toBe(true);
  });

  it('splits the experiments between shards once the golden runs are stored', async () => {
    const db = openDatabase(path.join(dir, 'shards.sqlite'));
    const options = { db, plan, specText, windowSeconds: 10, thresholds, resultsDir: path.join(dir, 'shard-runs'), io: memoryIo() };
    await expect(runCampaign({ ...options, lab: new ScriptedLab(), shard: { index: 0, count: 2 } })).rejects.toThrow(/no completed golden run .*run the campaign unsharded first/);
    await runCampaign({ ...options, lab: new ScriptedLab(), limit: plan.golden.length });
    const [even, odd] = [new ScriptedLab(), new ScriptedLab()];
    await Promise.all([runCampaign({ ...options, lab: even, shard: { index: 0, count: 2 } }), runCampaign({ ...options, lab: odd, shard: { index: 1, count: 2 } })]);
    expect(even.executed).toEqual([plan.experiments[0].id, plan.experiments[2].id]);
    expect(odd.executed).toEqual([plan.experiments[1].id, plan.experiments[3].id]);
    expect(listResults(db, { campaign: 'resume' })).toHaveLength(6);
    db.close();
  });

  it('does nothing more for a completed campaign', async () => {
    const db = openDatabase(dbFile);
    const lab = new ScriptedLab();
    const summary = await runCampaign({ db, plan, specText, windowSeconds: 10, thresholds, resultsDir: path.join(dir, 'runs'), io: memoryIo(), lab });
    expect(lab.executed).toEqual([]);
    expect(summary).toMatchObject({ ran: 0, skipped: 6, status: 'completed' });
    db.close();
  });
});
