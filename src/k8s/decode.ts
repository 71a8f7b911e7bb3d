import {
  DURATION, FIELDS_V1, INT_OR_STRING, MICRO_TIME, QUANTITY, RAW_EXTENSION, TIME, message,
  type FieldSchema, type MessageSchema, type ScalarType,
} from './schema.js';
import {
  WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireFormatError, parseFields, readVarint, readVarintBig,
  type WireField,
} from './wire.js';

/** A decoded object in the Kubernetes JSON shape. */
export type JsonObject = { [key: string]: unknown };

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes the message in buf[start, end) to its Kubernetes JSON shape: JSON names, inline structs merged into
 * their parent, zero values dropped where Go's `omitempty` drops them, Time as RFC 3339, Quantity and
 * IntOrString as their scalar forms, bytes as base64. Fields the schema does not know are skipped here (the
 * stored bytes keep them).
 */
export function decodeMessage(buf: Uint8Array, start: number, end: number, schema: MessageSchema): JsonObject {
  const object: JsonObject = {};
  decodeInto(object, buf, start, end, schema);
  return object;
}

function decodeInto(object: JsonObject, buf: Uint8Array, start: number, end: number, schema: MessageSchema): void {
  const values = new Map<FieldSchema, unknown>();
  for (const wire of parseFields(buf, start, end)) {
    const field = schema.byNumber.get(wire.number);
    if (!field) continue;
    if (field.mapKey) {
      const map = (values.get(field) as JsonObject | undefined) ?? {};
      const [key, value] = decodeMapEntry(buf, wire, field);
      map[String(key)] = value;
      values.set(field, map);
    } else if (field.repeated) {
      const list = (values.get(field) as unknown[] | undefined) ?? [];
      if (wire.wireType === WIRE_LEN && field.scalar && field.scalar !== 'string' && field.scalar !== 'bytes') {
        decodePacked(buf, wire, field.scalar, list);
      } else {
        list.push(decodeValue(buf, wire, field));
      }
      values.set(field, list);
    } else if (field.inline && field.messageName) {
      const inner = (values.get(field) as JsonObject | undefined) ?? {};
      expectWireType(wire, WIRE_LEN, field);
      decodeInto(inner, buf, wire.valueStart, wire.end, message(field.messageName));
      values.set(field, inner);
    } else {
      values.set(field, decodeValue(buf, wire, field));
    }
  }
  for (const field of schema.fields) {
    if (!values.has(field)) continue;
    const value = values.get(field);
    if (field.inline) Object.assign(object, value);
    else if (!omitted(field, value)) object[field.jsonName] = value;
  }
}

/**
 * Go's encoding/json drops a non-pointer scalar with `omitempty` when it holds its zero value, and a field with
 * `omitzero` (ObjectMeta.creationTimestamp since Kubernetes 1.33) when it is zero, including a zero Time.
 */
function omitted(field: FieldSchema, value: unknown): boolean {
  if (field.omitzero && field.goKind === 'value' && (value === null || value === '' || value === 0 || value === false)) return true;
  if (!field.omitempty || field.goKind !== 'value' || !field.scalar) return false;
  return value === '' || value === 0 || value === false;
}

function expectWireType(wire: WireField, expected: number, field: FieldSchema): void {
  if (wire.wireType !== expected) {
    throw new WireFormatError(wire.start, `field ${field.protoName} (${wire.number}) has wire type ${wire.wireType}, expected ${expected}`);
  }
}

function decodeMapEntry(buf: Uint8Array, wire: WireField, field: FieldSchema): [unknown, unknown] {
  expectWireType(wire, WIRE_LEN, field);
  let key: unknown = scalarZero(field.mapKey!);
  let value: unknown = field.scalar ? scalarZero(field.scalar) : undefined;
  const [keyField, valueField] = entryFields(field);
  for (const inner of parseFields(buf, wire.valueStart, wire.end)) {
    if (inner.number === 1) key = decodeValue(buf, inner, keyField);
    else if (inner.number === 2) value = decodeValue(buf, inner, valueField);
  }
  if (value === undefined && field.messageName) value = decodeSpecialOrMessage(buf, wire.end, wire.end, field.messageName);
  return [key, value];
}

const entryFieldCache = new WeakMap<FieldSchema, [FieldSchema, FieldSchema]>();

