import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeField, setField, splice } from '../../src/k8s/edit.js';
import { locateField, parseFieldPath, readLocatedValue } from '../../src/k8s/field-path.js';
import { SCALAR_LIKE_MESSAGES } from '../../src/k8s/schema.js';
import { decodeStoredValue, encodeStoredValue, parseStoredValue } from '../../src/k8s/value.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'k8s');
const API_TESTDATA = path.join(FIXTURES, 'k8s-api-testdata', 'v1.33.0');
const pod = readFileSync(path.join(FIXTURES, 'auger', 'storage', 'pod.bin')).subarray(0, -1);
const deployment = readFileSync(path.join(API_TESTDATA, 'apps.v1.Deployment.pb'));
const clone = <T>(value: T): T => structuredClone(value);

/** Applies the edit and checks the result decodes to the original object with exactly `mutate` applied. */
function expectEdit(bytes: Uint8Array, edit: (b: Uint8Array) => Uint8Array, mutate: (o: any) => void): Uint8Array {
  const expected = clone(decodeStoredValue(bytes)) as any;
  mutate(expected);
  const edited = edit(bytes);
  expect(decodeStoredValue(edited)).toEqual(expected);
  return edited;
}

describe('byte-exact round trips', () => {
  it.each(readdirSync(API_TESTDATA).filter((f) => f.endsWith('.pb')))('%s: decode then encode gives identical bytes', (file) => {
    const bytes = readFileSync(path.join(API_TESTDATA, file));
    expect(Buffer.from(encodeStoredValue(decodeStoredValue(bytes))).equals(bytes)).toBe(true);
  });

  it('an empty splice with every ancestor returns identical bytes (unknown fields kept)', () => {
    const value = parseStoredValue(pod);
    const location = locateField(value, 'spec.containers[0].image');
    const [start] = [location.occurrences[0].start];
    expect(Buffer.from(splice(pod, location.ancestors, start, start, new Uint8Array())).equals(pod)).toBe(true);
  });

  it('keeps fields the schema does not know, byte for byte, across an edit elsewhere', () => {
    // Append unknown field 999 (varint 7) to ObjectMeta, then edit the pod's image.
    const value = parseStoredValue(pod);
    const meta = locateField(value, 'metadata');
    const unknown = new Uint8Array([0xb8, 0x3e, 0x07]);
    const withUnknown = splice(pod, [...meta.ancestors, meta.occurrences[0]], meta.occurrences[0].end, meta.occurrences[0].end, unknown);
    const edited = setField(withUnknown, 'spec.containers[0].image', 'nginx');
    expect(Buffer.from(edited).includes(Buffer.from(unknown))).toBe(true);
    expect(decodeStoredValue(edited)).toEqual({ ...decodeStoredValue(pod), spec: { ...(decodeStoredValue(pod) as any).spec, containers: [{ ...(decodeStoredValue(pod) as any).spec.containers[0], image: 'nginx' }] } });
  });
});

describe('field paths', () => {
  it('parses indices, map keys with dots and slashes, and quoted keys', () => {
    expect(parseFieldPath('spec.template.spec.containers[0].resources.limits[memory]')).toEqual([
      { name: 'spec' }, { name: 'template' }, { name: 'spec' }, { name: 'containers', index: 0 }, { name: 'resources' }, { name: 'limits', key: 'memory' },
    ]);
    expect(parseFieldPath('metadata.labels[app.kubernetes.io/name]')).toEqual([{ name: 'metadata' }, { name: 'labels', key: 'app.kubernetes.io/name' }]);
    expect(parseFieldPath('metadata.annotations["a.b"]')[1]).toEqual({ name: 'annotations', key: 'a.b' });
  });

  it('rejects malformed paths and unknown fields with a hint', () => {
    expect(() => parseFieldPath('spec..x')).toThrow(/expected a field name/);
    expect(() => locateField(parseStoredValue(pod), 'metadata.ownerRefs[0].uid')).toThrow('did you mean ownerReferences?');
    expect(() => locateField(parseStoredValue(pod), 'spec.containers[3].image')).toThrow('containers has 1 element(s), so [3] is out of range');
    expect(() => locateField(parseStoredValue(pod), 'spec.containers.image')).toThrow(/is a list; pick an element/);
  });

  it('reads scalars, lists, maps and inline (embedded) fields', () => {
    const value = parseStoredValue(pod);
    expect(readLocatedValue(pod, locateField(value, 'metadata.ownerReferences[0].uid'))).toBe('a4acc46c-5b56-11e7-8d4b-42010a800002');
    expect(readLocatedValue(pod, locateField(value, 'spec.containers[0].command'))).toEqual(['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)']);
    expect(readLocatedValue(pod, locateField(value, 'spec.containers[0].resources.requests[cpu]'))).toBe('100m');
    expect(readLocatedValue(pod, locateField(value, 'spec.volumes[0].secret.defaultMode'))).toBe(420);
    expect(readLocatedValue(pod, locateField(value, 'spec.hostname'))).toBe(''); // written as "" on the wire
    expect(readLocatedValue(pod, locateField(value, 'spec.enableServiceLinks'))).toBeUndefined();
  });
});

