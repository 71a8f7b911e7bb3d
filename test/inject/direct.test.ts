import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LAB_MARKER_KEY } from '../../src/core/lab-marker.js';
import { ForeignClusterError, InjectionConflictError, Injector } from '../../src/inject/direct.js';
import { applyFault } from '../../src/inject/faults.js';
import { setField } from '../../src/k8s/edit.js';
import { decodeStoredValue } from '../../src/k8s/value.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'k8s');
const pod = readFileSync(path.join(FIXTURES, 'auger', 'storage', 'pod.bin')).subarray(0, -1);
const KEY = '/registry/pods/default/pi-dqtsw';

let etcd: EtcdInstance;
let client: Etcd3;
let dir: string;
let injector: Injector;
let journalPath: string;

async function stored(key = KEY): Promise<{ value: Buffer; modRevision: number } | null> {
  const kv = (await client.get(key).exec()).kvs[0];
  return kv ? { value: kv.value, modRevision: Number(kv.mod_revision) } : null;
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-inject-'));
});

afterAll(async () => {
  injector?.close();
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  injector?.close();
  await client.delete().all();
  await client.put(LAB_MARKER_KEY).value(JSON.stringify({ labId: 'test', createdAt: '2026-01-01T00:00:00Z' }));
  await client.put(KEY).value(pod);
  journalPath = path.join(dir, `journal-${Date.now()}-${Math.random()}.sqlite`);
  injector = await Injector.open({ endpoints: [etcd.endpoint] }, { journalPath });
});

