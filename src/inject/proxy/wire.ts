import { WIRE_LEN, WIRE_VARINT, parseFields, pushTag, pushVarint, pushVarintBig, readVarintBig, type WireField } from '../../k8s/wire.js';

// Message-level edits on top of the codec's wire walker (src/k8s/wire.ts): find the spans of a field, rebuild
// only the path from an edited field up to the top, rewriting each enclosing length prefix. Every other byte
// (unknown fields, field order, int64 values) is copied unchanged. Malformed input throws the codec's
// WireFormatError; the proxy then forwards the message untouched.

/** Every field occurrence of `message`, in wire order. */
export function fieldSpans(message: Uint8Array): WireField[] {
  return parseFields(message, 0, message.length);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function lastOccurrence(message: Uint8Array, field: number, wireType: number): WireField | undefined {
  let found: WireField | undefined;
  for (const span of fieldSpans(message)) {
    if (span.number === field && span.wireType === wireType) found = span;
  }
  return found;
}

/** The payload of the last length-delimited occurrence of `field` (proto3: last one wins), or undefined. */
export function readBytesField(message: Uint8Array, field: number): Buffer | undefined {
  const found = lastOccurrence(message, field, WIRE_LEN);
  return found ? asBuffer(message).subarray(found.valueStart, found.end) : undefined;
}

/** A varint field as a signed 64-bit bigint (int64 values stay exact), or undefined when absent (proto3: 0). */
export function readVarintField(message: Uint8Array, field: number): bigint | undefined {
  const found = lastOccurrence(message, field, WIRE_VARINT);
  return found ? BigInt.asIntN(64, readVarintBig(message, found.valueStart, found.end)[0]) : undefined;
}

/** Encodes `field` as a length-delimited field holding `payload`. */
export function encodeBytesField(field: number, payload: Uint8Array): Buffer {
  const header: number[] = [];
  pushTag(header, field, WIRE_LEN);
  pushVarint(header, payload.length);
  return Buffer.concat([Buffer.from(header), payload]);
}

/** Encodes `field` as a varint field (two's complement for negatives, like int64). */
export function encodeVarintField(field: number, value: bigint): Buffer {
  const bytes: number[] = [];
  pushTag(bytes, field, WIRE_VARINT);
  pushVarintBig(bytes, value);
  return Buffer.from(bytes);
}

/**
 * What to do with one length-delimited occurrence: `undefined` keeps it, `null` removes it, a Buffer replaces
 * its payload (the length prefix is rewritten).
 */
export type FieldEdit = Buffer | null | undefined;

/**
 * Visits each length-delimited occurrence of `field` (its payload and its index among occurrences) and applies
 * the returned edit. Returns `message` itself when nothing changed, so callers can test identity.
 */
export function mapBytesField(message: Uint8Array, field: number, edit: (payload: Buffer, index: number) => FieldEdit): Buffer {
  const buffer = asBuffer(message);
  const pieces: Buffer[] = [];
  let copiedUpTo = 0;
  let index = 0;
  let changed = false;
  for (const span of fieldSpans(buffer)) {
    if (span.number !== field || span.wireType !== WIRE_LEN) continue;
    const result = edit(buffer.subarray(span.valueStart, span.end), index++);
    if (result === undefined) continue;
    changed = true;
    pieces.push(buffer.subarray(copiedUpTo, span.start));
    if (result !== null) pieces.push(encodeBytesField(field, result));
    copiedUpTo = span.end;
  }
  if (!changed) return buffer;
  pieces.push(buffer.subarray(copiedUpTo));
  return Buffer.concat(pieces);
}

/** Replaces every varint occurrence of `field` with `value` (omitted when 0, as proto3 encoders do). */
export function setVarintField(message: Uint8Array, field: number, value: bigint): Buffer {
  const buffer = asBuffer(message);
  const pieces: Buffer[] = [];
  let copiedUpTo = 0;
  for (const span of fieldSpans(buffer)) {
    if (span.number !== field || span.wireType !== WIRE_VARINT) continue;
    pieces.push(buffer.subarray(copiedUpTo, span.start));
    copiedUpTo = span.end;
  }
  pieces.push(buffer.subarray(copiedUpTo));
  if (value !== 0n) pieces.push(encodeVarintField(field, value));
  return Buffer.concat(pieces);
}

/** How many occurrences of `field` (any wire type) the message holds. */
export function countField(message: Uint8Array, field: number): number {
  return fieldSpans(message).filter((span) => span.number === field).length;
}
