import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3, type Watcher } from 'etcd3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EtcdProxy } from '../../src/inject/proxy/etcd-proxy.js';
import { applyFault, type FaultSpec } from '../../src/inject/faults.js';
import type { InjectionInput } from '../../src/inject/proxy/injection.js';
import { decodeStoredValue } from '../../src/k8s/value.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proxy');
const deployment = readFileSync(path.join(fixtures, 'deployment.pb'));
const KEY = '/registry/deployments/default/web';
/** kube-apiserver's view of spec.replicas (1 in the fixture) becomes 2147483647. */
const SET_REPLICAS: FaultSpec = { model: 'set', field: 'spec.replicas', variant: 'max-int32' };
/** spec.minReadySeconds (5 in the fixture) with its lowest bit flipped: 4. */
const FLIP_MIN_READY: FaultSpec = { model: 'bitflip', field: 'spec.minReadySeconds', bit: 0 };
const faulty = (spec: FaultSpec, key = KEY) => Buffer.from(applyFault(deployment, key, spec).bytes!);
const decoded = (bytes: Buffer) => decodeStoredValue(bytes, KEY) as { spec: Record<string, unknown> };

/** The value decodes to the original except for one field. */
function expectOnlyChange(bytes: Buffer, field: string, value: unknown): void {
  const object = decoded(bytes);
  expect(object.spec[field]).toBe(value);
  const original = decoded(deployment);
  expect({ ...object, spec: { ...object.spec, [field]: original.spec[field] } }).toEqual(original);
}

let etcd: EtcdInstance;
let proxy: EtcdProxy;
let direct: Etcd3;
let viaProxy: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd();
  proxy = await EtcdProxy.start({ listen: '127.0.0.1:0', upstream: etcd.endpoint });
  direct = new Etcd3({ hosts: etcd.endpoint });
  viaProxy = new Etcd3({ hosts: `http://${proxy.address}` });
});

afterAll(async () => {
  viaProxy?.close();
  direct?.close();
  await proxy?.close(0);
  await etcd?.stop();
});

let logStart = 0;
beforeEach(() => {
  logStart = proxy.injector.log().length;
});

/** Log entries written by the current test. */
function newEntries() {
  return proxy.injector.log(logStart);
}

/** The status of one injection. */
function statusOf(id: string) {
  return proxy.injector.status().find((status) => status.id === id);
}

afterEach(async () => {
  proxy.injector.disarm();
  await direct.delete().prefix('/');
});

function arm(injection: InjectionInput) {
  return proxy.injector.arm(injection);
}

/** Writes like kube-apiserver's create: Txn{MOD(key)==0; Put(key, value)}. */
function apiserverCreate(client: Etcd3, key: string, value: Buffer) {
  return client.if(key, 'Mod', '==', 0).then(client.put(key).value(value)).commit();
}

async function stored(key: string): Promise<Buffer | null> {
  return direct.get(key).buffer();
}

