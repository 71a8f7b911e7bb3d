import { closeSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { LabNotReadyError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { Injector } from '../inject/direct.js';
import { ProxyControlClient } from '../inject/proxy/control-client.js';
import { isClusterScoped, RESOURCE_TYPES } from '../k8s/resources.js';
import type { InjectionLogEntry } from '../inject/proxy/injection.js';
import { exitedComponents, labApi, logFile } from '../lab/control-plane.js';
import { downLab } from '../lab/down.js';
import type { Observation, ObservationSample } from '../lab/observation.js';
import { WorkloadObserver } from '../lab/observer.js';
import { readLabState, type LabState } from '../lab/state.js';
import { upLab } from '../lab/up.js';
import { isSteady, runWorkload } from '../lab/workloads.js';
import type { Experiment, GoldenRun } from './plan.js';
import type { AppliedInjection } from './results-store.js';
import type { FinalObject, LabSession, RunCapture, RunRequest } from './runner.js';

/** The Deployment and Service name every workload uses. */
const WORKLOAD_NAME = 'web';
/** Sampling interval of the observer during campaign runs. */
const SAMPLE_INTERVAL_MS = 250;
/** How long a lab whose API server stopped answering gets to come back before it counts as stuck. */
const RECOVERY_GRACE_MS = 20_000;
/** Component log lines kept per run. */
const MAX_LOG_LINES = 60;
/** Bytes of each component log read back for the run's lines. */
const LOG_TAIL_BYTES = 256 * 1024;

/** Which proxy channels the real lab serves (at-rest injections go straight to etcd). */
const PROXY_CHANNELS = new Set(['write', 'read', 'drop']);

/**
 * Drives a real lab (`mutiny lab up --proxy`) for the campaign runner: resets it, runs the workload with the
 * injection armed in the proxy, observes until the end of the window, probes reconciliation when the run did
 * not end steady, and rebuilds the lab when it gets stuck.
 */
export class RealLabSession implements LabSession {
  private state: LabState;
  private control: ProxyControlClient | undefined;

  constructor(
    private readonly dir: string,
    private readonly io: Io,
    private readonly resetLab: (state: LabState) => Promise<unknown>,
  ) {
    this.state = readLabState(dir);
    this.control = this.state.proxyControlUrl ? new ProxyControlClient(this.state.proxyControlUrl) : undefined;
  }

  /** Fails early, in one line, when a campaign needs the proxy and the lab has none. */
  requireChannels(channels: readonly string[]): void {
    const proxied = channels.filter((c) => PROXY_CHANNELS.has(c));
    if (proxied.length > 0 && !this.control) {
      throw new LabNotReadyError(`the lab in ${this.dir} has no injection proxy, needed for the ${proxied.join(', ')} channel(s); run \`mutiny lab down\` then \`mutiny lab up --proxy\``);
    }
  }

  async prepare(): Promise<void> {
    await this.control?.disarm();
  }

  async reset(): Promise<void> {
    await this.resetLab(this.state);
  }

  async rebuild(): Promise<void> {
    const nodes = this.state.nodes.length;
    const experimentNamespace = this.state.experimentNamespace;
    const proxy = Boolean(this.state.proxyControlUrl);
    await downLab(this.dir).catch(() => undefined);
    this.state = await upLab({ dir: this.dir, nodes, proxy, experimentNamespace, io: this.io });
    this.control = this.state.proxyControlUrl ? new ProxyControlClient(this.state.proxyControlUrl) : undefined;
  }

  async execute(request: RunRequest): Promise<RunCapture> {
    const { run, windowMs } = request;
    const namespace = this.state.experimentNamespace;
    const workloadStart = Date.now();
    const injectionId = `${run.id}-${workloadStart}`;
    const experiment = 'fault' in run ? run : undefined;
    let armTimer: NodeJS.Timeout | undefined;
    const atRest = experiment?.channel === 'at-rest' ? new AtRestInjection(this.state, experiment, namespace, workloadStart + windowMs) : undefined;
    if (experiment && !atRest) {
      const arm = () => this.arm(experiment, injectionId, namespace);
      if (experiment.trigger.delayMs > 0) armTimer = setTimeout(() => void arm().catch(() => undefined), experiment.trigger.delayMs);
      else await arm();
    }
    let observation: Observation;
    try {
      const workload = runWorkload(this.state, workloadSpec(run, namespace, windowMs), { intervalMs: SAMPLE_INTERVAL_MS });
      atRest?.start();
      observation = await this.observeUntil(await workload, workloadStart, windowMs, namespace);
    } finally {
      if (armTimer) clearTimeout(armTimer);
    }
    const injections = atRest ? await atRest.finish() : experiment ? (await this.collect(injectionId)).map(toApplied) : [];
    const injectionErrors = atRest ? atRest.errors : experiment && injections.length === 0 ? await this.faultErrors(injectionId) : [];
    const stuck = !(await this.apiRecovers());
    const exited = exitedComponents(this.state);
    const finalObjects = stuck ? [] : await this.finalObjects(namespace);
    const last = observation.samples.at(-1);
    let reconciling: boolean | undefined;
    // An exited control loop already says the cluster stopped reconciling; the probe would only time out.
    if (experiment && !stuck && exited.length === 0 && !(last && isSteady(last, run.workload.replicas))) {
      reconciling = await this.reconcileProbe(request.probeTimeoutMs, run.id);
    }
    const firstApplied = atRest ? atRest.appliedAt : injections.length > 0 ? Date.parse(injections[0].time!) - workloadStart : undefined;
    return {
      observation,
      injections,
      injectionErrors,
      injectedAtMs: firstApplied,
      reconciling,
      stuck,
      exited,
      componentLog: this.componentLines(namespace, workloadStart),
      finalObjects,
    };
  }

  private async finalObjects(namespace: string): Promise<FinalObject[]> {
    const api = labApi(this.state);
    const out: FinalObject[] = [];
    for (const [kind, url] of [
      ['Deployment', `/apis/apps/v1/namespaces/${namespace}/deployments`],
      ['ReplicaSet', `/apis/apps/v1/namespaces/${namespace}/replicasets`],
    ] as const) {
      const list = await api.get<{ items: K8sObject[] }>(url).catch(() => ({ items: [] as K8sObject[] }));
      for (const o of list.items) {
        out.push({
          kind,
          name: o.metadata.name,
          uid: o.metadata.uid,
          ownerUids: (o.metadata.ownerReferences ?? []).map((r) => r.uid),
          ...(o.spec?.replicas !== undefined ? { replicas: o.spec.replicas } : {}),
          ...(o.status?.readyReplicas !== undefined ? { readyReplicas: o.status.readyReplicas } : {}),
        });
      }
    }
    return out;
  }

  private async arm(experiment: Experiment, id: string, namespace: string): Promise<void> {
    if (!this.control) throw new LabNotReadyError(`the lab in ${this.dir} has no injection proxy; run \`mutiny lab up --proxy\``);
    const { fault, target, trigger } = experiment;
    await this.control.arm({
      id,
      channel: experiment.channel as 'write' | 'read' | 'drop',
      match: { kind: target.kind, ...targetNamespace(target, namespace), ...(target.namePrefix ? { name: `${target.namePrefix}*` } : {}) },
      trigger: { nth: trigger.nth, ...(trigger.everyForMs ? { everyForMs: trigger.everyForMs } : {}) },
      fault: { model: fault.model, ...(fault.field ? { field: fault.field } : {}), ...(fault.variant ? { variant: fault.variant } : {}), seed: fault.seed },
    });
  }

  // runWorkload returns at convergence; keep observing (same series, shifted to the workload's time base) until
  // the end of the window, so effects that come after convergence (runaway pods, lost endpoints) are seen.
  private async observeUntil(observation: Observation, workloadStart: number, windowMs: number, namespace: string): Promise<Observation> {
    const remaining = windowMs - (Date.now() - workloadStart);
    if (remaining <= SAMPLE_INTERVAL_MS) return observation;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(this.state.kubeconfig);
    const offset = Date.now() - workloadStart;
    const observer = new WorkloadObserver(k8s, kc, namespace, WORKLOAD_NAME, { intervalMs: SAMPLE_INTERVAL_MS });
    let synced = 0;
    try {
      await observer.start();
      synced = observer.samples.length;
      await observer.waitUntil(() => false, Math.max(0, windowMs - (Date.now() - workloadStart)));
    } finally {
      await observer.stop();
    }
    // Samples taken while the informers were still listing show half-filled caches (no nodes, some pods): keep
    // only the one taken once every informer had synced, and what followed.
    const observed = observer.samples.slice(Math.max(0, synced - 1));
    const shift = <T extends { t: number }>(x: T): T => ({ ...x, t: x.t + offset });
    return {
      ...observation,
      durationMs: Date.now() - workloadStart,
      samples: [...observation.samples, ...observed.map(shift)] as ObservationSample[],
      apiCalls: [...observation.apiCalls, ...observer.apiCalls.map(shift)],
      watchErrors: [...observation.watchErrors, ...observer.watchErrors.map(shift)],
    };
  }

  private async collect(injectionId: string): Promise<InjectionLogEntry[]> {
    if (!this.control) return [];
    await this.control.disarm(injectionId).catch(() => 0);
    const entries: InjectionLogEntry[] = [];
    let since = 0;
    for (;;) {
      const page = await this.control.log(since);
      entries.push(...page.entries.filter((e) => e.injectionId === injectionId));
      if (page.entries.length === 0 || page.next === since) break;
      since = page.next;
    }
    return entries;
  }

  private async faultErrors(injectionId: string): Promise<string[]> {
    if (!this.control) return [];
    const health = await this.control.health().catch(() => undefined);
    return (health?.faultErrors ?? []).filter((e) => e.injectionId === injectionId).map((e) => `${e.key}: ${e.error}`);
  }

  private async apiRecovers(): Promise<boolean> {
    const api = labApi(this.state);
    const deadline = Date.now() + RECOVERY_GRACE_MS;
    while (Date.now() < deadline) {
      const ok = await api
        .request('GET', '/readyz')
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return false;
  }

  // Sta detection: a fresh one-replica Deployment in its own namespace must get a ready pod and endpoint.
  private async reconcileProbe(timeoutMs: number, runId: string): Promise<boolean> {
    const namespace = `probe-${runId}`.slice(0, 63);
    const observation = await runWorkload(this.state, { kind: 'deploy', namespace, replicas: 1, timeoutMs, name: 'probe' }, { intervalMs: SAMPLE_INTERVAL_MS });
    await labApi(this.state)
      .request('DELETE', `/api/v1/namespaces/${namespace}`)
      .catch(() => undefined);
    return observation.converged;
  }

  private componentLines(namespace: string, since: number): string[] {
    const lines: string[] = [];
    for (const component of ['kube-controller-manager', 'kube-apiserver', 'kube-scheduler'] as const) {
      const file = logFile(this.state, component);
      for (const line of tail(file)) {
        if (lines.length >= MAX_LOG_LINES) return lines;
        if (line.includes(`${namespace}/`) && logTime(line) >= since) lines.push(`${component}: ${line}`);
      }
    }
    return lines;
  }
}

interface K8sObject {
  metadata: { name: string; uid: string; ownerReferences?: { uid: string }[] };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

/**
 * An at-rest injection: once the n-th object of the target kind (and name prefix) exists in the target's
 * namespace, and not before the trigger's delay, rewrite or delete its stored value directly in etcd (journaled,
 * compare-and-swap on mod_revision; src/inject/direct.ts).
 */
class AtRestInjection {
  readonly errors: string[] = [];
  appliedAt: number | undefined;
  private applied: AppliedInjection[] = [];
  private done: Promise<void> | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly state: LabState,
    private readonly experiment: Experiment,
    private readonly namespace: string,
    private readonly deadline: number,
  ) {}

  start(): void {
    this.done = this.run().catch((error: unknown) => {
      this.errors.push((error as Error).message);
    });
  }

  async finish(): Promise<AppliedInjection[]> {
    await this.done;
    return this.applied;
  }

  private async run(): Promise<void> {
    const { target, trigger, fault } = this.experiment;
    const type = RESOURCE_TYPES.find((t) => t.kind === target.kind);
    if (!type) throw new LabNotReadyError(`${target.kind}: no etcd prefix known for this kind`);
    const { namespace } = targetNamespace(target, this.namespace);
    const prefix = `${type.prefix}${namespace ? `${namespace}/` : ''}${target.namePrefix ?? ''}`;
    const injector = await Injector.open({ endpoints: [this.state.etcdClientUrl] }, { journalPath: path.join(this.state.dir, 'journal.sqlite') });
    const { Etcd3 } = await import('etcd3');
    const lister = new Etcd3({ hosts: [this.state.etcdClientUrl] });
    try {
      await sleep(Math.max(0, this.started + trigger.delayMs - Date.now()));
      while (Date.now() < this.deadline) {
        const keys = (await lister.getAll().prefix(prefix).keys()).sort();
        if (keys.length >= trigger.nth) {
          const key = keys[trigger.nth - 1];
          const result = await injector.inject(key, { model: fault.model, ...(fault.field ? { field: fault.field } : {}), ...(fault.variant ? { variant: fault.variant } : {}), seed: fault.seed });
          this.appliedAt = Date.now() - this.started;
          this.applied.push({
            time: new Date().toISOString(),
            channel: 'at-rest',
            key,
            revision: String(result.writtenModRevision ?? result.originalModRevision),
            ...(result.fieldPath ? { field: result.fieldPath } : {}),
            description: result.description,
          });
          return;
        }
        await sleep(200);
      }
    } finally {
      injector.close();
      lister.close();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Where an experiment's target objects live: its own namespace, else the experiment namespace; none for
 * cluster-scoped kinds (Node), whose etcd keys have no namespace segment.
 */
function targetNamespace(target: Experiment['target'], experimentNamespace: string): { namespace?: string } {
  return isClusterScoped(target.kind) ? {} : { namespace: target.namespace ?? experimentNamespace };
}

/** The lab workload of a planned run. */
function workloadSpec(run: GoldenRun | Experiment, namespace: string, windowMs: number) {
  const w = run.workload;
  return { kind: w.kind, namespace, replicas: w.replicas, timeoutMs: Math.min(windowMs, w.timeoutSeconds * 1000), name: WORKLOAD_NAME, ...(w.scaleTo ? { scaleTo: w.scaleTo } : {}) };
}

function toApplied(e: InjectionLogEntry): AppliedInjection {
  return {
    time: e.time,
    channel: e.channel,
    key: e.key,
    ...(e.revision ? { revision: e.revision } : {}),
    ...(e.field ? { field: e.field } : {}),
    description: e.fault,
    before: e.before,
    after: e.after,
  };
}

function tail(file: string): string[] {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    fd = openSync(file, 'r');
    readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8').split('\n');
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// klog lines start `I1125 20:51:03.123456 ...`; lines without a parsable time are kept.
function logTime(line: string): number {
  const m = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (!m) return Number.POSITIVE_INFINITY;
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}
