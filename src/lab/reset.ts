import { rmSync } from 'node:fs';
import { LabNotReadyError } from '../core/errors.js';
import { exitedComponents, labApi, startComponent, stopComponents } from './control-plane.js';
import { RESOURCE_TYPES } from '../k8s/resources.js';
import { LEADER_LEASES } from './components.js';
import { diffDigests, discoverResources, type ServedResource, type StateDigest } from './digest.js';
import { etcdctl, restoreSnapshot } from './etcd.js';
import { digestLab, readGoldenDigest, waitSettled } from './golden.js';
import { KWOK_NODE_LABEL, namespace, NODE_NOT_READY_LABEL } from './manifests.js';
import { writeLabState, type LabState } from './state.js';
import { waitFor } from './wait.js';

/**
 * How `resetLab` returns to the golden state:
 * - namespace: clear the experiment namespace down to its golden objects, delete namespaces created since
 *   `lab up`, and bring kwok nodes back (remove the not-ready label). Fast, but blind to other changes.
 * - snapshot: stop the control plane and etcd, restore etcd from the golden snapshot, start everything again.
 *   Restores anything, including state corrupted by an injection.
 * - auto: namespace, verified by the digest; snapshot if the digest still differs, or at once when a component
 *   has exited (a control loop that lost its lease), since the snapshot restore restarts every component.
 */
export type ResetMethod = 'namespace' | 'snapshot' | 'auto';
export const RESET_METHODS: readonly ResetMethod[] = ['auto', 'namespace', 'snapshot'];

/** What a reset did and whether the stored objects now match the golden digest. */
export interface ResetResult {
  /** The method that produced the final state (auto reports the one it ended with). */
  method: Exclude<ResetMethod, 'auto'>;
  seconds: number;
  digest: string;
  matches: boolean;
  /** Object keys that differ from the golden state (`+` added, `-` missing, `~` changed); empty when it matches. */
  differences: string[];
  /** Methods tried, in order, with their own durations. */
  attempts: Array<{ method: Exclude<ResetMethod, 'auto'>; seconds: number; matches: boolean }>;
}

const RESET_TIMEOUT_MS = 120_000;
/**
 * How long a reset keeps re-digesting while controllers finish their last updates, per method. The namespace
 * reset's is short: one that cannot reach the golden state (a kube-system pod was replaced) should fall back to
 * the snapshot quickly. The snapshot restore is the last resort, and the restarted controllers may still be
 * rewriting an EndpointSlice or two when the cluster first looks settled, so it waits longer before giving up.
 */
const DIGEST_SETTLE_MS: Record<Exclude<ResetMethod, 'auto'>, number> = { namespace: 3_000, snapshot: 15_000 };

interface NodeList {
  items: Array<{ metadata: { name: string; labels?: Record<string, string> } }>;
}

function goldenNamespaces(golden: StateDigest): Set<string> {
  return new Set(Object.keys(golden.objects).filter((k) => k.startsWith('namespaces//')).map((k) => k.slice('namespaces//'.length)));
}

