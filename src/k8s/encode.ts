import { InvalidDataError } from '../core/errors.js';
import type { JsonObject } from './decode.js';
import {
  DURATION, FIELDS_V1, INT_OR_STRING, MICRO_TIME, QUANTITY, RAW_EXTENSION, TIME, message,
  type FieldSchema, type MessageSchema, type ScalarType,
} from './schema.js';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, varintSize } from './wire.js';

const utf8 = new TextEncoder();

/** A growable byte buffer with the protobuf primitives the encoder needs. */
export class ByteWriter {
  private buffer = new Uint8Array(64);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  varint(value: number): void {
    if (value < 0 || !Number.isSafeInteger(value)) {
      this.varintBig(BigInt(Math.trunc(value)));
      return;
    }
    this.reserve(10);
    while (value >= 128) {
      this.buffer[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.length++] = value;
  }

  varintBig(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v >= 128n) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  tag(number: number, wireType: number): void {
    this.varint(number * 8 + wireType);
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** Writes a string's UTF-8 bytes (without a length prefix) straight into the buffer. */
  utf8(text: string, byteLength: number): void {
    this.reserve(byteLength);
    utf8.encodeInto(text, this.buffer.subarray(this.length, this.length + byteLength));
    this.length += byteLength;
  }

  /**
   * Writes a length-delimited field whose payload `write` produces, in place: one byte is reserved for the
   * length and the payload is shifted only when its length needs a longer varint.
   */
  lengthDelimited(number: number, write: (w: ByteWriter) => void): void {
    this.tag(number, WIRE_LEN);
    this.reserve(1);
    const lengthAt = this.length;
    this.length += 1;
    write(this);
    const payload = this.length - lengthAt - 1;
    const size = varintSize(payload);
    if (size > 1) {
      this.reserve(size - 1);
      this.buffer.copyWithin(lengthAt + size, lengthAt + 1, this.length);
      this.length += size - 1;
    }
    let value = payload;
    let at = lengthAt;
    while (value >= 128) {
      this.buffer[at++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[at] = value;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Encodes a Kubernetes JSON object as the apiserver's protobuf serializer does: fields in number order,
 * non-pointer scalars and structs always written (zero values included), pointers and lists only when set,
 * map entries sorted by key. A value decoded from such bytes re-encodes to the same bytes.
 */
export function encodeMessage(schema: MessageSchema, object: JsonObject, path = ''): Uint8Array {
  const writer = new ByteWriter();
  writeMessage(writer, schema, object, path);
  return writer.finish();
}

function writeMessage(writer: ByteWriter, schema: MessageSchema, object: JsonObject, path: string): void {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new InvalidDataError(`${path || '(root)'}: expected an object for ${schema.shortName}, got ${JSON.stringify(object)}`);
  }
  for (const field of schema.fieldsByNumber) {
    if (field.inline) {
      writer.lengthDelimited(field.number, (w) => writeMessage(w, message(field.messageName!), object, path));
      continue;
    }
    const fieldPath = path ? `${path}.${field.jsonName}` : field.jsonName;
    const value = object[field.jsonName];
    if (field.mapKey) {
      if (value === undefined || value === null) continue;
      const entries = Object.entries(value as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [key, entryValue] of entries) {
        writer.lengthDelimited(field.number, (w) => {
          writeScalar(w, 1, field.mapKey!, field.mapKey === 'string' ? key : Number(key), `${fieldPath}[${key}]`);
          writeSingular(w, { ...field, number: 2, mapKey: undefined }, entryValue, `${fieldPath}[${key}]`);
        });
      }
    } else if (field.repeated) {
      if (value === undefined || value === null) continue;
      if (!Array.isArray(value)) throw new InvalidDataError(`${fieldPath}: expected a list, got ${JSON.stringify(value)}`);
      value.forEach((element, index) => writeSingular(writer, field, element, `${fieldPath}[${index}]`));
    } else if (value === undefined || value === null) {
      if (field.goKind === 'value' && !field.removed) writeZero(writer, field, fieldPath);
    } else {
      writeSingular(writer, field, value, fieldPath);
    }
  }
}

function writeZero(writer: ByteWriter, field: FieldSchema, path: string): void {
  if (field.scalar) writeScalar(writer, field.number, field.scalar, field.scalar === 'string' || field.scalar === 'bytes' ? '' : field.scalar === 'bool' ? false : 0, path);
  else if (field.messageName === TIME || field.messageName === MICRO_TIME) writer.lengthDelimited(field.number, () => undefined);
  else if (field.messageName === QUANTITY) writeSingular(writer, field, '0', path);
  else if (field.messageName === INT_OR_STRING) writeSingular(writer, field, 0, path);
  else if (field.messageName === FIELDS_V1 || field.messageName === RAW_EXTENSION) writer.lengthDelimited(field.number, () => undefined);
  else writer.lengthDelimited(field.number, (w) => writeMessage(w, message(field.messageName!), {}, path));
}

/** Writes one field occurrence holding `value` (a JSON value of the field's type). */
export function writeSingular(writer: ByteWriter, field: FieldSchema, value: unknown, path: string): void {
  if (field.scalar) {
    writeScalar(writer, field.number, field.scalar, value, path);
    return;
  }
  const name = field.messageName!;
  writer.lengthDelimited(field.number, (w) => writeMessageValue(w, name, value, path));
}

function writeMessageValue(w: ByteWriter, name: string, value: unknown, path: string): void {
  switch (name) {
    case TIME:
    case MICRO_TIME: {
      if (value === null) return;
      const [seconds, nanos] = parseTime(value, path);
      w.tag(1, WIRE_VARINT);
      w.varintBig(seconds);
      w.tag(2, WIRE_VARINT);
      w.varint(nanos);
      return;
    }
    case QUANTITY:
      writeScalar(w, 1, 'string', typeof value === 'number' ? String(value) : value, path);
      return;
    case INT_OR_STRING: {
      const isString = typeof value === 'string';
      if (!isString && typeof value !== 'number') throw new InvalidDataError(`${path}: expected a number or a string, got ${JSON.stringify(value)}`);
      writeScalar(w, 1, 'int64', isString ? 1 : 0, path);
      writeScalar(w, 2, 'int32', isString ? 0 : value, path);
      writeScalar(w, 3, 'string', isString ? value : '', path);
      return;
    }
    case DURATION:
      w.tag(1, WIRE_VARINT);
      w.varintBig(parseGoDuration(value, path));
      return;
    case FIELDS_V1:
    case RAW_EXTENSION:
      w.tag(1, WIRE_LEN);
      {
        const raw = utf8.encode(JSON.stringify(value));
        w.varint(raw.length);
        w.bytes(raw);
      }
      return;
    default:
      writeMessage(w, message(name), value as JsonObject, path);
  }
}

/** Writes a scalar field (tag + value), validating the JSON value's type. */
export function writeScalar(writer: ByteWriter, number: number, type: ScalarType, value: unknown, path: string): void {
  switch (type) {
    case 'string': {
      if (typeof value !== 'string') throw new InvalidDataError(`${path}: expected a string, got ${JSON.stringify(value)}`);
      const byteLength = Buffer.byteLength(value, 'utf8');
      writer.tag(number, WIRE_LEN);
      writer.varint(byteLength);
      writer.utf8(value, byteLength);
      return;
    }
    case 'bytes': {
      if (typeof value !== 'string') throw new InvalidDataError(`${path}: expected base64 text, got ${JSON.stringify(value)}`);
      const data = Buffer.from(value, 'base64');
      writer.tag(number, WIRE_LEN);
      writer.varint(data.length);
      writer.bytes(data);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw new InvalidDataError(`${path}: expected true or false, got ${JSON.stringify(value)}`);
      writer.tag(number, WIRE_VARINT);
      writer.varint(value ? 1 : 0);
      return;
    case 'double':
    case 'float':
    case 'fixed64':
    case 'sfixed64':
    case 'fixed32':
    case 'sfixed32': {
      const numeric = expectNumber(value, path);
      const wide = type === 'double' || type === 'fixed64' || type === 'sfixed64';
      writer.tag(number, wide ? WIRE_I64 : WIRE_I32);
      const data = new Uint8Array(wide ? 8 : 4);
      const view = new DataView(data.buffer);
      if (type === 'double') view.setFloat64(0, numeric, true);
      else if (type === 'float') view.setFloat32(0, numeric, true);
      else if (type === 'fixed64') view.setBigUint64(0, BigInt(numeric), true);
      else if (type === 'sfixed64') view.setBigInt64(0, BigInt(numeric), true);
      else if (type === 'fixed32') view.setUint32(0, numeric, true);
      else view.setInt32(0, numeric, true);
      writer.bytes(data);
      return;
    }
    case 'sint32':
    case 'sint64': {
      const big = BigInt(expectInteger(value, path));
      writer.tag(number, WIRE_VARINT);
      writer.varintBig(big >= 0n ? big << 1n : ((-big) << 1n) - 1n);
      return;
    }
    default: {
      const integer = typeof value === 'bigint' ? value : expectInteger(value, path);
      writer.tag(number, WIRE_VARINT);
      if (typeof integer === 'bigint') writer.varintBig(integer);
      else writer.varint(integer);
    }
  }
}

function expectNumber(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new InvalidDataError(`${path}: expected a number, got ${JSON.stringify(value)}`);
  return value;
}

function expectInteger(value: unknown, path: string): number {
  const numeric = expectNumber(value, path);
  if (!Number.isInteger(numeric)) throw new InvalidDataError(`${path}: expected an integer, got ${numeric}`);
  return numeric;
}

/** Parses an RFC 3339 timestamp to Unix seconds and nanoseconds. */
export function parseTime(value: unknown, path: string): [bigint, number] {
  const match = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value) : null;
  if (!match) throw new InvalidDataError(`${path}: expected an RFC 3339 time such as 2024-01-02T03:04:05Z, got ${JSON.stringify(value)}`);
  const millis = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(millis)) throw new InvalidDataError(`${path}: invalid time ${JSON.stringify(value)}`);
  const nanos = match[2] ? Number(match[2].padEnd(9, '0')) : 0;
  return [BigInt(Math.floor(millis / 1000)), nanos];
}

const DURATION_UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Parses a Go duration string (1h2m3.5s, 150ms, -5s) to nanoseconds. */
export function parseGoDuration(value: unknown, path: string): bigint {
  if (typeof value !== 'string' || value === '') throw new InvalidDataError(`${path}: expected a Go duration such as 1m30s, got ${JSON.stringify(value)}`);
  if (value === '0') return 0n;
  const negative = value.startsWith('-');
  const body = value.replace(/^[-+]/, '');
  let total = 0;
  let consumed = 0;
  for (const match of body.matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * DURATION_UNIT_NANOS[match[2]];
    consumed += match[0].length;
  }
  if (consumed !== body.length) throw new InvalidDataError(`${path}: expected a Go duration such as 1m30s, got ${JSON.stringify(value)}`);
  const nanos = BigInt(Math.round(total));
  return negative ? -nanos : nanos;
}