function record(watcher: Watcher) {
  const responses: number[] = [];
  const events: { type: string; key: string; value: Buffer; prevValue?: Buffer }[] = [];
  watcher.on('data', (res) => responses.push(res.events.length));
  watcher.on('put', (kv, prev) => events.push({ type: 'put', key: kv.key.toString(), value: kv.value, prevValue: prev?.value }));
  watcher.on('delete', (kv, prev) => events.push({ type: 'delete', key: kv.key.toString(), value: kv.value, prevValue: prev?.value }));
  return { responses, events };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('write channel', () => {
  it('alters what etcd stores for the matching Txn put, and logs it', async () => {
    arm({ id: 'w1', channel: 'write', match: { keyPrefix: '/registry/deployments/', kind: 'Deployment' }, fault: SET_REPLICAS });
    const result = await apiserverCreate(viaProxy, KEY, deployment);
    expect(result.succeeded).toBe(true);
    expectOnlyChange((await stored(KEY))!, 'replicas', 2147483647);

    const [entry, ...more] = newEntries();
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ injectionId: 'w1', channel: 'write', message: 'put', key: KEY, revision: result.header.revision });
    expect(entry.before).toBe(deployment.toString('base64'));
    expect(entry.after).toBe(faulty(SET_REPLICAS).toString('base64'));
    expect(entry.field).toBe('spec.replicas');
    expect(entry.fault).toContain('spec.replicas');

    // One-shot: the next write goes through untouched.
    await viaProxy.put(KEY).value(deployment);
    expect(Buffer.compare((await stored(KEY))!, deployment)).toBe(0);
  });

  it('passes a value the fault does not apply to through unchanged, without counting it', async () => {
    arm({ id: 'wna', channel: 'write', match: { keyPrefix: '/registry/' }, fault: SET_REPLICAS });
    await viaProxy.put('/registry/configmaps/default/text').value('not a kubernetes value');
    await apiserverCreate(viaProxy, KEY, deployment);
    expect(await direct.get('/registry/configmaps/default/text').string()).toBe('not a kubernetes value');
    expectOnlyChange((await stored(KEY))!, 'replicas', 2147483647);
    expect(statusOf('wna')).toMatchObject({ matched: 1, applied: 1, state: 'done' });
    expect(proxy.injector.faultErrors.at(-1)).toMatchObject({ injectionId: 'wna', key: '/registry/configmaps/default/text' });
  });

  it('takes candidate uids for the other-uid variant from the injection', async () => {
    const uid = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    arm({
      id: 'wuid',
      channel: 'write',
      match: { kind: 'Deployment' },
      fault: { model: 'set', field: 'metadata.ownerReferences[0].uid', variant: 'other-uid' },
      context: { uids: [uid] },
    });
    await apiserverCreate(viaProxy, KEY, deployment);
    const object = decodeStoredValue((await stored(KEY))!, KEY) as { metadata: { ownerReferences: { uid: string }[] } };
    expect(object.metadata.ownerReferences[0].uid).toBe(uid);
    expect(newEntries()[0]).toMatchObject({ field: 'metadata.ownerReferences[0].uid' });
  });

  it('fires on the nth matching message only', async () => {
    arm({ id: 'w3', channel: 'write', match: { namespace: 'default', name: 'web-*' }, trigger: { nth: 3 }, fault: FLIP_MIN_READY });
    await viaProxy.put('/registry/deployments/other/web-0').value(deployment);
    for (let i = 1; i <= 4; i++) await viaProxy.put(`/registry/deployments/default/web-${i}`).value(deployment);
    const altered = [];
    for (let i = 1; i <= 4; i++) altered.push(Buffer.compare((await stored(`/registry/deployments/default/web-${i}`))!, deployment) !== 0);
    expect(altered).toEqual([false, false, true, false]);
    expect(Buffer.compare((await stored('/registry/deployments/other/web-0'))!, deployment)).toBe(0);
    expect(statusOf('w3')).toEqual({ id: 'w3', channel: 'write', matched: 3, applied: 1, state: 'done' });
  });

  it('fires on every matching message for everyForMs', async () => {
    arm({ id: 'wall', channel: 'write', match: { keyPrefix: '/registry/deployments/' }, trigger: { everyForMs: 60_000 }, fault: FLIP_MIN_READY });
    for (let i = 0; i < 3; i++) await viaProxy.put(`/registry/deployments/default/d${i}`).value(deployment);
    await viaProxy.put('/registry/configmaps/default/c').value(deployment);
    for (let i = 0; i < 3; i++) expectOnlyChange((await stored(`/registry/deployments/default/d${i}`))!, 'minReadySeconds', 4);
    expect(Buffer.compare((await stored('/registry/configmaps/default/c'))!, deployment)).toBe(0);
    expect(statusOf('wall')).toMatchObject({ matched: 3, applied: 3, state: 'firing' });
  });

  it('never alters the apiserver health key or the compaction key', async () => {
    arm({ id: 'wsafe', channel: 'write', trigger: { everyForMs: 60_000 }, fault: { model: 'corrupt', variant: 'magic' } });
    await viaProxy.put('/registry/health').value(deployment);
    await viaProxy.put('compact_rev_key').value(deployment);
    expect(Buffer.compare((await stored('/registry/health'))!, deployment)).toBe(0);
    expect(Buffer.compare((await stored('compact_rev_key'))!, deployment)).toBe(0);
    expect(newEntries()).toHaveLength(0);
  });
});

