import { describe, expect, it } from 'vitest';
import { diffDigests, normalizeForDigest } from '../../src/lab/digest.js';

describe('normalizeForDigest', () => {
  it('drops identity, bookkeeping and time fields but keeps the spec', () => {
    const a = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'mutiny',
        uid: 'u1',
        resourceVersion: '10',
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'x' }],
        labels: { a: 'b' },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active', conditions: [{ type: 'X', lastTransitionTime: 't1' }] },
    };
    const b = structuredClone(a);
    b.metadata.uid = 'u2';
    b.metadata.resourceVersion = '99';
    b.metadata.creationTimestamp = '2026-02-02T00:00:00Z';
    b.status.conditions[0].lastTransitionTime = 't2';
    expect(JSON.stringify(normalizeForDigest(b))).toBe(JSON.stringify(normalizeForDigest(a)));
    expect(normalizeForDigest(a)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { labels: { a: 'b' }, name: 'mutiny' },
      spec: { finalizers: ['kubernetes'] },
      status: { conditions: [{ type: 'X' }], phase: 'Active' },
    });
  });

  it('sees a changed label, and drops ownerReference uids and trigger-time annotations', () => {
    const base = {
      metadata: {
        name: 'web',
        labels: { app: 'web' },
        ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', uid: 'a' }],
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': 'now' },
      },
    };
    const relabeled = structuredClone(base);
    relabeled.metadata.labels.app = 'other';
    expect(JSON.stringify(normalizeForDigest(relabeled))).not.toBe(JSON.stringify(normalizeForDigest(base)));
    expect(normalizeForDigest(base)).toEqual({ metadata: { labels: { app: 'web' }, name: 'web', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1' }] } });
  });
});

describe('normalizeForDigest: endpoint sets', () => {
  const endpoint = (ip: string, node: string, ready = true) => ({ addresses: [ip], conditions: { ready }, nodeName: node, targetRef: { kind: 'Pod', name: `p-${ip}`, uid: ip } });
  const slice = (endpoints: unknown[]) => ({ addressType: 'IPv4', metadata: { name: 'kube-dns-x', namespace: 'kube-system' }, endpoints, ports: [{ name: 'dns', port: 53 }] });

  it('digests an EndpointSlice or Endpoints rewritten in another order as the same state', () => {
    const golden = slice([endpoint('10.244.0.0', 'kwok-node-1'), endpoint('10.244.0.1', 'kwok-node-0')]);
    const rewritten = slice([endpoint('10.244.0.1', 'kwok-node-0'), endpoint('10.244.0.0', 'kwok-node-1')]);
    expect(JSON.stringify(normalizeForDigest(rewritten))).toBe(JSON.stringify(normalizeForDigest(golden)));
    const subsets = (ips: string[]) => ({ metadata: { name: 'web', namespace: 'mutiny' }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ port: 8080 }] }] });
    expect(JSON.stringify(normalizeForDigest(subsets(['10.0.0.2', '10.0.0.1'])))).toBe(JSON.stringify(normalizeForDigest(subsets(['10.0.0.1', '10.0.0.2']))));
  });

  it('still tells a changed endpoint apart', () => {
    const golden = slice([endpoint('10.244.0.0', 'kwok-node-1'), endpoint('10.244.0.1', 'kwok-node-0')]);
    const unready = slice([endpoint('10.244.0.1', 'kwok-node-0'), endpoint('10.244.0.0', 'kwok-node-1', false)]);
    expect(JSON.stringify(normalizeForDigest(unready))).not.toBe(JSON.stringify(normalizeForDigest(golden)));
  });
});

describe('diffDigests', () => {
  it('names added, missing and changed objects in key order', () => {
    expect(diffDigests({ 'pods/ns/a': '1', 'pods/ns/b': '2', 'pods/ns/c': '3' }, { 'pods/ns/a': '1', 'pods/ns/b': 'X', 'pods/ns/d': '4' })).toEqual([
      '~pods/ns/b',
      '-pods/ns/c',
      '+pods/ns/d',
    ]);
  });
});
