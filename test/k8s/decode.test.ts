import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EncryptedValueError, decodeEtcdctlCapture, decodeStoredValue } from '../../src/k8s/value.js';
import { WIRE_LEN, WireFormatError, parseFields, readVarint } from '../../src/k8s/wire.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'k8s');
const API_TESTDATA = path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0');
const read = (relative: string): Buffer => readFileSync(path.join(FIXTURES, relative));
/** auger's storage captures end with the newline `etcdctl get --print-value-only` adds. */
const withoutEtcdctlNewline = (bytes: Buffer): Buffer => bytes.subarray(0, bytes.length - 1);

describe('decodeStoredValue', () => {
  const pbFiles = readdirSync(API_TESTDATA).filter((f) => f.endsWith('.pb'));

  it('has all kubernetes/api round-trip fixtures', () => {
    expect(pbFiles).toHaveLength(20);
  });

  it.each(pbFiles)('decodes k8s-api-testdata %s to its .json twin', (file) => {
    const decoded = decodeStoredValue(readFileSync(path.join(API_TESTDATA, file)));
    const expected = JSON.parse(readFileSync(path.join(API_TESTDATA, file.replace(/\.pb$/, '.json')), 'utf8'));
    expect(decoded).toEqual(expected);
  });

  it.each(['pod', 'job'])('decodes auger storage/%s.bin to its JSON and YAML twins', (name) => {
    const decoded = decodeStoredValue(withoutEtcdctlNewline(read(`auger/storage/${name}.bin`)));
    expect(decoded).toEqual(JSON.parse(read(`auger/json/${name}.json`).toString()));
    expect(decoded).toEqual(parseYaml(read(`auger/yaml/${name}.yaml`).toString()));
  });

  it('decodes a 2017 StorageClass captured from a real cluster', () => {
    const decoded = decodeStoredValue(read('etcdctl-fields-realworld/storageclass_cscdevops-nfs.bin'), '/registry/storageclasses/cscdevops-nfs');
    expect(decoded).toMatchObject({
      kind: 'StorageClass',
      apiVersion: 'storage.k8s.io/v1',
      metadata: { name: 'cscdevops-nfs', uid: 'bf5f3a6e-92a7-11e7-83ac-30e1715dbd38', creationTimestamp: '2017-09-06T02:04:42Z' },
      provisioner: 'cscdevops-nfs',
      parameters: { mountOptions: 'hard,intr,bg,noatime,timeo=5,retrans=5,actimeo=10,retry=5' },
    });
  });

  it('decodes an RKE2 Secret with managedFields', () => {
    const decoded = decodeStoredValue(read('etcdctl-hexdump-realworld/secret_default_secret-pre-deploy.plain.bin'));
    expect(decoded).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: {
        name: 'secret-pre-deploy',
        namespace: 'default',
        uid: 'bd2e0fb7-67cb-4ce5-a49b-e78e903e6e28',
        creationTimestamp: '2022-04-30T10:49:07Z',
        managedFields: [
          {
            manager: 'kubectl-create',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2022-04-30T10:49:07Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { '.': {}, 'f:mykey': {} }, 'f:type': {} },
          },
        ],
      },
      data: { mykey: Buffer.from('mydata').toString('base64') },
      type: 'Opaque',
    });
  });

  it('decodes JSON-stored values (custom resources) as they are', () => {
    const bytes = read('auger/json/pod.json');
    expect(decodeStoredValue(bytes)).toEqual(JSON.parse(bytes.toString()));
  });

  it('refuses a KMS-encrypted Secret, naming the provider', () => {
    const bytes = read('etcdctl-hexdump-realworld/secret_default_secret-post-deploy.kmsv1.bin');
    expect(() => decodeStoredValue(bytes, '/registry/secrets/default/secret-post-deploy')).toThrow(EncryptedValueError);
    expect(() => decodeStoredValue(bytes)).toThrow(/encrypted at rest \(kms:v1:vaultprovider\)/);
  });

  it('reports the byte offset of a truncated value', () => {
    const bytes = withoutEtcdctlNewline(read('auger/storage/pod.bin')).subarray(0, 700);
    try {
      decodeStoredValue(bytes);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WireFormatError);
      expect((error as WireFormatError).offset).toBe(15);
      expect((error as Error).message).toMatch(/byte offset 15: field 2 runs past the end/);
    }
  });

  it('decodes plain `etcdctl get` output (key line, value, newline)', () => {
    const { key, object } = decodeEtcdctlCapture(read('auger/storage/pod-with-key.bin'));
    expect(key).toBe('/registry/pods/default/xyz');
    expect(object).toEqual(JSON.parse(read('auger/json/pod.json').toString()));
  });

  it.each([0, 1, 2])('decodes the value inside bbolt leaf item %i (an mvccpb.KeyValue) as its summary says', (item) => {
    const bytes = read(`auger/boltdb/page2item${item}.bin`);
    const summary = Object.fromEntries(
      read(`auger/boltdb/page2item${item}-summary.txt`).toString().trim().split('\n').map((line) => line.split(': ') as [string, string]),
    );
    const fields = new Map(parseFields(bytes, 0, bytes.length).map((f) => [f.number, f]));
    const text = (n: number) => bytes.subarray(fields.get(n)!.valueStart, fields.get(n)!.end).toString();
    const varint = (n: number) => (fields.has(n) ? readVarint(bytes, fields.get(n)!.valueStart, fields.get(n)!.end)[0] : 0);
    expect(fields.get(5)!.wireType).toBe(WIRE_LEN);
    expect([text(1), varint(2), varint(3), varint(4), varint(6)]).toEqual([
      summary.Key, Number(summary.CreateRevision), Number(summary.ModRevision), Number(summary.Version), Number(summary.Lease),
    ]);
    const decoded = decodeStoredValue(bytes.subarray(fields.get(5)!.valueStart, fields.get(5)!.end), summary.Key) as { metadata: { name: string } };
    expect(decoded.metadata.name).toBe(summary.Key.split('/').at(-1));
  });
});