describe('Injector', () => {
  it('refuses an etcd without the lab marker unless allowForeignCluster', async () => {
    await client.delete().key(LAB_MARKER_KEY);
    await expect(Injector.open({ endpoints: [etcd.endpoint] }, { journalPath })).rejects.toThrow(ForeignClusterError);
    await expect(Injector.open({ endpoints: [etcd.endpoint] }, { journalPath })).rejects.toThrow('has no /mutiny/lab marker');
    const foreign = await Injector.open({ endpoints: [etcd.endpoint] }, { journalPath, allowForeignCluster: true });
    foreign.close();
  });

  it('injects one field, journals it, and restores the original bytes exactly', async () => {
    const original = await stored();
    const result = await injector.inject(KEY, { model: 'set', field: 'metadata.ownerReferences[0].uid', variant: 'random-uid', seed: 4 });
    const now = await stored();
    expect(result.writtenModRevision).toBe(now!.modRevision);
    const expected = structuredClone(decodeStoredValue(pod)) as any;
    expected.metadata.ownerReferences[0].uid = result.after;
    expect(decodeStoredValue(now!.value)).toEqual(expected);
    expect(result.diff).toEqual([{ path: 'metadata.ownerReferences[0].uid', before: 'a4acc46c-5b56-11e7-8d4b-42010a800002', after: result.after }]);
    expect(injector.journal.get(result.id!)).toMatchObject({ state: 'written', originalModRevision: original!.modRevision, injectedModRevision: now!.modRevision });

    const restored = await injector.restore(result.id!);
    expect(restored.outcome).toBe('restored');
    expect((await stored())!.value.equals(pod)).toBe(true);
    expect(injector.journal.get(result.id!).state).toBe('restored');
    expect((await injector.restore(result.id!)).outcome).toBe('nothing-to-do');
  });

  it('dry-run reports the change and writes nothing, not even a journal row', async () => {
    const before = await stored();
    const result = await injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'invalid-dns' }, { dryRun: true });
    expect(result).toMatchObject({ id: null, dryRun: true, before: 'kubernetes-minion-group-vlql', after: 'KUBERNETES_MINION_GROUP_VLQL_' });
    expect(await stored()).toEqual(before);
    expect(injector.journal.list()).toHaveLength(0);
  });

  it('retries after a concurrent write and never clobbers it', async () => {
    let interfered = false;
    const result = await injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' }, {
      afterJournal: async () => {
        if (interfered) return;
        interfered = true;
        await client.put(KEY).value(Buffer.from(setField(pod, 'metadata.labels[concurrent]', 'yes')));
      },
    });
    expect(result.attempts).toBe(2);
    const final = decodeStoredValue((await stored())!.value) as any;
    expect(final.metadata.labels.concurrent).toBe('yes');
    expect(final.spec.nodeName).toBeUndefined();
    expect(injector.journal.list().map((e) => e.state)).toEqual(['aborted', 'written']);
  });

  it('aborts without writing when retries are exhausted', async () => {
    const concurrent = setField(pod, 'metadata.labels[concurrent]', 'yes');
    await expect(
      injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' }, { retries: 0, afterJournal: async () => void (await client.put(KEY).value(Buffer.from(concurrent))) }),
    ).rejects.toThrow(InjectionConflictError);
    expect((await stored())!.value.equals(Buffer.from(concurrent))).toBe(true);
    expect(injector.journal.list().map((e) => e.state)).toEqual(['aborted']);
  });

  it('under a concurrent writer, every written injection is the fault applied to the value it replaced', async () => {
    let running = true;
    let counter = 0;
    const writer = (async () => {
      while (running) await client.put(KEY).value(Buffer.from(setField(pod, 'metadata.annotations[writer]', String(counter++))));
    })();
    const results = [];
    for (let i = 0; i < 15; i++) {
      results.push(await injector.inject(KEY, { model: 'bitflip', field: 'spec.containers[0].image', seed: i }, { retries: 50 }));
    }
    running = false;
    await writer;
    expect(counter).toBeGreaterThan(15);
    for (const result of results) {
      const entry = injector.journal.get(result.id!);
      const previous = (await client.get(KEY).revision(result.writtenModRevision! - 1).exec()).kvs[0];
      expect(Number(previous.mod_revision)).toBe(entry.originalModRevision);
      expect(Buffer.from(previous.value).equals(Buffer.from(entry.original))).toBe(true);
      const expected = applyFault(entry.original, KEY, entry.fault).bytes!;
      const written = (await client.get(KEY).revision(result.writtenModRevision!).exec()).kvs[0];
      expect(Buffer.from(written.value).equals(Buffer.from(expected))).toBe(true);
    }
  });

  it('restores under a concurrent writer: each restore either lands on the injected value or reports a conflict', async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      await client.put(KEY).value(pod);
      const result = await injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'random-same-length', seed: i });
      let running = true;
      const writer = (async () => {
        // Write only every few milliseconds, so some restores win the race and some lose it.
        while (running) {
          await new Promise((r) => setTimeout(r, i % 2 === 0 ? 0 : 3));
          await client.put(KEY).value(Buffer.from(setField(pod, 'metadata.annotations[writer]', String(Date.now()))));
        }
      })();
      const restored = await injector.restore(result.id!);
      running = false;
      await writer;
      outcomes.push(restored.outcome);
      if (restored.outcome === 'restored') {
        // The restore replaced exactly the injected value, never a concurrent write.
        const replaced = (await client.get(KEY).revision(restored.modRevision! - 1).exec()).kvs[0];
        expect(Buffer.from(replaced.value).equals(Buffer.from(injector.journal.get(result.id!).injected!))).toBe(true);
        const written = (await client.get(KEY).revision(restored.modRevision!).exec()).kvs[0];
        expect(Buffer.from(written.value).equals(pod)).toBe(true);
      } else {
        expect(restored.outcome).toBe('conflict');
        expect(injector.journal.get(result.id!).state).toBe('written');
      }
    }
    expect(outcomes.every((o) => o === 'restored' || o === 'conflict')).toBe(true);
  });

  it('restore reports a conflict instead of overwriting a newer write, and --force overwrites it', async () => {
    const result = await injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' });
    await client.put(KEY).value(Buffer.from(setField(pod, 'metadata.labels[later]', 'write')));
    const conflict = await injector.restore(result.id!);
    expect(conflict.outcome).toBe('conflict');
    expect(conflict.message).toMatch(/changed since injection \d+ \(now mod_revision \d+\); not restored/);
    expect((decodeStoredValue((await stored())!.value) as any).metadata.labels.later).toBe('write');
    expect(injector.journal.get(result.id!).state).toBe('written');
    expect((await injector.restore(result.id!, { force: true })).outcome).toBe('restored');
    expect((await stored())!.value.equals(pod)).toBe(true);
  });

  it('recovers from a crash between journal and write (pending, never written)', async () => {
    await expect(
      injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' }, { afterJournal: () => { throw new Error('simulated crash'); } }),
    ).rejects.toThrow('simulated crash');
    const [entry] = injector.journal.list();
    expect(entry.state).toBe('pending');
    const [restored] = await injector.restorePending();
    expect(restored.outcome).toBe('never-written');
    expect(injector.journal.get(entry.id).state).toBe('aborted');
    expect((await stored())!.value.equals(pod)).toBe(true);
  });

  it('recovers from a crash after the write (pending, but written)', async () => {
    const result = await injector.inject(KEY, { model: 'set', field: 'spec.nodeName', variant: 'empty' });
    injector.close();
    // The process died after the transaction, before marking the row written.
    const db = new Database(journalPath);
    db.prepare(`UPDATE injections SET state = 'pending', injected_mod_revision = NULL WHERE id = ?`).run(result.id);
    db.close();
    injector = await Injector.open({ endpoints: [etcd.endpoint] }, { journalPath });
    const [restored] = await injector.restorePending();
    expect(restored.outcome).toBe('restored');
    expect((await stored())!.value.equals(pod)).toBe(true);
  });

  it('delete removes the key and restore recreates it', async () => {
    const result = await injector.inject(KEY, { model: 'delete' });
    expect(await stored()).toBeNull();
    expect((await injector.restore(result.id!)).outcome).toBe('restored');
    expect((await stored())!.value.equals(pod)).toBe(true);
  });

  it('refuses drop (an in-flight fault) and encrypted values', async () => {
    await expect(injector.inject(KEY, { model: 'drop' })).rejects.toThrow('only the proxy can do');
    const secretKey = '/registry/secrets/default/secret-post-deploy';
    await client.put(secretKey).value(readFileSync(path.join(FIXTURES, 'etcdctl-hexdump-realworld', 'secret_default_secret-post-deploy.kmsv1.bin')));
    await expect(injector.inject(secretKey, { model: 'set', field: 'data', variant: 'clear' })).rejects.toThrow('encrypted at rest (kms:v1:vaultprovider)');
    expect(injector.journal.list()).toHaveLength(0);
  });
});
