import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFault, type FaultSpec } from '../../src/inject/faults.js';
import { decodeStoredValue } from '../../src/k8s/value.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'k8s');
const pod = readFileSync(path.join(FIXTURES, 'auger', 'storage', 'pod.bin')).subarray(0, -1);
const deployment = readFileSync(path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0', 'apps.v1.Deployment.pb'));
const POD_KEY = '/registry/pods/default/pi-dqtsw';
const DEPLOYMENT_KEY = '/registry/deployments/default/web';

/** The decoded object after the fault equals the original with exactly `mutate` applied. */
function expectOnly(before: Uint8Array, after: Uint8Array | null, mutate: (o: any) => void): void {
  const expected = structuredClone(decodeStoredValue(before)) as any;
  mutate(expected);
  expect(decodeStoredValue(after!)).toEqual(expected);
}

describe('applyFault', () => {
  it('is deterministic given value, key and spec, and the seed changes the choice', () => {
    const spec: FaultSpec = { model: 'bitflip', field: 'metadata.ownerReferences[0].uid', seed: 7 };
    const a = applyFault(pod, POD_KEY, spec);
    expect(Buffer.from(applyFault(pod, POD_KEY, spec).bytes!).equals(Buffer.from(a.bytes!))).toBe(true);
    const others = [1, 2, 3, 4, 5].map((seed) => Buffer.from(applyFault(pod, POD_KEY, { ...spec, seed }).bytes!).toString('hex'));
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  it('bitflip flips exactly one bit inside the field value and nothing else', () => {
    const result = applyFault(pod, POD_KEY, { model: 'bitflip', field: 'spec.nodeName', bit: 0 });
    const changed = [...pod].map((b, i) => b ^ result.bytes![i]).map((x, i) => [x, i]).filter(([x]) => x !== 0);
    expect(changed).toHaveLength(1);
    expect(changed[0][0]).toBe(1);
    expect(result.before).toBe('kubernetes-minion-group-vlql');
    expect(result.after).toBe('jubernetes-minion-group-vlql');
    expect(result.description).toBe(`bitflip spec.nodeName of ${POD_KEY}: bit 0 (byte ${changed[0][1]}, bit 0): "kubernetes-minion-group-vlql" -> "jubernetes-minion-group-vlql"`);
  });

  it('bitflip on a varint never touches continuation bits', () => {
    for (let bit = 0; bit < 7; bit++) {
      const result = applyFault(pod, POD_KEY, { model: 'bitflip', field: 'spec.terminationGracePeriodSeconds', bit });
      expect(result.after).toBe(30 ^ (1 << bit));
    }
    expect(() => applyFault(pod, POD_KEY, { model: 'bitflip', field: 'spec.terminationGracePeriodSeconds', bit: 7 })).toThrow('has 7 flippable bits');
  });

  it('set variants produce the documented values and change only that field', () => {
    const cases: Array<[Uint8Array, string, FaultSpec, (o: any) => void]> = [
      [deployment, DEPLOYMENT_KEY, { model: 'set', field: 'spec.replicas', variant: 'zero' }, (o) => (o.spec.replicas = 0)],
      [deployment, DEPLOYMENT_KEY, { model: 'set', field: 'spec.replicas', variant: 'max-int32' }, (o) => (o.spec.replicas = 2147483647)],
      [deployment, DEPLOYMENT_KEY, { model: 'set', field: 'spec.replicas', variant: 'off-by-one' }, (o) => (o.spec.replicas += 1)],
      [deployment, DEPLOYMENT_KEY, { model: 'set', field: 'spec.replicas', variant: 'minus-one' }, (o) => (o.spec.replicas = -1)],
      [pod, POD_KEY, { model: 'set', field: 'spec.nodeName', variant: 'invalid-dns' }, (o) => (o.spec.nodeName = 'KUBERNETES_MINION_GROUP_VLQL_')],
      [pod, POD_KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' }, (o) => delete o.spec.nodeName],
      [pod, POD_KEY, { model: 'set', field: 'status.containerStatuses[0].ready', variant: 'flip' }, (o) => (o.status.containerStatuses[0].ready = true)],
      [pod, POD_KEY, { model: 'set', field: 'spec.containers[0].resources.requests[cpu]', variant: 'huge' }, (o) => (o.spec.containers[0].resources.requests.cpu = '8Ei')],
      [pod, POD_KEY, { model: 'set', field: 'spec.containers[0].resources.requests[cpu]', variant: 'zero' }, (o) => (o.spec.containers[0].resources.requests.cpu = '0')],
      [pod, POD_KEY, { model: 'set', field: 'metadata.creationTimestamp', variant: 'future' }, (o) => (o.metadata.creationTimestamp = '2999-12-31T23:59:59Z')],
      [pod, POD_KEY, { model: 'set', field: 'status.startTime', variant: 'past' }, (o) => (o.status.startTime = '1970-01-01T00:00:01Z')],
      [pod, POD_KEY, { model: 'set', field: 'spec.tolerations', variant: 'clear' }, (o) => delete o.spec.tolerations],
      [pod, POD_KEY, { model: 'set', field: 'metadata.ownerReferences', variant: 'duplicate-entry' }, (o) => o.metadata.ownerReferences.push(o.metadata.ownerReferences[0])],
      [pod, POD_KEY, { model: 'set', field: 'spec.securityContext', variant: 'unset' }, (o) => delete o.spec.securityContext],
    ];
    for (const [bytes, key, spec, mutate] of cases) expectOnly(bytes, applyFault(bytes, key, spec).bytes, mutate);
  });

  it('map entries: drop-entry removes one, duplicate-entry copies one under <key>-copy', () => {
    const labels = (decodeStoredValue(pod) as any).metadata.labels as Record<string, string>;
    const dropped = (decodeStoredValue(applyFault(pod, POD_KEY, { model: 'set', field: 'metadata.labels', variant: 'drop-entry', seed: 1 }).bytes!) as any).metadata.labels;
    expect(Object.keys(dropped)).toHaveLength(1);
    expect(labels).toMatchObject(dropped);
    const duplicated = (decodeStoredValue(applyFault(pod, POD_KEY, { model: 'set', field: 'metadata.labels', variant: 'duplicate-entry', seed: 1 }).bytes!) as any).metadata.labels;
    const copies = Object.keys(duplicated).filter((k) => k.endsWith('-copy'));
    expect(copies).toHaveLength(1);
    expect(duplicated).toEqual({ ...labels, [copies[0]]: labels[copies[0].slice(0, -'-copy'.length)] });
  });

  it('set picks other names and uids from the candidates, and another enum value', () => {
    const name = applyFault(pod, POD_KEY, { model: 'set', field: 'spec.nodeName', variant: 'other-name', seed: 1 }, { names: ['kubernetes-minion-group-vlql', 'node-b'] });
    expect(name.after).toBe('node-b');
    const uid = applyFault(pod, POD_KEY, { model: 'set', field: 'metadata.ownerReferences[0].uid', variant: 'other-uid' }, { uids: ['u-2'] });
    expect(uid.after).toBe('u-2');
    const random = applyFault(pod, POD_KEY, { model: 'set', field: 'metadata.ownerReferences[0].uid', variant: 'random-uid', seed: 3 });
    expect(random.after).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const policy = applyFault(pod, POD_KEY, { model: 'set', field: 'spec.restartPolicy', variant: 'other-value', seed: 2 });
    expect(['Always', 'OnFailure']).toContain(policy.after);
    expect(() => applyFault(pod, POD_KEY, { model: 'set', field: 'spec.nodeName', variant: 'other-name' })).toThrow('no other name is known');
  });

  it('refuses a variant that does not fit the field type', () => {
    expect(() => applyFault(deployment, DEPLOYMENT_KEY, { model: 'set', field: 'spec.replicas', variant: 'max-int64' })).toThrow(
      'set variant "max-int64" does not apply to spec.replicas',
    );
  });

  it('drop and delete return null; corrupt returns undecodable bytes', () => {
    expect(applyFault(pod, POD_KEY, { model: 'drop' })).toEqual({ bytes: null, description: `drop the write of ${POD_KEY}` });
    expect(applyFault(pod, POD_KEY, { model: 'delete' }).bytes).toBeNull();
    for (const variant of ['truncate', 'garbage', 'magic']) {
      const corrupted = applyFault(pod, POD_KEY, { model: 'corrupt', variant, seed: 1 });
      expect(() => decodeStoredValue(corrupted.bytes!)).toThrow();
    }
  });

  it('applies set and bitflip to JSON-stored values (custom resources)', () => {
    const json = readFileSync(path.join(FIXTURES, 'auger', 'json', 'pod.json'));
    const result = applyFault(json, '/registry/example.com/widgets/default/w', { model: 'set', field: 'spec.containers[0].image', variant: 'empty' });
    expectOnly(json, result.bytes, (o) => (o.spec.containers[0].image = ''));
    const flipped = applyFault(json, '/registry/example.com/widgets/default/w', { model: 'bitflip', field: 'spec.containers[0].image', bit: 0 });
    expect(flipped.after).toBe('qerl');
  });
});
