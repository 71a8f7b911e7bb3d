import { InvalidDataError } from '../core/errors.js';

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

/**
 * One field occurrence on the wire, as absolute byte offsets into the buffer it was parsed from:
 * [start, tagEnd) is the tag, [tagEnd, valueStart) the length prefix (LEN only), [valueStart, end) the value.
 * Keeping spans instead of values is what makes edits byte-exact: untouched bytes are copied, never re-encoded.
 */
export interface WireField {
  number: number;
  wireType: number;
  start: number;
  tagEnd: number;
  valueStart: number;
  end: number;
}

/** A stored value that is not valid protobuf; `offset` is the absolute byte offset of the problem. */
export class WireFormatError extends InvalidDataError {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`invalid protobuf at byte offset ${offset}: ${detail}`);
  }
}

/** Reads an unsigned varint that fits in a double (lengths, tags, small ints); returns [value, nextOffset]. */
export function readVarint(buf: Uint8Array, offset: number, limit: number): [number, number] {
  let value = 0;
  let multiplier = 1;
  let pos = offset;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new WireFormatError(offset, 'truncated varint');
    const byte = buf[pos++];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return [value, pos];
    multiplier *= 128;
  }
  throw new WireFormatError(offset, 'varint longer than 10 bytes');
}

/** Reads a varint as an unsigned 64-bit BigInt (for int64 values that may be negative or exceed 2^53). */
export function readVarintBig(buf: Uint8Array, offset: number, limit: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  let pos = offset;
  for (let i = 0; i < 10; i++) {
    if (pos >= limit) throw new WireFormatError(offset, 'truncated varint');
    const byte = buf[pos++];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, value), pos];
    shift += 7n;
  }
  throw new WireFormatError(offset, 'varint longer than 10 bytes');
}

/** Splits the message in buf[start, end) into its top-level field occurrences, in wire order. */
export function parseFields(buf: Uint8Array, start: number, end: number): WireField[] {
  const fields: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    // Tags and lengths are inlined varint reads: this loop is the codec's hot path.
    let tag = buf[pos++];
    if (tag >= 0x80) {
      const [value, next] = readVarint(buf, fieldStart, end);
      tag = value;
      pos = next;
    } else if (pos > end) {
      throw new WireFormatError(fieldStart, 'truncated varint');
    }
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (number === 0) throw new WireFormatError(fieldStart, 'field number 0');
    const afterTag = pos;
    let valueStart = afterTag;
    let valueEnd: number;
    switch (wireType) {
      case WIRE_VARINT:
        valueEnd = afterTag;
        while (valueEnd < end && buf[valueEnd] >= 0x80) valueEnd++;
        if (valueEnd >= end || valueEnd - afterTag >= 10) throw new WireFormatError(afterTag, valueEnd >= end ? 'truncated varint' : 'varint longer than 10 bytes');
        valueEnd++;
        break;
      case WIRE_I64:
        valueEnd = afterTag + 8;
        break;
      case WIRE_I32:
        valueEnd = afterTag + 4;
        break;
      case WIRE_LEN: {
        let length = afterTag < end ? buf[afterTag] : -1;
        if (length >= 0 && length < 0x80) {
          valueStart = afterTag + 1;
        } else {
          const [value, next] = readVarint(buf, afterTag, end);
          length = value;
          valueStart = next;
        }
        valueEnd = valueStart + length;
        break;
      }
      case WIRE_SGROUP:
        valueEnd = skipGroup(buf, afterTag, end, number);
        break;
      default:
        throw new WireFormatError(fieldStart, `field ${number} has invalid wire type ${wireType}`);
    }
    if (valueEnd > end) throw new WireFormatError(fieldStart, `field ${number} runs past the end of its message (needs byte ${valueEnd}, message ends at ${end})`);
    fields.push({ number, wireType, start: fieldStart, tagEnd: afterTag, valueStart, end: valueEnd });
    pos = valueEnd;
  }
  return fields;
}

function skipGroup(buf: Uint8Array, pos: number, end: number, number: number): number {
  let cursor = pos;
  while (cursor < end) {
    const [tag, afterTag] = readVarint(buf, cursor, end);
    const wireType = tag & 7;
    if (wireType === WIRE_EGROUP) {
      if (Math.floor(tag / 8) !== number) throw new WireFormatError(cursor, `mismatched end group ${Math.floor(tag / 8)}`);
      return afterTag;
    }
    if (wireType === WIRE_VARINT) cursor = readVarint(buf, afterTag, end)[1];
    else if (wireType === WIRE_I64) cursor = afterTag + 8;
    else if (wireType === WIRE_I32) cursor = afterTag + 4;
    else if (wireType === WIRE_LEN) {
      const [length, after] = readVarint(buf, afterTag, end);
      cursor = after + length;
    } else if (wireType === WIRE_SGROUP) cursor = skipGroup(buf, afterTag, end, Math.floor(tag / 8));
    else throw new WireFormatError(cursor, `invalid wire type ${wireType}`);
  }
  throw new WireFormatError(pos, `unterminated group ${number}`);
}

/** Number of bytes the varint encoding of a non-negative integer takes. */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Appends the varint encoding of a non-negative integer (< 2^53) to out. */
export function pushVarint(out: number[], value: number): void {
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** Appends the varint encoding of a 64-bit integer (negative values as two's complement, 10 bytes). */
export function pushVarintBig(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 128n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

/** Encodes a tag (field number and wire type). */
export function pushTag(out: number[], number: number, wireType: number): void {
  pushVarint(out, number * 8 + wireType);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
