import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeStoredValue, encodeStoredValue, parseStoredValue } from '../../src/k8s/value.js';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'k8s', 'lab-v1.34.2');
const entries = readFileSync(path.join(DIR, 'keys.tsv'), 'utf8').trim().split('\n').map((line) => line.split('\t') as [string, string]);

describe('values written by a real kube-apiserver v1.34.2', () => {
  it('covers the lab resource types', () => {
    expect(entries.length).toBeGreaterThanOrEqual(19);
  });

  it.each(entries)('%s decodes completely and re-encodes to identical bytes', (file, key) => {
    const bytes = readFileSync(path.join(DIR, file));
    const stored = parseStoredValue(bytes, key);
    const object = decodeStoredValue(bytes, key) as { kind: string; metadata: { name?: string } };
    // RangeAllocations (the service IP and node port allocators) are stored with empty metadata.
    if (object.kind !== 'RangeAllocation') expect(object.metadata.name).toBe(key.split('/').at(-1));
    if (stored.format === 'json') expect(object.kind).toBe('APIService');
    else expect(stored.schema).toBeDefined();
    expect(Buffer.from(encodeStoredValue(object, key)).equals(bytes)).toBe(true);
  });

  it('decodes a kube-system pod the way kubectl shows it', () => {
    const [file, key] = entries.find(([, k]) => k.startsWith('/registry/pods/'))!;
    const pod = decodeStoredValue(readFileSync(path.join(DIR, file)), key) as any;
    expect(pod).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'kube-system', ownerReferences: [{ kind: 'ReplicaSet', controller: true }] } });
    expect(pod.spec.containers[0]).toMatchObject({ name: 'coredns', image: expect.stringContaining('coredns'), resources: {} });
    expect(pod.spec.containers[0].ports).toContainEqual({ name: 'dns', containerPort: 53, protocol: 'UDP' });
    expect(pod.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