/** The key (1) and value (2) fields of a map field's entries, built once per map field. */
function entryFields(field: FieldSchema): [FieldSchema, FieldSchema] {
  let cached = entryFieldCache.get(field);
  if (!cached) {
    const valueField: FieldSchema = { ...field, number: 2, mapKey: undefined, repeated: false, goKind: 'value', omitempty: false };
    cached = [{ ...valueField, number: 1, scalar: field.mapKey, messageName: undefined }, valueField];
    entryFieldCache.set(field, cached);
  }
  return cached;
}

function scalarZero(type: ScalarType): unknown {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}

/** Decodes one field occurrence (not a map entry) to its JSON value. */
export function decodeValue(buf: Uint8Array, wire: WireField, field: FieldSchema): unknown {
  if (field.messageName) {
    expectWireType(wire, WIRE_LEN, field);
    return decodeSpecialOrMessage(buf, wire.valueStart, wire.end, field.messageName);
  }
  return decodeScalar(buf, wire, field.scalar!, field);
}

function decodeSpecialOrMessage(buf: Uint8Array, start: number, end: number, name: string): unknown {
  switch (name) {
    case TIME:
    case MICRO_TIME:
      return decodeTime(buf, start, end, name === MICRO_TIME);
    case QUANTITY:
      return decodeQuantity(buf, start, end);
    case INT_OR_STRING:
      return decodeIntOrString(buf, start, end);
    case DURATION:
      return formatGoDuration(readInt64Field(buf, start, end, 1));
    case FIELDS_V1:
    case RAW_EXTENSION:
      return decodeRawJson(buf, start, end);
    default:
      return decodeMessage(buf, start, end, message(name));
  }
}

function readInt64Field(buf: Uint8Array, start: number, end: number, number: number): bigint {
  let value = 0n;
  for (const wire of parseFields(buf, start, end)) {
    if (wire.number === number && wire.wireType === WIRE_VARINT) value = BigInt.asIntN(64, readVarintBig(buf, wire.valueStart, wire.end)[0]);
  }
  return value;
}

/** Kubernetes Time renders as RFC 3339 in seconds (MicroTime: microseconds); the zero time as null. */
function decodeTime(buf: Uint8Array, start: number, end: number, micro: boolean): string | null {
  let seconds = 0n;
  let nanos = 0;
  for (const wire of parseFields(buf, start, end)) {
    if (wire.wireType !== WIRE_VARINT) continue;
    if (wire.number === 1) seconds = BigInt.asIntN(64, readVarintBig(buf, wire.valueStart, wire.end)[0]);
    else if (wire.number === 2) nanos = Number(BigInt.asIntN(32, readVarintBig(buf, wire.valueStart, wire.end)[0]));
  }
  if (seconds === 0n && nanos === 0) return null;
  return formatTime(seconds, nanos, micro);
}

/** Formats Unix seconds + nanos as Kubernetes does: `2006-01-02T15:04:05Z` or `2006-01-02T15:04:05.000000Z`. */
export function formatTime(seconds: bigint, nanos: number, micro: boolean): string {
  const iso = new Date(Number(seconds) * 1000).toISOString();
  const base = iso.slice(0, iso.indexOf('.'));
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function decodeQuantity(buf: Uint8Array, start: number, end: number): string {
  let text = '';
  for (const wire of parseFields(buf, start, end)) {
    if (wire.number === 1 && wire.wireType === WIRE_LEN) text = utf8.decode(buf.subarray(wire.valueStart, wire.end));
  }
  return text;
}

function decodeIntOrString(buf: Uint8Array, start: number, end: number): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const wire of parseFields(buf, start, end)) {
    if (wire.number === 1 && wire.wireType === WIRE_VARINT) type = readVarint(buf, wire.valueStart, wire.end)[0];
    else if (wire.number === 2 && wire.wireType === WIRE_VARINT) intVal = Number(BigInt.asIntN(32, readVarintBig(buf, wire.valueStart, wire.end)[0]));
    else if (wire.number === 3 && wire.wireType === WIRE_LEN) strVal = utf8.decode(buf.subarray(wire.valueStart, wire.end));
  }
  return type === 1 ? strVal : intVal;
}