describe('read channel', () => {
  it('alters what a Range returns while etcd keeps the original', async () => {
    await direct.put(KEY).value(deployment);
    arm({ id: 'r1', channel: 'read', match: { kind: 'Deployment', name: 'web' }, fault: FLIP_MIN_READY });
    expectOnlyChange((await viaProxy.get(KEY).buffer())!, 'minReadySeconds', 4);
    expect(Buffer.compare((await stored(KEY))!, deployment)).toBe(0);
    expect(Buffer.compare((await viaProxy.get(KEY).buffer())!, deployment)).toBe(0);
    const [entry] = newEntries();
    const modRevision = (await direct.get(KEY).exec()).kvs[0].mod_revision;
    expect(entry).toMatchObject({ channel: 'read', message: 'range', key: KEY, revision: modRevision });
  });

  it('alters the failure-branch Range of an apiserver update Txn', async () => {
    await direct.put(KEY).value(deployment);
    arm({ id: 'r2', channel: 'read', match: { keyPrefix: KEY }, fault: FLIP_MIN_READY });
    const conflict = await viaProxy.if(KEY, 'Mod', '==', 1).then(viaProxy.put(KEY).value('x')).else(viaProxy.get(KEY)).commit();
    expect(conflict.succeeded).toBe(false);
    expect(Buffer.compare(conflict.responses[0].response_range!.kvs[0].value, faulty(FLIP_MIN_READY))).toBe(0);
    expect(Buffer.compare((await stored(KEY))!, deployment)).toBe(0);
  });

  it('alters a watch event value', async () => {
    const watcher = await viaProxy.watch().prefix('/registry/deployments/').withPreviousKV().create();
    const seen = record(watcher);
    arm({ id: 'r3', channel: 'read', match: { keyPrefix: '/registry/deployments/', message: 'event' }, fault: FLIP_MIN_READY });
    await direct.put(KEY).value(deployment);
    await until(() => seen.events.length === 1, 'the watch event');
    expect(Buffer.compare(seen.events[0].value, faulty(FLIP_MIN_READY))).toBe(0);
    expect(Buffer.compare((await stored(KEY))!, deployment)).toBe(0);
    await watcher.cancel();
  });

  it('alters a watch event whose value spans many HTTP/2 DATA frames', async () => {
    const big = Buffer.alloc(1024 * 1024, 0x61);
    const watcher = await viaProxy.watch().prefix('/big/').create();
    const seen = record(watcher);
    await direct.put('/big/before').value(big);
    await until(() => seen.events.length === 1, 'the unaltered event');
    arm({ id: 'rbig', channel: 'read', match: { keyPrefix: '/big/' }, fault: { model: 'corrupt', variant: 'magic' } });
    await direct.put('/big/after').value(big);
    await until(() => seen.events.length === 2, 'the altered event');
    const altered = Buffer.from(big);
    altered[3] ^= 0x01;
    expect(Buffer.compare(seen.events[0].value, big)).toBe(0);
    expect(Buffer.compare(seen.events[1].value, altered)).toBe(0);
    await watcher.cancel();
  });

  it('hides a key-value from a list when the fault deletes it, and corrects the count', async () => {
    for (const name of ['a', 'b', 'c']) await direct.put(`/registry/deployments/default/${name}`).value(deployment);
    arm({ id: 'r4', channel: 'read', match: { name: 'b' }, fault: { model: 'delete' } });
    const list = await viaProxy.getAll().prefix('/registry/deployments/').keys();
    expect(list).toEqual(['/registry/deployments/default/a', '/registry/deployments/default/c']);
    expect(await direct.getAll().prefix('/registry/deployments/').count()).toBe(3);
  });

  it('turns a watched PUT into a DELETE when the fault deletes the object', async () => {
    const watcher = await viaProxy.watch().prefix('/registry/deployments/').withPreviousKV().create();
    const seen = record(watcher);
    arm({ id: 'r5', channel: 'read', match: { message: 'event' }, fault: { model: 'delete' } });
    await direct.put(KEY).value(deployment);
    await until(() => seen.events.length === 1, 'the watch event');
    expect(seen.events[0].type).toBe('delete');
    expect(seen.events[0].key).toBe(KEY);
    expect(Buffer.compare(seen.events[0].prevValue!, deployment)).toBe(0);
    await watcher.cancel();
  });
});

describe('drop channel', () => {
  it('loses a write: the client sees success, etcd stores nothing', async () => {
    arm({ id: 'd1', channel: 'drop', match: { keyPrefix: '/registry/deployments/', message: 'put' } });
    const result = await apiserverCreate(viaProxy, KEY, deployment);
    expect(result.succeeded).toBe(true);
    expect(await stored(KEY)).toBeNull();
    await viaProxy.put('/registry/deployments/default/plain').value(deployment);
    expect(Buffer.compare((await stored('/registry/deployments/default/plain'))!, deployment)).toBe(0);
  });

  it('loses a plain Put and answers it with a real header', async () => {
    arm({ id: 'd2', channel: 'drop', match: { name: 'lost' } });
    const before = Number((await direct.get('/x').exec()).header.revision);
    const response = await viaProxy.put('/registry/configmaps/default/lost').value('v').exec();
    expect(Number(response.header.revision)).toBe(before);
    expect(await stored('/registry/configmaps/default/lost')).toBeNull();
  });

  it('loses a watch event without faking a bookmark', async () => {
    const watcher = await viaProxy.watch().prefix('/registry/deployments/').create();
    const seen = record(watcher);
    arm({ id: 'd3', channel: 'drop', match: { name: 'first', message: 'event' } });
    await direct.put('/registry/deployments/default/first').value(deployment);
    await direct.put('/registry/deployments/default/second').value(deployment);
    await until(() => seen.events.length === 1, 'the second event');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.events.map((e) => e.key)).toEqual(['/registry/deployments/default/second']);
    // The response that carried only the dropped event was not forwarded at all: an empty response would read
    // as a progress notification at its revision.
    expect(seen.responses).toEqual([1]);
    expect(await stored('/registry/deployments/default/first')).not.toBeNull();
    expect(newEntries()[0]).toMatchObject({ channel: 'drop', message: 'event', key: '/registry/deployments/default/first', after: null });
    await watcher.cancel();
  });
});
