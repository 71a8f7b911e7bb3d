import { InvalidDataError } from '../core/errors.js';
import { ByteWriter, writeScalar, writeSingular } from './encode.js';
import { locateField, type FieldLocation } from './field-path.js';
import type { FieldSchema } from './schema.js';
import { parseStoredValue, type StoredValue } from './value.js';
import { concatBytes, varintSize, type WireField } from './wire.js';

/**
 * Replaces bytes[start, end) with `replacement` and rewrites the length prefix of every enclosing field in
 * `ancestors` (outermost first). Everything else is copied unchanged, so an edit touches only the field and
 * the lengths around it.
 */
export function splice(bytes: Uint8Array, ancestors: readonly WireField[], start: number, end: number, replacement: Uint8Array): Uint8Array {
  let delta = replacement.length - (end - start);
  const newLengths = new Array<number>(ancestors.length);
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const ancestor = ancestors[i];
    const newLength = ancestor.end - ancestor.valueStart + delta;
    newLengths[i] = newLength;
    delta += varintSize(newLength) - (ancestor.valueStart - ancestor.tagEnd);
  }
  const out = new Uint8Array(bytes.length + delta);
  let cursor = 0;
  let written = 0;
  for (let i = 0; i < ancestors.length; i++) {
    const ancestor = ancestors[i];
    out.set(bytes.subarray(cursor, ancestor.tagEnd), written);
    written += ancestor.tagEnd - cursor;
    let length = newLengths[i];
    while (length >= 128) {
      out[written++] = (length % 128) | 0x80;
      length = Math.floor(length / 128);
    }
    out[written++] = length;
    cursor = ancestor.valueStart;
  }
  out.set(bytes.subarray(cursor, start), written);
  written += start - cursor;
  out.set(replacement, written);
  written += replacement.length;
  out.set(bytes.subarray(end), written);
  return out;
}

/** Encodes one occurrence of `field` holding `value` (for a map field, an entry with `key`). */
export function encodeOccurrence(field: FieldSchema, value: unknown, path: string, key?: string): Uint8Array {
  const writer = new ByteWriter();
  if (field.mapKey) {
    writer.lengthDelimited(field.number, (w) => {
      writeScalar(w, 1, field.mapKey!, field.mapKey === 'string' ? key : Number(key), path);
      writeSingular(w, { ...field, number: 2, mapKey: undefined }, value, path);
    });
  } else {
    writeSingular(writer, { ...field, repeated: false }, value, path);
  }
  return writer.finish();
}

/**
 * Replaces the addressed occurrences with `replacement` (encoded occurrences, possibly several or none). Missing
 * fields are inserted in field-number order. Occurrences need not be contiguous: the parent payload is rebuilt
 * from its own bytes with the addressed occurrences cut out.
 */
export function replaceOccurrences(bytes: Uint8Array, location: FieldLocation, replacement: Uint8Array): Uint8Array {
  const { occurrences } = location;
  if (occurrences.length === 0) return splice(bytes, location.ancestors, location.insertAt, location.insertAt, replacement);
  const first = occurrences[0];
  const last = occurrences.at(-1)!;
  const contiguous = occurrences.every((o, i) => i === 0 || o.start === occurrences[i - 1].end);
  if (contiguous) return splice(bytes, location.ancestors, first.start, last.end, replacement);
  const parts: Uint8Array[] = [bytes.subarray(location.parentStart, first.start), replacement];
  for (let i = 1; i < occurrences.length; i++) parts.push(bytes.subarray(occurrences[i - 1].end, occurrences[i].start));
  parts.push(bytes.subarray(last.end, location.parentEnd));
  return splice(bytes, location.ancestors, location.parentStart, location.parentEnd, concatBytes(parts));
}

/**
 * Sets the field at `path` to `value` (Kubernetes JSON form: a string for Quantity and Time, a list for a whole
 * list, an object for a whole map) and returns the new stored bytes. Other fields keep their exact bytes.
 */
export function setField(stored: Uint8Array | StoredValue, path: string, value: unknown): Uint8Array {
  const parsed = stored instanceof Uint8Array ? parseStoredValue(stored) : stored;
  const location = locateField(parsed, path);
  return replaceOccurrences(parsed.bytes, location, encodeFieldValue(location, value));
}

/** Encodes `value` as the occurrence(s) the location addresses. */
export function encodeFieldValue(location: FieldLocation, value: unknown): Uint8Array {
  const { field, path } = location;
  if (location.selector === 'whole' && field.mapKey) {
    if (value === null || value === undefined) return new Uint8Array();
    if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidDataError(`${path}: expected an object (map), got ${JSON.stringify(value)}`);
    return concatBytes(Object.entries(value).map(([k, v]) => encodeOccurrence(field, v, `${path}[${k}]`, k)));
  }
  if (location.selector === 'whole' && field.repeated) {
    if (value === null || value === undefined) return new Uint8Array();
    if (!Array.isArray(value)) throw new InvalidDataError(`${path}: expected a list, got ${JSON.stringify(value)}`);
    return concatBytes(value.map((v, i) => encodeOccurrence(field, v, `${path}[${i}]`)));
  }
  if (value === undefined) return new Uint8Array();
  return encodeOccurrence(field, value, path, location.key);
}

/** Removes the field at `path` (a list element, a map entry, or every occurrence of the field). */
export function removeField(stored: Uint8Array | StoredValue, path: string): Uint8Array {
  const parsed = stored instanceof Uint8Array ? parseStoredValue(stored) : stored;
  return replaceOccurrences(parsed.bytes, locateField(parsed, path), new Uint8Array());
}
