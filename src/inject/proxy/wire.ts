import protobuf from 'protobufjs/minimal.js';

// A wire-level protobuf walker: it never decodes a whole message, it finds the byte spans of fields and
// rebuilds only the path from an edited field up to the top, rewriting each enclosing length prefix. Every
// other byte (unknown fields, field order, int64 values) is copied unchanged.

const { Reader, Writer } = protobuf;

/** Protobuf wire types this walker distinguishes. */
export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

/** One field occurrence in a message: `start` is the tag's offset, `dataStart` the payload's, `end` one past it. */
export interface FieldSpan {
  field: number;
  wireType: number;
  start: number;
  dataStart: number;
  end: number;
}

/** Raised when bytes do not parse as a protobuf message; the proxy then forwards the message unchanged. */
export class WireFormatError extends Error {}

/** Lists every field occurrence of `message`, in wire order. */
export function fieldSpans(message: Uint8Array): FieldSpan[] {
  const reader = Reader.create(message);
  const spans: FieldSpan[] = [];
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const tag = reader.uint32();
      const wireType = tag & 7;
      let dataStart = reader.pos;
      if (wireType === WIRE_LENGTH_DELIMITED) {
        const length = reader.uint32();
        dataStart = reader.pos;
        reader.skip(length);
      } else {
        reader.skipType(wireType);
      }
      spans.push({ field: tag >>> 3, wireType, start, dataStart, end: reader.pos });
    }
  } catch (error) {
    throw new WireFormatError(`not a protobuf message (at byte ${reader.pos} of ${message.length})`, { cause: error });
  }
  return spans;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The payload of the last length-delimited occurrence of `field` (proto3: last one wins), or undefined. */
export function readBytesField(message: Uint8Array, field: number): Buffer | undefined {
  let found: FieldSpan | undefined;
  for (const span of fieldSpans(message)) {
    if (span.field === field && span.wireType === WIRE_LENGTH_DELIMITED) found = span;
  }
  return found ? asBuffer(message).subarray(found.dataStart, found.end) : undefined;
}

/** Every length-delimited occurrence of `field` (a repeated message or bytes field). */
export function readRepeatedBytesField(message: Uint8Array, field: number): Buffer[] {
  const buffer = asBuffer(message);
  return fieldSpans(message)
    .filter((span) => span.field === field && span.wireType === WIRE_LENGTH_DELIMITED)
    .map((span) => buffer.subarray(span.dataStart, span.end));
}

/** A varint field as a bigint (int64 values stay exact), or undefined when absent (proto3 default 0). */
export function readVarintField(message: Uint8Array, field: number): bigint | undefined {
  let found: FieldSpan | undefined;
  for (const span of fieldSpans(message)) {
    if (span.field === field && span.wireType === WIRE_VARINT) found = span;
  }
  if (!found) return undefined;
  let value = 0n;
  let shift = 0n;
  for (let i = found.dataStart; i < found.end; i++) {
    value |= BigInt(message[i] & 0x7f) << shift;
    shift += 7n;
  }
  return BigInt.asIntN(64, value);
}

/** Encodes `field` as a length-delimited field holding `payload`. */
export function encodeBytesField(field: number, payload: Uint8Array): Buffer {
  const header = Writer.create().uint32((field << 3) | WIRE_LENGTH_DELIMITED).uint32(payload.length).finish();
  return Buffer.concat([header, payload]);
}

/** Encodes `field` as a varint field (two's complement for negatives, like int64). */
export function encodeVarintField(field: number, value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest === 0n ? low : low | 0x80);
  } while (rest !== 0n);
  const tag = Writer.create().uint32((field << 3) | WIRE_VARINT).finish();
  return Buffer.concat([tag, Buffer.from(bytes)]);
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
    if (span.field !== field || span.wireType !== WIRE_LENGTH_DELIMITED) continue;
    const result = edit(buffer.subarray(span.dataStart, span.end), index++);
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

/** Replaces every varint occurrence of `field` with `value`, or appends it when absent. */
export function setVarintField(message: Uint8Array, field: number, value: bigint): Buffer {
  const buffer = asBuffer(message);
  const pieces: Buffer[] = [];
  let copiedUpTo = 0;
  for (const span of fieldSpans(buffer)) {
    if (span.field !== field || span.wireType !== WIRE_VARINT) continue;
    pieces.push(buffer.subarray(copiedUpTo, span.start));
    copiedUpTo = span.end;
  }
  pieces.push(buffer.subarray(copiedUpTo));
  // proto3 omits zero; writing it explicitly is also valid, but omitting keeps messages canonical.
  if (value !== 0n) pieces.push(encodeVarintField(field, value));
  return Buffer.concat(pieces);
}

/** Removes every occurrence of `field` (any wire type). Returns `message` itself when it had none. */
export function removeField(message: Uint8Array, field: number): Buffer {
  const buffer = asBuffer(message);
  const pieces: Buffer[] = [];
  let copiedUpTo = 0;
  for (const span of fieldSpans(buffer)) {
    if (span.field !== field) continue;
    pieces.push(buffer.subarray(copiedUpTo, span.start));
    copiedUpTo = span.end;
  }
  if (copiedUpTo === 0) return buffer;
  pieces.push(buffer.subarray(copiedUpTo));
  return Buffer.concat(pieces);
}
