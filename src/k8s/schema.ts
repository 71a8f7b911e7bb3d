import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { InternalError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/paths.js';

/** Protobuf scalar types used by Kubernetes messages. */
export type ScalarType =
  | 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'double' | 'float';

/** How the Go struct holds a field; decides how a zero value on the wire renders in JSON. */
export type GoKind = 'pointer' | 'slice' | 'map' | 'value';

/** Full names of messages that Kubernetes renders in JSON as something other than an object. */
export const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
export const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
export const DURATION = 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration';
export const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
export const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
export const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';
export const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';
export const OBJECT_META = 'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Messages whose JSON form is a scalar (string, number or raw JSON), edited as one value. */
export const SCALAR_LIKE_MESSAGES: ReadonlySet<string> = new Set([TIME, MICRO_TIME, DURATION, FIELDS_V1, QUANTITY, INT_OR_STRING, RAW_EXTENSION]);

/** One field of a message: wire facts from the .proto, JSON facts from the Go struct tags. */
export interface FieldSchema {
  number: number;
  /** Name in the .proto file. */
  protoName: string;
  /** Name in Kubernetes JSON ('' for inline embedded structs). */
  jsonName: string;
  inline: boolean;
  omitempty: boolean;
  /** Go 1.24 `omitzero`: the zero value (including a zero Time, rendered null) is left out. */
  omitzero: boolean;
  goKind: GoKind;
  /** Removed from current Kubernetes (ObjectMeta.clusterName): decoded when present, encoded only when set. */
  removed: boolean;
  repeated: boolean;
  /** Set for scalar fields and scalar map values. */
  scalar?: ScalarType;
  /** Full name of the message type, for message fields and message map values. */
  messageName?: string;
  /** Map fields: the key's scalar type. */
  mapKey?: ScalarType;
}

/** A message with its fields in declaration order (the Go struct order, which JSON output follows). */
export interface MessageSchema {
  name: string;
  shortName: string;
  fields: FieldSchema[];
  /** The same fields in field-number order (the order the apiserver's serializer writes them). */
  fieldsByNumber: FieldSchema[];
  byNumber: Map<number, FieldSchema>;
  byJsonName: Map<string, FieldSchema>;
}

// Read from the package root so the same file serves src/ (tsx, tests) and dist/ (the built CLI).
const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'src', 'k8s', 'schema', 'k8s.schema.json');

let root: protobuf.Root | undefined;
const compiled = new Map<string, MessageSchema>();

function loadRoot(): protobuf.Root {
  if (!root) {
    const json = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as protobuf.INamespace & { comment?: string; sources?: string[] };
    delete json.comment;
    delete json.sources;
    root = protobuf.Root.fromJSON(json);
    root.resolveAll();
  }
  return root;
}

/** The protobufjs root of the bundled Kubernetes schema (k8s.io/api + apimachinery, plus ObjectMeta.clusterName). */
export function schemaRoot(): protobuf.Root {
  return loadRoot();
}

/** Looks up a message by full name (without the leading dot); undefined when the schema has no such message. */
export function findMessage(fullName: string): MessageSchema | undefined {
  const cached = compiled.get(fullName);
  if (cached) return cached;
  let type: protobuf.Type;
  try {
    type = loadRoot().lookupType(fullName);
  } catch {
    return undefined;
  }
  const fields: FieldSchema[] = type.fieldsArray.map((field) => compileField(field));
  const schema: MessageSchema = {
    name: fullName,
    shortName: type.name,
    fields,
    fieldsByNumber: [...fields].sort((a, b) => a.number - b.number),
    byNumber: new Map(fields.map((f) => [f.number, f])),
    byJsonName: new Map(fields.filter((f) => !f.inline).map((f) => [f.jsonName, f])),
  };
  compiled.set(fullName, schema);
  return schema;
}

/** Like findMessage, for names the codec itself refers to: a missing one is a bug. */
export function message(fullName: string): MessageSchema {
  const schema = findMessage(fullName);
  if (!schema) throw new InternalError(`protobuf message ${fullName} is missing from src/k8s/schema/k8s.schema.json`);
  return schema;
}

function compileField(field: protobuf.Field): FieldSchema {
  const options = (field.options ?? {}) as { json?: string; inline?: boolean; omitempty?: boolean; omitzero?: boolean; removed?: boolean; goKind?: GoKind };
  field.resolve();
  const resolved = field.resolvedType;
  const isMap = field instanceof protobuf.MapField;
  const schema: FieldSchema = {
    number: field.id,
    protoName: field.name,
    jsonName: options.inline ? '' : (options.json ?? field.name),
    inline: options.inline === true,
    omitempty: options.omitempty ?? !options.goKind,
    omitzero: options.omitzero === true,
    removed: options.removed === true,
    goKind: options.goKind ?? (isMap ? 'map' : field.repeated ? 'slice' : 'value'),
    repeated: field.repeated && !isMap,
  };
  if (isMap) schema.mapKey = (field as protobuf.MapField).keyType as ScalarType;
  if (resolved instanceof protobuf.Type) schema.messageName = resolved.fullName.slice(1);
  else schema.scalar = field.type as ScalarType;
  return schema;
}

/** The protobuf package holding an API group's types, e.g. apps/v1 -> k8s.io.api.apps.v1, v1 -> k8s.io.api.core.v1. */
export function protoPackageFor(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `k8s.io.api.core.${apiVersion}`;
  const group = apiVersion.slice(0, slash).split('.')[0];
  return `k8s.io.api.${group}.${apiVersion.slice(slash + 1)}`;
}

/** The message for an apiVersion/kind pair, when the bundled schema has it. */
export function messageForType(apiVersion: string, kind: string): MessageSchema | undefined {
  return findMessage(`${protoPackageFor(apiVersion)}.${kind}`);
}
