import { InvalidDataError } from '../core/errors.js';
import { decodeMessage, type JsonObject } from './decode.js';
import { ByteWriter, encodeMessage, writeScalar } from './encode.js';
import { resourceTypeForKey } from './resources.js';
import { messageForType, type MessageSchema } from './schema.js';
import { WIRE_LEN, WireFormatError, parseFields, type WireField } from './wire.js';

/** Every protobuf value the apiserver stores starts with these four bytes, then a runtime.Unknown envelope. */
export const PROTOBUF_MAGIC = new Uint8Array([0x6b, 0x38, 0x73, 0x00]);
/** Values encrypted at rest start with `k8s:enc:<provider>:`. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

/** The value is encrypted at rest; mutiny can neither decode nor edit it. */
export class EncryptedValueError extends InvalidDataError {}

/** A stored value split into the parts the codec works on; offsets are into `bytes`. */
export interface StoredValue {
  format: 'protobuf' | 'json';
  bytes: Uint8Array;
  apiVersion: string;
  kind: string;
  /** protobuf: the object's message type (undefined when the schema lacks it). */
  schema?: MessageSchema;
  /** protobuf: the envelope's `raw` field, whose value bytes are the object. */
  raw?: WireField;
  /** json: the parsed object. */
  json?: JsonObject;
}

const utf8 = new TextDecoder('utf-8');
const ENCRYPTED_PREFIX_BYTES = new TextEncoder().encode(ENCRYPTED_PREFIX);

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function describeEncryption(bytes: Uint8Array): string {
  const head = utf8.decode(bytes.subarray(0, Math.min(bytes.length, 64)));
  const match = /^k8s:enc:([a-z0-9]+)(?::(v\d+))?(?::([^:]*))?:/.exec(head);
  return match ? [match[1], match[2], match[3]].filter(Boolean).join(':') : 'unknown provider';
}

/**
 * Splits a stored value (the bytes etcd holds, without the newline `etcdctl get` adds) into envelope and object.
 * Accepts `k8s\0` protobuf and JSON (custom resources, very old clusters); refuses encrypted values. When the
 * envelope names a type the schema lacks, the key's resource type is tried before giving up.
 */
export function parseStoredValue(bytes: Uint8Array, key?: string): StoredValue {
  if (startsWith(bytes, ENCRYPTED_PREFIX_BYTES)) {
    throw new EncryptedValueError(
      `${key ?? 'value'}: encrypted at rest (${describeEncryption(bytes)}); mutiny cannot decode or edit encrypted values, so disable the EncryptionConfiguration for this resource in the lab`,
    );
  }
  if (startsWith(bytes, PROTOBUF_MAGIC)) return parseProtobufValue(bytes, key);
  let firstNonSpace = 0;
  while (firstNonSpace < bytes.length && (bytes[firstNonSpace] === 0x20 || bytes[firstNonSpace] === 0x0a || bytes[firstNonSpace] === 0x09 || bytes[firstNonSpace] === 0x0d)) firstNonSpace++;
  if (bytes[firstNonSpace] === 0x7b) return parseJsonValue(bytes, key);
  throw new WireFormatError(0, `${key ?? 'value'} is not a Kubernetes value: expected the k8s\\0 protobuf magic or a JSON object`);
}

function parseProtobufValue(bytes: Uint8Array, key?: string): StoredValue {
  let apiVersion = '';
  let kind = '';
  let raw: WireField | undefined;
  for (const field of parseFields(bytes, PROTOBUF_MAGIC.length, bytes.length)) {
    if (field.number === 1 && field.wireType === WIRE_LEN) {
      for (const inner of parseFields(bytes, field.valueStart, field.end)) {
        if (inner.wireType !== WIRE_LEN) continue;
        const text = utf8.decode(bytes.subarray(inner.valueStart, inner.end));
        if (inner.number === 1) apiVersion = text;
        else if (inner.number === 2) kind = text;
      }
    } else if (field.number === 2 && field.wireType === WIRE_LEN) {
      raw = field;
    }
  }
  if (!raw) throw new WireFormatError(PROTOBUF_MAGIC.length, 'the runtime.Unknown envelope has no raw object (field 2)');
  let schema = messageForType(apiVersion, kind);
  if (!schema && key) {
    const type = resourceTypeForKey(key);
    if (type) schema = messageForType(type.apiVersion, type.kind);
  }
  return { format: 'protobuf', bytes, apiVersion, kind, schema, raw };
}

