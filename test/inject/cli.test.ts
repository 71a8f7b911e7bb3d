import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { LAB_MARKER_KEY } from '../../src/core/lab-marker.js';
import { run } from '../../src/cli/main.js';
import { startEtcd, type EtcdInstance } from '../support/etcd.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'k8s');
const podCapture = path.join(FIXTURES, 'auger', 'storage', 'pod.bin');
const pod = readFileSync(podCapture).subarray(0, -1);
const deployment = readFileSync(path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0', 'apps.v1.Deployment.pb'));
const POD_KEY = '/registry/pods/default/pi-dqtsw';
const DEPLOYMENT_KEY = '/registry/deployments/default/web';

let etcd: EtcdInstance;
let client: Etcd3;
let dir: string;
let journal: string;

async function mutiny(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-cli-'));
  journal = path.join(dir, 'journal.sqlite');
  await client.put(LAB_MARKER_KEY).value('{"labId":"cli-test","createdAt":"2026-01-01T00:00:00Z"}');
  await client.put(POD_KEY).value(pod);
  await client.put(DEPLOYMENT_KEY).value(deployment);
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mutiny decode / encode', () => {
  it('decodes an etcdctl capture (trailing newline) to JSON and YAML', async () => {
    const json = await mutiny('decode', podCapture);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(JSON.parse(readFileSync(path.join(FIXTURES, 'auger', 'json', 'pod.json'), 'utf8')));
    const yaml = await mutiny('decode', '--format', 'yaml', podCapture);
    expect(yaml.out).toMatch(/^kind: Pod\napiVersion: v1\nmetadata:\n  name: pi-dqtsw\n/);
  });

  it('exits non-zero with the byte offset on a value that does not parse', async () => {
    const broken = path.join(dir, 'broken.bin');
    writeFileSync(broken, pod.subarray(0, 700));
    const result = await mutiny('decode', broken);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`error: ${broken}: invalid protobuf at byte offset 15: field 2 runs past the end of its message (needs byte 1572, message ends at 700)\n`);
  });

  it('refuses an encrypted value with a clear message', async () => {
    const result = await mutiny('decode', path.join(FIXTURES, 'etcdctl-hexdump-realworld', 'secret_default_secret-post-deploy.kmsv1.bin'));
    expect(result.code).toBe(1);
    expect(result.err).toContain('encrypted at rest (kms:v1:vaultprovider); mutiny cannot decode or edit encrypted values');
  });

  it('encodes JSON back to the identical stored bytes', async () => {
    const file = path.join(dir, 'deployment.json');
    writeFileSync(file, (await mutiny('decode', path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0', 'apps.v1.Deployment.pb'))).out);
    const chunks: Buffer[] = [];
    const io = { ...memoryIo(), out: { write: (c: Uint8Array) => chunks.push(Buffer.from(c)) } } as never;
    expect(await run(['encode', file], io)).toBe(0);
    expect(Buffer.concat(chunks).equals(deployment)).toBe(true);
  });
});

describe('mutiny inject / restore / fields against real etcd', () => {
  it('dry-run prints the diff and writes nothing', async () => {
    const result = await mutiny('inject', '--endpoints', etcd.endpoint, '--journal', journal, '--key', DEPLOYMENT_KEY, '--field', 'spec.replicas', '--fault', 'set', '--variant', 'zero', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^set spec.replicas of \/registry\/deployments\/default\/web \(zero\): 1 -> 0\n- spec.replicas: 1\n\+ spec.replicas: 0\ndry run: nothing written/);
    expect((await client.get(DEPLOYMENT_KEY).buffer())!.equals(deployment)).toBe(true);
  });

  it('injects, lists the journal, and restores the original bytes', async () => {
    const injected = await mutiny('inject', '--endpoints', etcd.endpoint, '--journal', journal, '--key', POD_KEY, '--field', 'metadata.ownerReferences[0].uid', '--fault', 'set', '--variant', 'random-uid', '--seed', '1');
    expect(injected.code).toBe(0);
    const id = /injection (\d+):/.exec(injected.out)![1];
    expect((await client.get(POD_KEY).buffer())!.equals(pod)).toBe(false);
    const list = await mutiny('restore', '--list', '--journal', journal, '--json');
    expect(JSON.parse(list.out)).toMatchObject([{ id: Number(id), state: 'written', key: POD_KEY }]);
    const restored = await mutiny('restore', id, '--journal', journal);
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.out).toMatch(new RegExp(`^restored: restored ${POD_KEY} \\(injection ${id}\\) at mod_revision \\d+\\n$`));
    expect((await client.get(POD_KEY).buffer())!.equals(pod)).toBe(true);
  });

  it('lists populated fields per kind with SPEC error codes', async () => {
    const result = await mutiny('fields', '--endpoints', etcd.endpoint, '--prefix', '/registry/', '--json');
    expect(result.code).toBe(0);
    const { values, fields } = JSON.parse(result.out) as { values: number; fields: Array<{ kind: string; path: string; type: string; errorCode?: string; example: string }> };
    expect(values).toBe(2);
    expect(fields).toContainEqual({ kind: 'Pod', path: 'metadata.ownerReferences[*].uid', type: 'string', errorCode: 'dependency', count: 1, example: '"a4acc46c-5b56-11e7-8d4b-42010a800002"' });
    expect(fields).toContainEqual({ kind: 'Deployment', path: 'spec.replicas', type: 'int32', errorCode: 'replica-count', count: 1, example: '1' });
    expect(fields).toContainEqual(expect.objectContaining({ kind: 'Pod', path: 'spec.containers[*].resources.requests[*]', type: 'Quantity', errorCode: 'resources' }));
  });

  it('refuses an unknown fault model and an etcd without the lab marker', async () => {
    const bad = await mutiny('inject', '--endpoints', etcd.endpoint, '--journal', journal, '--key', POD_KEY, '--fault', 'melt');
    expect(bad.err).toBe('error: --fault melt: unknown; use one of bitflip, set, drop, delete, corrupt\n');
    await client.delete().key(LAB_MARKER_KEY);
    const foreign = await mutiny('inject', '--endpoints', etcd.endpoint, '--journal', journal, '--key', POD_KEY, '--field', 'spec.nodeName', '--fault', 'set', '--variant', 'empty');
    await client.put(LAB_MARKER_KEY).value('{}');
    expect(foreign.code).toBe(1);
    expect(foreign.err).toContain('has no /mutiny/lab marker, so it is not a mutiny lab; pass --allow-foreign-cluster');
  });
});
