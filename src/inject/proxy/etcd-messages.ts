import { parseStoredValue } from '../../k8s/value.js';
import { readBytesField, readVarintField } from './wire.js';

// Field numbers of the etcd v3 messages the proxy reads or rewrites (etcd api/mvccpb/kv.proto and
// api/etcdserverpb/rpc.proto; identical in the copies shipped by the npm etcd3 package).

/** mvccpb.KeyValue */
export const KeyValueField = { key: 1, createRevision: 2, modRevision: 3, version: 4, value: 5, lease: 6 } as const;
/** mvccpb.Event; type PUT = 0, DELETE = 1 */
export const EventField = { type: 1, kv: 2, prevKv: 3 } as const;
export const EVENT_DELETE = 1n;
/** etcdserverpb.ResponseHeader */
export const HeaderField = { clusterId: 1, memberId: 2, revision: 3, raftTerm: 4 } as const;
/** etcdserverpb.RangeRequest */
export const RangeRequestField = { key: 1, rangeEnd: 2, countOnly: 9 } as const;
/** etcdserverpb.RangeResponse */
export const RangeResponseField = { header: 1, kvs: 2, more: 3, count: 4 } as const;
/** etcdserverpb.PutRequest */
export const PutRequestField = { key: 1, value: 2, lease: 3, prevKv: 4 } as const;
/** etcdserverpb.PutResponse / DeleteRangeResponse: header is field 1 in every response. */
export const ResponseHeaderField = 1;
/** etcdserverpb.DeleteRangeRequest */
export const DeleteRangeRequestField = { key: 1 } as const;
/** etcdserverpb.RequestOp (oneof request) */
export const RequestOpField = { range: 1, put: 2, deleteRange: 3, txn: 4 } as const;
/** etcdserverpb.ResponseOp (oneof response) */
export const ResponseOpField = { range: 1, put: 2, deleteRange: 3, txn: 4 } as const;
/** etcdserverpb.TxnRequest */
export const TxnRequestField = { compare: 1, success: 2, failure: 3 } as const;
/** etcdserverpb.TxnResponse */
export const TxnResponseField = { header: 1, succeeded: 2, responses: 3 } as const;
/** etcdserverpb.WatchResponse */
export const WatchResponseField = { header: 1, watchId: 2, created: 3, canceled: 4, compactRevision: 5, events: 11 } as const;

/** Full gRPC paths of the methods whose messages the proxy may rewrite. */
export const PATCHED_PATHS = {
  range: '/etcdserverpb.KV/Range',
  put: '/etcdserverpb.KV/Put',
  deleteRange: '/etcdserverpb.KV/DeleteRange',
  txn: '/etcdserverpb.KV/Txn',
  watch: '/etcdserverpb.Watch/Watch',
} as const;

/**
 * Keys the proxy never alters whatever an injection matches: the apiserver's compaction bookkeeping and its
 * health probe (altering them breaks the control plane for reasons unrelated to the object under test), and the
 * lab marker that guards against injecting into a foreign cluster.
 */
export function isProtectedKey(key: string): boolean {
  return key.endsWith('compact_rev_key') || key === '/registry/health' || key === '/mutiny/lab';
}

/** The key of a KeyValue (or PutRequest: key is field 1 in both) as a UTF-8 string. */
export function keyOf(message: Uint8Array): string {
  return readBytesField(message, KeyValueField.key)?.toString('utf8') ?? '';
}

/** The mod_revision of a KeyValue as a decimal string (int64: never a JS number). */
export function modRevisionOf(kv: Uint8Array): string {
  return (readVarintField(kv, KeyValueField.modRevision) ?? 0n).toString();
}

/** The revision in the header of any etcd response, as a decimal string. */
export function headerRevisionOf(response: Uint8Array): string | undefined {
  const header = readBytesField(response, ResponseHeaderField);
  return header ? (readVarintField(header, HeaderField.revision) ?? 0n).toString() : undefined;
}

/** Where a Kubernetes object lives, read from its etcd key `/registry/[group/]resource/[namespace/]name`. */
export interface RegistryKey {
  namespace?: string;
  name?: string;
}

/**
 * Splits a Kubernetes registry key. The resource segment (and a leading API group segment, which contains a
 * dot) is skipped; the last segment is the name and the one before it, if any, the namespace. Two-level
 * resources such as `services/specs/NS/NAME` come out right because only the last two segments count.
 */
export function parseRegistryKey(key: string): RegistryKey {
  if (!key.startsWith('/registry/')) return {};
  const segments = key.slice('/registry/'.length).split('/');
  const rest = segments.slice(segments[0]?.includes('.') ? 2 : 1);
  if (rest.length === 0) return {};
  return { name: rest[rest.length - 1], namespace: rest.length >= 2 ? rest[rest.length - 2] : undefined };
}

/**
 * The `kind` of a stored Kubernetes value (the protobuf envelope's TypeMeta, or a JSON value's `kind`, else the
 * key's resource type). Undefined for encrypted or unrecognised values.
 */
export function kindOfValue(value: Uint8Array, key: string): string | undefined {
  try {
    return parseStoredValue(value, key).kind || undefined;
  } catch {
    return undefined;
  }
}