/** Workload controllers are cleared first, so nothing recreates the pods cleared after them. */
const CONTROLLERS_FIRST = ['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'cronjobs.batch', 'jobs.batch', 'replicasets.apps', 'replicationcontrollers'];

/** Names of `resourceId` objects in namespace `ns` in the golden state. */
function goldenNames(golden: StateDigest, resourceId: string, ns: string): string[] {
  const prefix = `${resourceId}/${ns}/`;
  return Object.keys(golden.objects)
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
}

/**
 * Deletes, with grace period 0, every object in the experiment namespace that is not part of the golden state
 * (deletecollection per resource, golden names excluded by field selector), deletes namespaces created since
 * `lab up`, and brings NotReady kwok nodes back. Faster than deleting the namespace itself, whose controller
 * takes seconds to drain it.
 */
async function resetByNamespace(state: LabState, golden: StateDigest, signal?: AbortSignal): Promise<void> {
  const api = labApi(state);
  const ns = state.experimentNamespace;
  const keep = goldenNamespaces(golden);
  const namespaces = await api.get<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>('/api/v1/namespaces');
  const extra = namespaces.items.map((n) => n.metadata.name).filter((n) => !keep.has(n));
  const experiment = namespaces.items.find((n) => n.metadata.name === ns);
  const recreate = !experiment || experiment.metadata.deletionTimestamp !== undefined;
  if (recreate && experiment) extra.push(ns);
  const deleteOptions = { gracePeriodSeconds: 0, propagationPolicy: 'Background' };
  await Promise.all(extra.map((n) => api.request('DELETE', `/api/v1/namespaces/${n}`, deleteOptions)));

  const nodes = await api.get<NodeList>(`/api/v1/nodes?labelSelector=${KWOK_NODE_LABEL.key}%3D${KWOK_NODE_LABEL.value}`);
  const escaped = NODE_NOT_READY_LABEL.replace(/~/g, '~0').replace(/\//g, '~1');
  await Promise.all(
    nodes.items
      .filter((n) => n.metadata.labels?.[NODE_NOT_READY_LABEL] !== undefined)
      .map((n) => api.request('PATCH', `/api/v1/nodes/${n.metadata.name}`, [{ op: 'remove', path: `/metadata/labels/${escaped}` }], 'application/json-patch+json')),
  );

  if (!recreate) {
    const resources = (await discoverResources(api)).filter((r) => r.namespaced && r.verbs.includes('deletecollection'));
    const rank = (id: string) => (CONTROLLERS_FIRST.includes(id) ? CONTROLLERS_FIRST.indexOf(id) : CONTROLLERS_FIRST.length);
    const collection = (r: ServedResource) => {
      const selector = goldenNames(golden, r.id, ns).map((n) => `metadata.name!=${n}`).join(',');
      return `${r.groupVersionPath}/namespaces/${ns}/${r.name}${selector ? `?fieldSelector=${encodeURIComponent(selector)}` : ''}`;
    };
    const clear = async () => {
      for (const r of resources.filter((r) => rank(r.id) < CONTROLLERS_FIRST.length).sort((a, b) => rank(a.id) - rank(b.id))) {
        await api.request('DELETE', collection(r), deleteOptions);
      }
      await Promise.all(resources.filter((r) => rank(r.id) === CONTROLLERS_FIRST.length).map((r) => api.request('DELETE', collection(r), deleteOptions)));
    };
    await clear();
    await waitFor(
      `namespace ${ns} to hold only its golden objects`,
      async () => {
        const lists = await Promise.all(resources.map((r) => api.get<{ items: unknown[] }>(collection(r))));
        if (lists.every((l) => l.items.length === 0)) return true;
        await clear(); // a controller recreated something between the passes
        return false;
      },
      { timeoutMs: RESET_TIMEOUT_MS, intervalMs: 100, signal },
    );
  }
  await waitFor(
    `namespaces ${extra.join(', ')} to be deleted`,
    async () => (await Promise.all(extra.map((n) => api.request('GET', `/api/v1/namespaces/${n}`)))).every((r) => r.status === 404),
    { timeoutMs: RESET_TIMEOUT_MS, intervalMs: 100, signal },
  );
  if (recreate) await api.create('/api/v1/namespaces', namespace(ns));
}

async function resetBySnapshot(state: LabState, signal?: AbortSignal): Promise<void> {
  if (!state.golden) throw new LabNotReadyError(`lab in ${state.dir} has no golden snapshot; recreate it with \`mutiny lab down && mutiny lab up\``);
  // The proxy (if any) keeps running: it reconnects to the restarted etcd and keeps its armed injections.
  await stopComponents(state, ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']);
  writeLabState(state);
  rmSync(state.etcdDataDir, { recursive: true, force: true });
  await restoreSnapshot(state.binaries.etcdctl, state.golden.snapshot, state.etcdDataDir, `http://127.0.0.1:${state.ports.etcdPeer}`);
  await startComponent(state, 'etcd', signal);
  // The snapshot's leader leases name processes that are gone; new ones would wait out the lease to take over.
  const leases = RESOURCE_TYPES.find((t) => t.kind === 'Lease')!.prefix;
  for (const lease of LEADER_LEASES) await etcdctl(state.binaries.etcdctl, state.etcdClientUrl, ['del', `${leases}kube-system/${lease}`]);
  await startComponent(state, 'kube-apiserver', signal);
  await Promise.all([startComponent(state, 'kube-controller-manager', signal), startComponent(state, 'kube-scheduler', signal)]);
  await startComponent(state, 'kwok', signal);
}

/** Re-digests until the state matches the golden digest or `settleMs` pass; returns the last digest. */
async function settleDigest(state: LabState, golden: StateDigest, settleMs: number): Promise<StateDigest> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const current = await digestLab(state);
    if (current.digest === golden.digest || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Returns the lab to the golden state captured by `lab up` and verifies it: the digest of the stored objects
 * (volatile fields removed, see digest.ts) must equal the golden digest. `auto` (default) tries the fast
 * namespace reset and falls back to the snapshot restore when the digest still differs. Throws
 * LabNotReadyError when even the snapshot restore does not match.
 */
export async function resetLab(state: LabState, options: { method?: ResetMethod; signal?: AbortSignal } = {}): Promise<ResetResult> {
  const golden = readGoldenDigest(state);
  if (!golden) throw new LabNotReadyError(`lab in ${state.dir} has no golden state; recreate it with \`mutiny lab down && mutiny lab up\``);
  const method = options.method ?? 'auto';
  const exited = exitedComponents(state);
  if (exited.length > 0 && method === 'namespace') {
    throw new LabNotReadyError(`${exited.join(', ')} exited; the namespace reset cannot restart components: use \`mutiny lab reset --method snapshot\``);
  }
  const plan: Array<Exclude<ResetMethod, 'auto'>> = method === 'snapshot' || exited.length > 0 ? ['snapshot'] : method === 'auto' ? ['namespace', 'snapshot'] : [method];
  const started = Date.now();
  const attempts: ResetResult['attempts'] = [];
  let last: StateDigest | undefined;
  for (const step of plan) {
    const stepStarted = Date.now();
    if (step === 'namespace') await resetByNamespace(state, golden, options.signal);
    else await resetBySnapshot(state, options.signal);
    await waitSettled(state, RESET_TIMEOUT_MS, options.signal);
    last = await settleDigest(state, golden, DIGEST_SETTLE_MS[step]);
    const matches = last.digest === golden.digest;
    attempts.push({ method: step, seconds: (Date.now() - stepStarted) / 1000, matches });
    if (matches) break;
  }
  const final = attempts[attempts.length - 1];
  const differences = diffDigests(golden.objects, last!.objects);
  const result: ResetResult = { method: final.method, seconds: (Date.now() - started) / 1000, digest: last!.digest, matches: final.matches, differences, attempts };
  if (!result.matches && method !== 'namespace') {
    throw new LabNotReadyError(
      `lab reset (${final.method}) did not reach the golden state: ${differences.length} object(s) differ (${differences.slice(0, 5).join(', ')}); recreate the lab with \`mutiny lab down && mutiny lab up\``,
    );
  }
  return result;
}