describe('edits change only the addressed field', () => {
  it('sets an owner reference uid', () => {
    expectEdit(pod, (b) => setField(b, 'metadata.ownerReferences[0].uid', 'other'), (o) => (o.metadata.ownerReferences[0].uid = 'other'));
  });
  it('grows a string past a one-byte length prefix (enclosing lengths rewritten)', () => {
    const long = `nginx:${'a'.repeat(300)}`;
    expectEdit(pod, (b) => setField(b, 'spec.containers[0].image', long), (o) => (o.spec.containers[0].image = long));
  });
  it('adds a resource limit to a container that had none', () => {
    expectEdit(pod, (b) => setField(b, 'spec.containers[0].resources.limits[memory]', '1Gi'), (o) => (o.spec.containers[0].resources.limits = { memory: '1Gi' }));
  });
  it('replaces a quantity in place', () => {
    expectEdit(pod, (b) => setField(b, 'spec.containers[0].resources.requests[cpu]', '0'), (o) => (o.spec.containers[0].resources.requests.cpu = '0'));
  });
  it('sets an int64 pointer to -1 and a Time far in the future', () => {
    expectEdit(pod, (b) => setField(b, 'spec.terminationGracePeriodSeconds', -1), (o) => (o.spec.terminationGracePeriodSeconds = -1));
    expectEdit(pod, (b) => setField(b, 'metadata.creationTimestamp', '2999-01-01T00:00:00Z'), (o) => (o.metadata.creationTimestamp = '2999-01-01T00:00:00Z'));
  });
  it('removes a label and a whole list', () => {
    expectEdit(pod, (b) => removeField(b, 'metadata.labels[job-name]'), (o) => delete o.metadata.labels['job-name']);
    expectEdit(pod, (b) => removeField(b, 'spec.tolerations'), (o) => delete o.spec.tolerations);
  });
  it('edits through an inline struct (Probe.handler) and an IntOrString', () => {
    expectEdit(deployment, (b) => setField(b, 'spec.template.spec.containers[0].livenessProbe.httpGet.port', 'http'), (o) => (o.spec.template.spec.containers[0].livenessProbe.httpGet.port = 'http'));
  });
  it('sets replicas to max int32', () => {
    const edited = expectEdit(deployment, (b) => setField(b, 'spec.replicas', 2147483647), (o) => (o.spec.replicas = 2147483647));
    expect(edited.length).toBe(deployment.length + 4);
  });
});

/** Concrete paths (indices and keys filled in) of every leaf of a decoded object, with their values. */
function leaves(value: unknown, path: string, out: Array<[string, unknown]>, mapFields: Set<string>, rawFields: Set<string>): void {
  if (rawFields.has(path.replace(/\[\d+\]/g, ''))) {
    out.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((element, i) => leaves(element, `${path}[${i}]`, out, mapFields, rawFields));
  } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0 && !mapFields.has(path.replace(/\[\d+\]/g, ''))) {
    for (const [key, child] of Object.entries(value)) leaves(child, path ? `${path}.${key}` : key, out, mapFields, rawFields);
  } else if (value !== null && typeof value === 'object' && mapFields.has(path.replace(/\[\d+\]/g, ''))) {
    for (const [key, child] of Object.entries(value)) out.push([`${path}[${key}]`, child]);
  } else {
    out.push([path, value]);
  }
}

describe('every field re-set to its own value gives identical bytes', () => {
  it.each(readdirSync(API_TESTDATA).filter((f) => f.endsWith('.pb')))('%s', (file) => {
    const bytes = readFileSync(path.join(API_TESTDATA, file));
    const value = parseStoredValue(bytes);
    const { kind: _kind, apiVersion: _apiVersion, ...object } = decodeStoredValue(bytes);
    const mapFields = new Set<string>();
    const rawFields = new Set<string>();
    const collect = (o: unknown, p: string): void => {
      if (Array.isArray(o)) o.forEach((e, i) => collect(e, `${p}[${i}]`));
      else if (o !== null && typeof o === 'object') {
        for (const [k, child] of Object.entries(o)) {
          const childPath = p ? `${p}.${k}` : k;
          const field = locateField(value, childPath).field;
          const normalized = childPath.replace(/\[\d+\]/g, '');
          if (field.mapKey) mapFields.add(normalized);
          else if (field.messageName && SCALAR_LIKE_MESSAGES.has(field.messageName)) rawFields.add(normalized);
          else collect(child, childPath);
        }
      }
    };
    collect(object, '');
    const out: Array<[string, unknown]> = [];
    leaves(object, '', out, mapFields, rawFields);
    expect(out.length).toBeGreaterThan(10);
    for (const [fieldPath, fieldValue] of out) {
      const rewritten = setField(bytes, fieldPath, fieldValue);
      expect([fieldPath, Buffer.from(rewritten).equals(bytes)]).toEqual([fieldPath, true]);
    }
  });
});
