import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_MARKER_KEY } from '../core/lab-marker.js';
import { labApi } from './control-plane.js';
import { digestClusterState, type StateDigest } from './digest.js';
import { etcdctl } from './etcd.js';
import { KWOK_NODE_LABEL } from './manifests.js';
import type { LabState } from './state.js';
import { waitFor } from './wait.js';

interface NodeList {
  items: Array<{ metadata: { name: string; labels?: Record<string, string> }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
}
interface DeploymentList {
  items: Array<{ metadata: { name: string }; spec: { replicas?: number }; status: { readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; observedGeneration?: number }; }>;
}

/** True when every lab node is Ready and every Deployment in kube-system is fully available. */
export async function clusterSettled(state: LabState): Promise<boolean> {
  const api = labApi(state);
  const nodes = await api.get<NodeList>(`/api/v1/nodes?labelSelector=${KWOK_NODE_LABEL.key}%3D${KWOK_NODE_LABEL.value}`);
  const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  if (ready.length !== state.nodes.length) return false;
  const deployments = await api.get<DeploymentList>('/apis/apps/v1/namespaces/kube-system/deployments');
  for (const d of deployments.items) {
    const want = d.spec.replicas ?? 1;
    if (d.status.readyReplicas !== want || d.status.availableReplicas !== want || d.status.updatedReplicas !== want) return false;
  }
  const endpoints = await api.get<{ subsets?: Array<{ addresses?: unknown[] }> }>('/api/v1/namespaces/kube-system/endpoints/kube-dns');
  const addresses = (endpoints.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const dns = deployments.items.find((d) => d.metadata.name === 'coredns');
  if (dns && addresses !== (dns.spec.replicas ?? 1)) return false;
  // The namespace controller's defaults (ServiceAccount, root CA ConfigMap) make an experiment namespace complete.
  const ns = state.experimentNamespace;
  const sa = await api.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
  const ca = await api.request('GET', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
  return sa.status === 200 && ca.status === 200;
}

/** Waits until clusterSettled holds twice in a row (so a controller mid-update is not mistaken for done). */
export async function waitSettled(state: LabState, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let streak = 0;
  await waitFor(
    'the cluster to settle (nodes Ready, kube-system Deployments available)',
    async () => {
      streak = (await clusterSettled(state)) ? streak + 1 : 0;
      return streak >= 2;
    },
    { timeoutMs, intervalMs: 200, signal },
  );
}

/** The digest of the lab's current stored objects (see digest.ts for what is left out). */
export function digestLab(state: LabState): Promise<StateDigest> {
  return digestClusterState(labApi(state));
}

/** Writes the lab marker key into etcd (direct, never through the proxy). */
export async function writeMarker(state: LabState): Promise<void> {
  await etcdctl(state.binaries.etcdctl, state.etcdClientUrl, ['put', LAB_MARKER_KEY, JSON.stringify({ labId: state.labId, createdAt: state.createdAt })]);
}

/**
 * Records the golden state `lab reset` returns to: an etcd snapshot (DIR/golden.db) and the digest of the stored
 * objects (DIR/golden-digest.json), stored in state.golden.
 */
export async function captureGolden(state: LabState): Promise<void> {
  const snapshot = path.join(state.dir, 'golden.db');
  const digestFile = path.join(state.dir, 'golden-digest.json');
  const digest = await digestLab(state);
  await etcdctl(state.binaries.etcdctl, state.etcdClientUrl, ['snapshot', 'save', snapshot]);
  writeFileSync(digestFile, `${JSON.stringify(digest, null, 1)}\n`);
  state.golden = { snapshot, digestFile, digest: digest.digest, objects: Object.keys(digest.objects).length };
}

/** The per-object hashes of the golden state. */
export function readGoldenDigest(state: LabState): StateDigest | undefined {
  if (!state.golden) return undefined;
  return JSON.parse(readFileSync(state.golden.digestFile, 'utf8')) as StateDigest;
}