/** FieldsV1 and RawExtension hold raw JSON bytes and render as that JSON. */
function decodeRawJson(buf: Uint8Array, start: number, end: number): unknown {
  for (const wire of parseFields(buf, start, end)) {
    if (wire.number === 1 && wire.wireType === WIRE_LEN) {
      const text = utf8.decode(buf.subarray(wire.valueStart, wire.end));
      try {
        return JSON.parse(text);
      } catch {
        return Buffer.from(buf.subarray(wire.valueStart, wire.end)).toString('base64');
      }
    }
  }
  return null;
}

function decodePacked(buf: Uint8Array, wire: WireField, type: ScalarType, out: unknown[]): void {
  let pos = wire.valueStart;
  while (pos < wire.end) {
    const width = type === 'double' || type === 'fixed64' || type === 'sfixed64' ? 8 : type === 'float' || type === 'fixed32' || type === 'sfixed32' ? 4 : 0;
    const end = width ? pos + width : readVarint(buf, pos, wire.end)[1];
    const element: WireField = { number: wire.number, wireType: width === 8 ? WIRE_I64 : width === 4 ? WIRE_I32 : WIRE_VARINT, start: pos, tagEnd: pos, valueStart: pos, end };
    out.push(decodeScalar(buf, element, type));
    pos = end;
  }
}

/** Decodes a scalar occurrence to its JSON value (int64 as a number, like Go's encoding/json). */
export function decodeScalar(buf: Uint8Array, wire: WireField, type: ScalarType, field?: FieldSchema): unknown {
  switch (type) {
    case 'string':
      expectLen(wire, field);
      return utf8.decode(buf.subarray(wire.valueStart, wire.end));
    case 'bytes':
      expectLen(wire, field);
      return Buffer.from(buf.subarray(wire.valueStart, wire.end)).toString('base64');
    case 'bool':
      return readVarint(buf, wire.valueStart, wire.end)[0] !== 0;
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'uint64': {
      const [small] = readVarint(buf, wire.valueStart, wire.end);
      if (small <= Number.MAX_SAFE_INTEGER) return small;
      const [big] = readVarintBig(buf, wire.valueStart, wire.end);
      if (type === 'int32') return Number(BigInt.asIntN(32, big));
      if (type === 'uint32') return Number(BigInt.asUintN(32, big));
      return Number(type === 'int64' ? BigInt.asIntN(64, big) : big);
    }
    case 'sint32':
    case 'sint64': {
      const [big] = readVarintBig(buf, wire.valueStart, wire.end);
      return Number((big >> 1n) ^ -(big & 1n));
    }
    case 'double':
    case 'fixed64':
    case 'sfixed64': {
      const view = new DataView(buf.buffer, buf.byteOffset + wire.valueStart, 8);
      if (type === 'double') return view.getFloat64(0, true);
      return Number(type === 'fixed64' ? view.getBigUint64(0, true) : view.getBigInt64(0, true));
    }
    default: {
      const view = new DataView(buf.buffer, buf.byteOffset + wire.valueStart, 4);
      if (type === 'float') return view.getFloat32(0, true);
      return type === 'fixed32' ? view.getUint32(0, true) : view.getInt32(0, true);
    }
  }
}

function expectLen(wire: WireField, field?: FieldSchema): void {
  if (wire.wireType !== WIRE_LEN) {
    throw new WireFormatError(wire.start, `field ${field?.protoName ?? wire.number} has wire type ${wire.wireType}, expected 2 (length-delimited)`);
  }
}

const DURATION_UNITS: Array<[string, bigint]> = [['h', 3_600_000_000_000n], ['m', 60_000_000_000n]];

/** Formats nanoseconds as Go's time.Duration.String() does (1h2m3.5s, 150ms, 0s). */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return '0s';
  const negative = nanos < 0n;
  let rest = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';
  if (rest < 1_000_000_000n) {
    const [unit, scale] = rest < 1_000n ? ['ns', 1n] : rest < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    return `${sign}${fraction(rest, scale)}${unit}`;
  }
  let text = '';
  for (const [unit, scale] of DURATION_UNITS) {
    if (rest >= scale || text) {
      text += `${rest / scale}${unit}`;
      rest %= scale;
    }
  }
  return `${sign}${text}${fraction(rest, 1_000_000_000n)}s`;
}

function fraction(value: bigint, scale: bigint): string {
  const whole = value / scale;
  const remainder = value % scale;
  if (remainder === 0n) return `${whole}`;
  const digits = String(scale).length - 1;
  return `${whole}.${String(remainder).padStart(digits, '0').replace(/0+$/, '')}`;
}
