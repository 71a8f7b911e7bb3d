import type * as K8s from '@kubernetes/client-node';
import { InvalidDataError } from '../core/errors.js';
import { DNS_LABEL } from '../k8s/resources.js';
import { KWOK_NODE_LABEL, NODE_NOT_READY_LABEL } from './manifests.js';
import type { Observation, ObservationSample, WorkloadPhase, WorkloadSpec } from './observation.js';
import { isRecordedApiFailure, WorkloadObserver, type ObserverOptions } from './observer.js';
import type { LabState } from './state.js';

/** The image of workload pods; kwok never pulls or runs it. */
export const WORKLOAD_IMAGE = 'registry.k8s.io/pause:3.10';

/** The port workload pods serve (container port `http`, the Service's target): what clients must reach. */
export const WORKLOAD_HTTP_PORT = 8080;

/** The Deployment a workload creates: N replicas of app=name on kwok nodes, terminating at once. */
export function workloadDeployment(name: string, namespace: string, replicas: number): K8s.V1Deployment {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value },
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'app', image: WORKLOAD_IMAGE, ports: [{ containerPort: WORKLOAD_HTTP_PORT, name: 'http' }] }],
        },
      },
    },
  };
}

/** The Service in front of the workload's pods. */
export function workloadService(name: string, namespace: string): K8s.V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

/**
 * The steady state of N replicas: the Deployment has observed its spec and reports N updated, ready and
 * available; exactly N pods exist, all Ready, none terminating; Endpoints and EndpointSlices list exactly N ready
 * addresses and no not-ready ones. Pure.
 */
export function isSteady(sample: ObservationSample, replicas: number): boolean {
  const d = sample.deployment;
  if (!d || d.observedGeneration < d.generation || d.desired !== replicas) return false;
  if (d.updated !== replicas || d.ready !== replicas || d.available !== replicas) return false;
  const { pods, service } = sample;
  if (pods.total !== replicas || pods.ready !== replicas || pods.terminating !== 0) return false;
  return (
    service.endpointsReady.length === replicas &&
    service.sliceReady.length === replicas &&
    service.endpointsNotReady.length === 0 &&
    service.sliceNotReady.length === 0
  );
}

function validate(spec: WorkloadSpec): void {
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) throw new InvalidDataError(`replicas ${spec.replicas}: must be a positive integer`);
  if (spec.scaleTo !== undefined && (!Number.isInteger(spec.scaleTo) || spec.scaleTo < 1)) {
    throw new InvalidDataError(`scaleTo ${spec.scaleTo}: must be a positive integer`);
  }
  if (!DNS_LABEL.test(spec.namespace)) throw new InvalidDataError(`namespace ${JSON.stringify(spec.namespace)}: not a valid namespace name`);
}

/**
 * Runs one of the paper's workloads against the lab and returns its observation series:
 * - deploy: create Deployment + Service; converge at the steady state of N replicas.
 * - scale: (deploy if absent), scale to `scaleTo` (default 2N) and converge, then back to N and converge.
 * - failover: (deploy if absent), then `delete-pods` (delete every pod) or `node-not-ready` (label the node
 *   holding most pods so kwok reports it NotReady; the node controller taints it and pods are evicted after
 *   the lab's 5 s toleration); converge when N new pods are Ready on Ready nodes and the endpoints list them;
 *   a node made NotReady is then restored (phase node-recover).
 * Never throws for a workload that does not converge: that is an outcome (converged=false). API errors of the
 * workload's own requests are recorded and end the run unconverged.
 */