function parseJsonValue(bytes: Uint8Array, key?: string): StoredValue {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch (cause) {
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    throw new WireFormatError(position ? Number(position) : 0, `${key ?? 'value'} is not valid JSON (${(cause as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WireFormatError(0, `${key ?? 'value'} is JSON but not an object`);
  }
  const object = json as JsonObject;
  const type = key ? resourceTypeForKey(key) : undefined;
  return {
    format: 'json',
    bytes,
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : (type?.apiVersion ?? ''),
    kind: typeof object.kind === 'string' ? object.kind : (type?.kind ?? ''),
    json: object,
  };
}

/** Requires a protobuf value's schema, with an error that names the type. */
export function requireSchema(value: StoredValue, key?: string): MessageSchema {
  if (!value.schema) {
    throw new InvalidDataError(`${key ?? 'value'}: no protobuf schema for ${value.apiVersion || '?'} ${value.kind || '?'}; mutiny decodes the kinds in src/k8s/schema/k8s.schema.json`);
  }
  return value.schema;
}

/** Decodes a stored value to the object Kubernetes would show (kind and apiVersion first, as in Go's JSON). */
export function decodeStoredValue(bytes: Uint8Array, key?: string): JsonObject {
  const value = parseStoredValue(bytes, key);
  if (value.format === 'json') return value.json!;
  const schema = requireSchema(value, key);
  const raw = value.raw!;
  return { kind: value.kind, apiVersion: value.apiVersion, ...decodeMessage(bytes, raw.valueStart, raw.end, schema) };
}

/**
 * Encodes an object (Kubernetes JSON shape) as the apiserver would store it: `k8s\0` + runtime.Unknown for kinds
 * the schema has, compact JSON plus a newline (the custom-resource format) for the rest. kind and apiVersion come
 * from the object, or from the key's resource type when the object lacks them.
 */
export function encodeStoredValue(object: JsonObject, key?: string): Uint8Array {
  const type = key ? resourceTypeForKey(key) : undefined;
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : type?.apiVersion;
  const kind = typeof object.kind === 'string' ? object.kind : type?.kind;
  if (!apiVersion || !kind) {
    throw new InvalidDataError(`${key ?? 'input'}: the object has no apiVersion/kind; add them or pass --key with a /registry/... key`);
  }
  const schema = messageForType(apiVersion, kind);
  if (!schema) return new TextEncoder().encode(`${JSON.stringify(object)}\n`);
  const { apiVersion: _apiVersion, kind: _kind, ...body } = object;
  const raw = encodeMessage(schema, body);
  const envelope = new ByteWriter();
  envelope.bytes(PROTOBUF_MAGIC);
  envelope.lengthDelimited(1, (w) => {
    writeScalar(w, 1, 'string', apiVersion, 'apiVersion');
    writeScalar(w, 2, 'string', kind, 'kind');
  });
  envelope.tag(2, WIRE_LEN);
  envelope.varint(raw.length);
  envelope.bytes(raw);
  writeScalar(envelope, 3, 'string', '', 'contentEncoding');
  writeScalar(envelope, 4, 'string', '', 'contentType');
  return envelope.finish();
}

/**
 * Decodes what `etcdctl get` printed: with --print-value-only, the value plus the newline etcdctl appends;
 * without it, a key line first. The exact stored bytes are tried first, so a value that really ends in a
 * newline (JSON) still decodes as stored. Errors report byte offsets into the value.
 */
export function decodeEtcdctlCapture(capture: Uint8Array, key?: string): { key?: string; value: Uint8Array; object: JsonObject } {
  let value = capture;
  let foundKey = key;
  if (capture[0] === 0x2f) {
    const newline = capture.indexOf(0x0a);
    if (newline > 0) {
      foundKey ??= utf8.decode(capture.subarray(0, newline));
      value = capture.subarray(newline + 1);
    }
  }
  try {
    return { key: foundKey, value, object: decodeStoredValue(value, foundKey) };
  } catch (error) {
    if (value[value.length - 1] !== 0x0a || error instanceof EncryptedValueError) throw error;
    const trimmed = value.subarray(0, value.length - 1);
    try {
      return { key: foundKey, value: trimmed, object: decodeStoredValue(trimmed, foundKey) };
    } catch {
      throw error;
    }
  }
}
