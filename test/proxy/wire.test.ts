import type protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { parseRegistryKey } from '../../src/inject/proxy/etcd-messages.js';
import { Injector } from '../../src/inject/proxy/injection.js';
import { GrpcFrameReader, encodeFrame } from '../../src/inject/proxy/grpc-frames.js';
import { patchRangeResponse, patchWatchResponse } from '../../src/inject/proxy/patch.js';
import { mapBytesField } from '../../src/inject/proxy/wire.js';
import { loadEtcdProtos } from '../support/etcd-protos.js';

// etcd's own message definitions (npm etcd3's proto copies) as an independent decoder of what the proxy writes.
const root = loadEtcdProtos();
const RangeResponse = root.lookupType('etcdserverpb.RangeResponse');
const WatchResponse = root.lookupType('etcdserverpb.WatchResponse');

const header = { cluster_id: '14841639068965178418', member_id: '10276657743932975437', revision: '9007199254740993', raft_term: '2' };
const kv = (key: string, value: string) => ({ key: Buffer.from(key), create_revision: '5', mod_revision: '9007199254740993', version: '1', value: Buffer.from(value), lease: '7587869478936838000' });
const encode = (type: protobuf.Type, message: object) => Buffer.from(type.encode(type.fromObject(message)).finish());
const decode = (type: protobuf.Type, bytes: Buffer) => type.toObject(type.decode(bytes), { longs: String, bytes: String, defaults: false });

function armed(input: object): Injector {
  const injector = new Injector(() => 0);
  injector.arm(input);
  return injector;
}

describe('message edits', () => {
  it('returns the very same buffer when nothing is edited', () => {
    const response = encode(RangeResponse, { header, kvs: [kv('/registry/pods/ns/a', 'A')], count: '1' });
    expect(mapBytesField(response, 2, () => undefined)).toBe(response);
    expect(patchRangeResponse(armed({ id: 'x', channel: 'read', match: { name: 'zzz' }, fault: { model: 'delete' } }), response)).toBe(response);
  });

  it('rewrites a nested value and every enclosing length, leaving int64 fields exact', () => {
    const response = encode(RangeResponse, { header, kvs: [kv('/registry/pods/ns/a', 'A'), kv('/registry/pods/ns/b', 'B')], count: '2', more: true });
    const patched = mapBytesField(response, 2, (entry, index) => (index === 1 ? mapBytesField(entry, 5, () => Buffer.from('a much longer value than before')) : undefined));
    const expected = decode(RangeResponse, encode(RangeResponse, { header, kvs: [kv('/registry/pods/ns/a', 'A'), kv('/registry/pods/ns/b', 'a much longer value than before')], count: '2', more: true }));
    expect(decode(RangeResponse, patched)).toEqual(expected);
    expect(expected).toMatchObject({ header: { revision: '9007199254740993' }, kvs: [{ lease: '7587869478936838000' }, { mod_revision: '9007199254740993' }] });
  });

  it('hides a key-value from a Range response and lowers count', () => {
    const response = encode(RangeResponse, { header, kvs: [kv('/registry/pods/ns/a', 'A'), kv('/registry/pods/ns/b', 'B')], count: '2' });
    const patched = patchRangeResponse(armed({ id: 'x', channel: 'read', match: { name: 'a' }, fault: { model: 'delete' } }), response);
    expect(decode(RangeResponse, patched)).toEqual(decode(RangeResponse, encode(RangeResponse, { header, kvs: [kv('/registry/pods/ns/b', 'B')], count: '1' })));
  });

  it('drops a watch response whose only event is dropped, keeps one with others left', () => {
    const one = encode(WatchResponse, { header, watch_id: '1', events: [{ type: 0, kv: kv('/registry/pods/ns/a', 'A') }] });
    expect(patchWatchResponse(armed({ id: 'x', channel: 'drop', match: { name: 'a' } }), one)).toBeNull();
    const two = encode(WatchResponse, { header, watch_id: '1', events: [{ type: 0, kv: kv('/registry/pods/ns/a', 'A') }, { type: 0, kv: kv('/registry/pods/ns/b', 'B') }] });
    const patched = patchWatchResponse(armed({ id: 'x', channel: 'drop', match: { name: 'a' } }), two)!;
    expect(decode(WatchResponse, patched)).toEqual(decode(WatchResponse, encode(WatchResponse, { header, watch_id: '1', events: [{ type: 0, kv: kv('/registry/pods/ns/b', 'B') }] })));
  });
});

describe('registry keys', () => {
  it.each([
    ['/registry/pods/default/web-0', { namespace: 'default', name: 'web-0' }],
    ['/registry/namespaces/kube-system', { name: 'kube-system', namespace: undefined }],
    ['/registry/services/specs/default/kubernetes', { namespace: 'default', name: 'kubernetes' }],
    ['/registry/apiregistration.k8s.io/apiservices/v1.apps', { name: 'v1.apps', namespace: undefined }],
    ['/registry/example.com/widgets/team-a/w1', { namespace: 'team-a', name: 'w1' }],
    ['compact_rev_key', {}],
  ])('%s', (key, expected) => {
    expect(parseRegistryKey(key)).toEqual(expected);
  });
});

describe('gRPC framing', () => {
  it('reassembles messages split and joined anywhere across chunks', () => {
    const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from('last')];
    const stream = Buffer.concat(messages.map(encodeFrame));
    for (const chunkSize of [1, 3, 5, 6, 4096, stream.length]) {
      const reader = new GrpcFrameReader();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += chunkSize) out.push(...reader.push(stream.subarray(i, i + chunkSize)).map((f) => f.message));
      expect(out).toEqual(messages);
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it('keeps each frame byte-exact and reports the compressed flag', () => {
    const compressed = Buffer.concat([Buffer.from([1, 0, 0, 0, 2]), Buffer.from('zz')]);
    const [frame] = new GrpcFrameReader().push(compressed);
    expect(frame.compressed).toBe(true);
    expect(frame.frame).toEqual(compressed);
  });
});