export async function runWorkload(state: Pick<LabState, 'kubeconfig'>, spec: WorkloadSpec, observerOptions: ObserverOptions = {}): Promise<Observation> {
  validate(spec);
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = spec.name ?? 'web';
  const ns = spec.namespace;
  const startedAt = new Date().toISOString();
  const deadline = Date.now() + spec.timeoutMs;
  const observer = new WorkloadObserver(k8s, kc, ns, name, observerOptions);
  const phases: WorkloadPhase[] = [];
  const remaining = () => Math.max(0, deadline - Date.now());

  const phase = async (phaseName: string, condition: string, act: () => Promise<void>, converged: (s: ObservationSample) => boolean): Promise<boolean> => {
    const record: WorkloadPhase = { name: phaseName, startedAt: observer.now(), convergedAt: null, condition };
    phases.push(record);
    await act();
    record.convergedAt = await observer.waitUntil(converged, remaining());
    return record.convergedAt !== null;
  };
  const steady = (n: number) => (s: ObservationSample) => isSteady(s, n);
  const steadyText = (n: number) => `deployment ${n}/${n} updated+ready+available, ${n} ready pods, ${n} ready endpoints and slice addresses`;

  const deploy = (replicas: number) =>
    phase('deploy', steadyText(replicas), async () => {
      await observer.timed('create namespace', () => core.createNamespace({ body: { metadata: { name: ns } } }), [409]);
      await observer.timed('create service', () => core.createNamespacedService({ namespace: ns, body: workloadService(name, ns) }));
      await observer.timed('create deployment', () => apps.createNamespacedDeployment({ namespace: ns, body: workloadDeployment(name, ns, replicas) }));
    }, steady(replicas));
  const scaleTo = (replicas: number, phaseName: string) =>
    phase(phaseName, steadyText(replicas), async () => {
      const scale = (await observer.timed('read scale', () => apps.readNamespacedDeploymentScale({ name, namespace: ns })))!;
      scale.spec = { replicas };
      await observer.timed('replace scale', () => apps.replaceNamespacedDeploymentScale({ name, namespace: ns, body: scale }));
    }, steady(replicas));

  let failedNode: string | undefined;
  let converged = false;
  await observer.start();
  try {
    const exists = observer.current().deployment !== null;
    if (spec.kind === 'deploy') {
      converged = await deploy(spec.replicas);
    } else {
      converged = exists ? await phase('settle', steadyText(spec.replicas), async () => {}, steady(spec.replicas)) : await deploy(spec.replicas);
      if (converged && spec.kind === 'scale') {
        converged = (await scaleTo(spec.scaleTo ?? spec.replicas * 2, 'scale-up')) && (await scaleTo(spec.replicas, 'scale-down'));
      } else if (converged && spec.kind === 'failover') {
        const before = new Set(observer.podList().map((p) => p.metadata?.name));
        const mode = spec.failover ?? 'delete-pods';
        const replaced = (s: ObservationSample) =>
          isSteady(s, spec.replicas) &&
          observer.podList().every((p) => !before.has(p.metadata?.name)) &&
          (failedNode === undefined || (s.pods.byNode[failedNode] ?? 0) === 0);
        converged = await phase(mode, `all ${spec.replicas} pods replaced, then ${steadyText(spec.replicas)}`, async () => {
          if (mode === 'delete-pods') {
            for (const pod of observer.podList()) {
              await observer.timed('delete pod', () => core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: ns }));
            }
          } else {
            failedNode = busiestNode(observer.current());
            await observer.timed('label node not-ready', () => labelNode(k8s, core, failedNode!, 'true'));
          }
        }, (s) => (mode === 'delete-pods' ? replaced(s) : replacedOffNode(s, failedNode!, before, observer)));
      }
    }
  } catch (error) {
    // An API request of the workload failed: already in apiCalls; the run is unconverged.
    converged = false;
    if (!isRecordedApiFailure(error)) throw error;
  } finally {
    if (failedNode) {
      const node = failedNode;
      await phase('node-recover', `node ${node} Ready again`, async () => {
        await observer.timed('unlabel node', () => labelNode(k8s, core, node, null)).catch(() => undefined);
      }, (s) => !s.nodes.notReady.includes(node)).then((ok) => (converged = converged && ok));
    }
    await observer.stop();
  }
  const last = phases[phases.length - 1];
  return {
    apiVersion: 'mutiny/v1alpha1',
    kind: 'Observation',
    spec,
    startedAt,
    durationMs: observer.now(),
    converged,
    convergenceMs: converged && last ? last.convergedAt : null,
    phases,
    samples: observer.samples,
    apiCalls: observer.apiCalls,
    watchErrors: observer.watchErrors,
  };
}

/** The node running most of the workload's pods (ties: first by name). */
function busiestNode(sample: ObservationSample): string {
  const entries = Object.entries(sample.pods.byNode).filter(([n]) => n !== '<unscheduled>');
  entries.sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (entries.length === 0) throw new InvalidDataError('failover node-not-ready: the workload has no scheduled pods');
  return entries[0][0];
}

function replacedOffNode(sample: ObservationSample, node: string, before: Set<string | undefined>, observer: WorkloadObserver): boolean {
  if (!isSteady(sample, sample.deployment?.desired ?? -1)) return false;
  if ((sample.pods.byNode[node] ?? 0) !== 0) return false;
  // Pods on healthy nodes may survive; every pod that was on the failed node must have been replaced.
  return observer.podList().every((p) => !(before.has(p.metadata?.name) && p.spec?.nodeName === node));
}

/** Sets (value) or removes (null) kwok's node-not-ready label with a JSON patch. */
async function labelNode(k8s: typeof K8s, core: K8s.CoreV1Api, node: string, value: string | null): Promise<void> {
  const path = `/metadata/labels/${NODE_NOT_READY_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const body = value === null ? [{ op: 'remove', path }] : [{ op: 'add', path, value }];
  await core.patchNode({ name: node, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
}
