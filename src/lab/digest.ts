import { createHash } from 'node:crypto';
import type { ApiClient } from './http.js';

/**
 * Resources left out of the digest: they change on their own in a healthy, idle cluster (events, node and leader
 * leases, the deprecated componentstatuses view), so they say nothing about the starting state of an experiment.
 */
export const DIGEST_EXCLUDED_RESOURCES = new Set(['events', 'events.events.k8s.io', 'leases.coordination.k8s.io', 'componentstatuses']);

/** Metadata fields that differ between two objects with the same meaning (identity, bookkeeping, time). */
const VOLATILE_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'generation', 'selfLink'];

/** Annotations written with the current time (endpoints controller, deployment revisions restart at 1). */
const VOLATILE_ANNOTATIONS = /last-change-trigger-time|kubectl\.kubernetes\.io\/restartedAt/;

/** Keys whose values are times or heartbeats anywhere in an object (conditions, status). */
const VOLATILE_KEY = /(Time|Timestamp)$|^(lastHeartbeatTime|lastTransitionTime|lastProbeTime|lastUpdateTime|startTime|renewTime|acquireTime)$/;

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (VOLATILE_KEY.test(key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (key === 'uid' && typeof v === 'string') continue; // ownerReferences[].uid, involvedObject.uid: recreated owners
    out[key] = strip(v);
  }
  return out;
}

/** JSON of a value with object keys sorted, to order list items whose order carries no meaning. */
const sortKey = (value: unknown): string => JSON.stringify(strip(value));

/**
 * Endpoint lists are sets: the endpoint slice and endpoints controllers write them in the order they happen to
 * process pods, so a controller that rewrites them after a restart (a snapshot restore) may reorder the same
 * endpoints. Sorted here so such a rewrite digests as the same state. Recognised by shape, since list items
 * carry no kind: an EndpointSlice has `addressType` and `endpoints`, an Endpoints object has `subsets`.
 */
function sortEndpointSets(object: Record<string, unknown>): Record<string, unknown> {
  if (typeof object.addressType === 'string' && Array.isArray(object.endpoints)) {
    return { ...object, endpoints: [...object.endpoints].sort((a, b) => sortKey(a).localeCompare(sortKey(b))) };
  }
  if (Array.isArray(object.subsets)) {
    const sorted = (list: unknown) => (Array.isArray(list) ? [...list].sort((a, b) => sortKey(a).localeCompare(sortKey(b))) : list);
    const subsets = (object.subsets as Array<Record<string, unknown>>).map((s) => ({
      ...s,
      ...(s.addresses ? { addresses: sorted(s.addresses) } : {}),
      ...(s.notReadyAddresses ? { notReadyAddresses: sorted(s.notReadyAddresses) } : {}),
    }));
    return { ...object, subsets };
  }
  return object;
}

/**
 * An object reduced to what defines the starting state: volatile metadata, time-valued fields and uids dropped,
 * keys sorted, endpoint sets in a fixed order. Two objects that a reset should consider identical normalize to
 * the same JSON. Pure.
 */
export function normalizeForDigest(object: Record<string, unknown>): unknown {
  const metadata = { ...((object.metadata as Record<string, unknown> | undefined) ?? {}) };
  for (const field of VOLATILE_METADATA) delete metadata[field];
  if (metadata.annotations && typeof metadata.annotations === 'object') {
    const annotations = Object.fromEntries(Object.entries(metadata.annotations as Record<string, string>).filter(([k]) => !VOLATILE_ANNOTATIONS.test(k)));
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  return strip(sortEndpointSets({ ...object, metadata }));
}

/** The normalized stored objects of a cluster keyed `resource.group/namespace/name`, with their digest. */
export interface StateDigest {
  /** sha256 over every normalized object, in key order. */
  digest: string;
  /** sha256 per object key: `diffDigests` names what differs. */
  objects: Record<string, string>;
}

interface ApiResourceList {
  groupVersion: string;
  resources: Array<{ name: string; namespaced: boolean; verbs: string[] }>;
}

/** A resource the apiserver serves: where to list it and its digest id (`name.group`, core: `name`). */
export interface ServedResource {
  /** Collection path of the cluster-wide list, e.g. /apis/apps/v1/deployments. */
  path: string;
  /** Prefix for namespaced paths, e.g. /apis/apps/v1 (then /namespaces/NS/deployments). */
  groupVersionPath: string;
  name: string;
  id: string;
  namespaced: boolean;
  verbs: string[];
}

/** Every listable resource (preferred versions, no subresources) minus DIGEST_EXCLUDED_RESOURCES. */
export async function discoverResources(api: ApiClient): Promise<ServedResource[]> {
  const groups = await api.get<{ groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> }>('/apis');
  const versionPaths = ['/api/v1', ...groups.groups.map((g) => `/apis/${g.preferredVersion.groupVersion}`)];
  const lists = await Promise.all(versionPaths.map((p) => api.get<ApiResourceList>(p).then((list) => ({ p, list }))));
  const out: ServedResource[] = [];
  for (const { p, list } of lists) {
    const group = list.groupVersion.includes('/') ? list.groupVersion.split('/')[0] : '';
    for (const r of list.resources) {
      if (r.name.includes('/') || !r.verbs.includes('list')) continue;
      const id = group ? `${r.name}.${group}` : r.name;
      if (DIGEST_EXCLUDED_RESOURCES.has(id)) continue;
      out.push({ path: `${p}/${r.name}`, groupVersionPath: p, name: r.name, id, namespaced: r.namespaced, verbs: r.verbs });
    }
  }
  return out;
}

/** Lists every listable resource through the apiserver and digests the normalized objects. */
export async function digestClusterState(api: ApiClient): Promise<StateDigest> {
  const resources = await discoverResources(api);
  const objects: Record<string, string> = {};
  const lists = await Promise.all(
    resources.map(async (r) => ({ r, list: await api.get<{ items: Array<Record<string, unknown>> }>(r.path) })),
  );
  for (const { r, list } of lists) {
    for (const item of list.items) {
      const meta = item.metadata as { name: string; namespace?: string };
      const key = `${r.id}/${meta.namespace ?? ''}/${meta.name}`;
      objects[key] = createHash('sha256').update(JSON.stringify(normalizeForDigest(item))).digest('hex');
    }
  }
  const all = createHash('sha256');
  for (const key of Object.keys(objects).sort()) all.update(`${key}\0${objects[key]}\n`);
  return { digest: all.digest('hex'), objects };
}

/** Object keys added, removed or changed between two digests (empty when they match). Pure. */
export function diffDigests(expected: Record<string, string>, actual: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  return [...keys]
    .filter((k) => expected[k] !== actual[k])
    .sort()
    .map((k) => (expected[k] === undefined ? `+${k}` : actual[k] === undefined ? `-${k}` : `~${k}`));
}
