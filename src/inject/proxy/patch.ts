import {
  DeleteRangeRequestField,
  EVENT_DELETE,
  EventField,
  KeyValueField,
  PATCHED_PATHS,
  PutRequestField,
  RangeRequestField,
  RangeResponseField,
  RequestOpField,
  ResponseOpField,
  TxnRequestField,
  TxnResponseField,
  WatchResponseField,
  keyOf,
  modRevisionOf,
} from './etcd-messages.js';
import type { Injector, InjectionLogEntry } from './injection.js';
import {
  countField,
  encodeBytesField,
  encodeVarintField,
  mapBytesField,
  readBytesField,
  readVarintField,
  setVarintField,
  type FieldEdit,
} from './wire.js';

// Rewrites of the etcd messages that carry Kubernetes values. Each function asks the injector about every value
// occurrence and returns the message itself (same object) when nothing was altered.

/** A rewritten write request and the log entries it produced (their revision is filled from the response). */
export interface WritePatch {
  request: Buffer;
  entries: InjectionLogEntry[];
  /**
   * Set when a KV/Put must not reach etcd as a Put: a lost write goes out as a count-only Range of the key and a
   * delete as a DeleteRange; either way the reply's header becomes the PutResponse the client sees.
   */
  reroute?: { path: string; request: Buffer };
}

function withBytesField(message: Buffer, field: number, payload: Buffer): Buffer {
  const replaced = mapBytesField(message, field, () => payload);
  return replaced !== message ? replaced : Buffer.concat([message, encodeBytesField(field, payload)]);
}

function valueOf(message: Buffer, field: number): Buffer {
  return readBytesField(message, field) ?? Buffer.alloc(0);
}

/** KV/Put request: the write channel alters the value, the drop channel loses the write. */
export function patchPutRequest(injector: Injector, request: Buffer): WritePatch {
  const key = keyOf(request);
  const decision = injector.decide({ message: 'put', key, value: valueOf(request, PutRequestField.value), revision: null });
  switch (decision.action) {
    case 'keep':
      return { request, entries: [] };
    case 'replace':
      return { request: withBytesField(request, PutRequestField.value, decision.value), entries: decision.entries };
    case 'remove': {
      const keyBytes = Buffer.from(key, 'utf8');
      const range = Buffer.concat([encodeBytesField(RangeRequestField.key, keyBytes), encodeVarintField(RangeRequestField.countOnly, 1n)]);
      return { request, entries: decision.entries, reroute: { path: PATCHED_PATHS.range, request: range } };
    }
    case 'delete': {
      const deleteRange = encodeBytesField(DeleteRangeRequestField.key, Buffer.from(key, 'utf8'));
      return { request, entries: decision.entries, reroute: { path: PATCHED_PATHS.deleteRange, request: deleteRange } };
    }
  }
}

/** KV/Txn request: puts in the success and failure branches, as for KV/Put; a lost put leaves the branch. */
export function patchTxnRequest(injector: Injector, request: Buffer): WritePatch {
  const entries: InjectionLogEntry[] = [];
  const editOp = (op: Buffer): FieldEdit => {
    const put = readBytesField(op, RequestOpField.put);
    if (!put) return undefined;
    const key = keyOf(put);
    const decision = injector.decide({ message: 'put', key, value: valueOf(put, PutRequestField.value), revision: null });
    if (decision.action === 'keep') return undefined;
    entries.push(...decision.entries);
    if (decision.action === 'replace') return encodeBytesField(RequestOpField.put, withBytesField(put, PutRequestField.value, decision.value));
    if (decision.action === 'remove') return null;
    return encodeBytesField(RequestOpField.deleteRange, encodeBytesField(DeleteRangeRequestField.key, Buffer.from(key, 'utf8')));
  };
  const patched = mapBytesField(mapBytesField(request, TxnRequestField.success, editOp), TxnRequestField.failure, editOp);
  return { request: patched, entries };
}

/** RangeResponse: the read channel alters or hides key-values; `count` follows the hidden ones. */
export function patchRangeResponse(injector: Injector, response: Buffer): Buffer {
  let hidden = 0n;
  const patched = mapBytesField(response, RangeResponseField.kvs, (kv) => {
    const decision = injector.decide({ message: 'range', key: keyOf(kv), value: valueOf(kv, KeyValueField.value), revision: modRevisionOf(kv) });
    if (decision.action === 'keep') return undefined;
    if (decision.action === 'replace') return withBytesField(kv, KeyValueField.value, decision.value);
    hidden++;
    return null;
  });
  if (hidden === 0n) return patched;
  const count = readVarintField(patched, RangeResponseField.count) ?? 0n;
  return setVarintField(patched, RangeResponseField.count, count > hidden ? count - hidden : 0n);
}

/** TxnResponse: the range responses inside it (the apiserver's failure branch reads the current object). */
export function patchTxnResponse(injector: Injector, response: Buffer): Buffer {
  return mapBytesField(response, TxnResponseField.responses, (op) => {
    const range = readBytesField(op, ResponseOpField.range);
    if (!range) return undefined;
    const patched = patchRangeResponse(injector, range);
    return patched === range ? undefined : encodeBytesField(ResponseOpField.range, patched);
  });
}

/** A DELETE event standing in for a PUT: the key vanishes at the event's revision, prev_kv holds what was put. */
function deletionEvent(kv: Buffer): Buffer {
  const tombstone = Buffer.concat([
    encodeBytesField(KeyValueField.key, readBytesField(kv, KeyValueField.key) ?? Buffer.alloc(0)),
    encodeVarintField(KeyValueField.modRevision, readVarintField(kv, KeyValueField.modRevision) ?? 0n),
  ]);
  return Buffer.concat([encodeVarintField(EventField.type, EVENT_DELETE), encodeBytesField(EventField.kv, tombstone), encodeBytesField(EventField.prevKv, kv)]);
}

/**
 * WatchResponse: the read channel alters event values (for a DELETE, its prev_kv) or turns a PUT into a DELETE;
 * the drop channel loses events. A response left without events is dropped whole (null): forwarded, it would
 * look like a progress notification and fake a bookmark at its revision.
 */
export function patchWatchResponse(injector: Injector, response: Buffer): Buffer | null {
  let removed = 0;
  const patched = mapBytesField(response, WatchResponseField.events, (event) => {
    const isDelete = readVarintField(event, EventField.type) === EVENT_DELETE;
    const kv = readBytesField(event, EventField.kv) ?? Buffer.alloc(0);
    const valueHolder = isDelete ? readBytesField(event, EventField.prevKv) : kv;
    const decision = injector.decide({
      message: 'event',
      key: keyOf(kv),
      value: valueHolder ? valueOf(valueHolder, KeyValueField.value) : Buffer.alloc(0),
      revision: modRevisionOf(kv),
    });
    switch (decision.action) {
      case 'keep':
        return undefined;
      case 'replace':
        if (!valueHolder) return undefined;
        return mapBytesField(event, isDelete ? EventField.prevKv : EventField.kv, (holder) => withBytesField(holder, KeyValueField.value, decision.value));
      case 'remove':
        removed++;
        return null;
      case 'delete':
        return isDelete ? undefined : deletionEvent(kv);
    }
  });
  if (removed > 0 && countField(patched, WatchResponseField.events) === 0) return null;
  return patched;
}
