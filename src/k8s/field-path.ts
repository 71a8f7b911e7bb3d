import { InvalidDataError } from '../core/errors.js';
import { decodeMessage, decodeValue, type JsonObject } from './decode.js';
import { message, SCALAR_LIKE_MESSAGES, type FieldSchema, type MessageSchema } from './schema.js';
import { requireSchema, type StoredValue } from './value.js';
import { WIRE_LEN, parseFields, type WireField } from './wire.js';

const utf8 = new TextDecoder('utf-8');

/** One step of a field path: `containers[0]` is { name: 'containers', index: 0 }, `limits[memory]` has key 'memory'. */
export interface PathSegment {
  name: string;
  index?: number;
  key?: string;
}

/**
 * Parses a field path in Kubernetes JSON names: `metadata.ownerReferences[0].uid`,
 * `spec.template.spec.containers[0].resources.limits[memory]`, `metadata.labels[app.kubernetes.io/name]`.
 * A bracket holding digits indexes a list; anything else (optionally quoted) is a map key.
 */
export function parseFieldPath(path: string): readonly PathSegment[] {
  const cached = parsedPaths.get(path);
  if (cached) return cached;
  const segments = parsePathText(path);
  // Campaigns and the proxy address the same few paths over and over.
  if (parsedPaths.size < 10_000) parsedPaths.set(path, segments);
  return segments;
}

const parsedPaths = new Map<string, readonly PathSegment[]>();

function parsePathText(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let pos = 0;
  const fail = (why: string): never => {
    throw new InvalidDataError(`field path "${path}": ${why} at character ${pos}; write it like spec.containers[0].image or metadata.labels[app]`);
  };
  while (pos < path.length) {
    const nameMatch = /^[A-Za-z_$][\w$-]*/.exec(path.slice(pos));
    if (!nameMatch) fail('expected a field name');
    const segment: PathSegment = { name: nameMatch![0] };
    pos += nameMatch![0].length;
    if (path[pos] === '[') {
      const close = path.indexOf(']', pos);
      if (close < 0) fail('unclosed [');
      let inside = path.slice(pos + 1, close);
      if (/^\d+$/.test(inside)) segment.index = Number(inside);
      else {
        if (/^(["']).*\1$/.test(inside)) inside = inside.slice(1, -1);
        if (inside === '') fail('empty map key');
        segment.key = inside;
      }
      pos = close + 1;
    }
    segments.push(segment);
    if (pos < path.length) {
      if (path[pos] !== '.') fail('expected "."');
      pos++;
      if (pos === path.length) fail('trailing "."');
    }
  }
  if (segments.length === 0) fail('empty path');
  return segments;
}

/** Writes segments back as a path string. */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  return segments.map((s) => `${s.name}${s.index !== undefined ? `[${s.index}]` : s.key !== undefined ? `[${s.key}]` : ''}`).join('.');
}

/** Where an addressed field sits in a protobuf value; all offsets are absolute into the stored bytes. */
export interface FieldLocation {
  path: string;
  field: FieldSchema;
  /** Short name of the message that declares the field (PodSpec, Container, ...). */
  parentMessage: string;
  /** whole: every occurrence of the field; index: one list element; key: one map entry. */
  selector: 'whole' | 'index' | 'key';
  /** Length-delimited fields enclosing the parent message, outermost (the envelope's raw field) first. */
  ancestors: WireField[];
  /** The payload of the message that holds the occurrences. */
  parentStart: number;
  parentEnd: number;
  /** The occurrences addressed (empty when an unset singular field or missing map key is addressed). */
  occurrences: WireField[];
  /** For a map key: the value field inside the entry, when present. */
  entryValue?: WireField;
  /** Where a new occurrence goes to keep field-number order. */
  insertAt: number;
  /** The map key addressed, for selector 'key'. */
  key?: string;
}

/** The field a JSON name denotes in a message, preceded by the inline (embedded) fields leading to it. */
export function resolveName(schema: MessageSchema, name: string): FieldSchema[] | undefined {
  const direct = schema.byJsonName.get(name) ?? schema.fields.find((f) => !f.inline && f.protoName === name);
  if (direct) return [direct];
  for (const field of schema.fields) {
    if (!field.inline || !field.messageName) continue;
    const inner = resolveName(message(field.messageName), name);
    if (inner) return [field, ...inner];
  }
  return undefined;
}

/** JSON names reachable from a message (inline structs flattened), for "did you mean" hints and inventories. */
export function jsonFieldNames(schema: MessageSchema): string[] {
  return schema.fields.flatMap((f) => (f.inline && f.messageName ? jsonFieldNames(message(f.messageName)) : [f.jsonName]));
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best && bestDistance <= Math.max(2, Math.floor(name.length / 3))) return best;
  // Abbreviations (ownerRefs for ownerReferences) are far in edit distance but share a long prefix.
  let longest = 0;
  for (const candidate of candidates) {
    let common = 0;
    while (common < name.length && common < candidate.length && name[common].toLowerCase() === candidate[common].toLowerCase()) common++;
    if (common > longest) {
      longest = common;
      best = candidate;
    }
  }
  return longest >= 4 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function insertPosition(fields: WireField[], number: number, parentEnd: number): number {
  for (const field of fields) if (field.number > number) return field.start;
  return parentEnd;
}

/**
 * Resolves a field path inside a protobuf value to byte spans. Every step before the last must exist in the
 * value (an index into a list, a key of a map of messages, or a set message field); the last step may be
 * absent, in which case occurrences is empty and insertAt says where it would go.
 */
export function locateField(value: StoredValue, path: string): FieldLocation {
  let schema = requireSchema(value);
  const bytes = value.bytes;
  const raw = value.raw!;
  const ancestors: WireField[] = [raw];
  let start = raw.valueStart;
  let end = raw.end;
  const segments = parseFieldPath(path);
  const where = (upTo: number): string => formatFieldPath(segments.slice(0, upTo + 1));

  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const chain = resolveName(schema, segment.name);
    if (!chain) {
      const hint = closest(segment.name, jsonFieldNames(schema));
      throw new InvalidDataError(`field path "${path}": ${schema.shortName} has no field "${segment.name}"${hint ? `; did you mean ${hint}?` : ''}`);
    }
    for (const inline of chain.slice(0, -1)) {
      const occurrence = parseFields(bytes, start, end).filter((f) => f.number === inline.number).at(-1);
      if (!occurrence) throw new InvalidDataError(`field path "${path}": ${where(i)} is not set in this value`);
      ancestors.push(occurrence);
      start = occurrence.valueStart;
      end = occurrence.end;
      schema = message(inline.messageName!);
    }
    const field = chain.at(-1)!;
    const fields = parseFields(bytes, start, end);
    const occurrences = fields.filter((f) => f.number === field.number);
    const last = i === segments.length - 1;

    if (segment.index !== undefined && !field.repeated) {
      throw new InvalidDataError(`field path "${path}": ${segment.name} is not a list, so [${segment.index}] does not apply`);
    }
    if (segment.key !== undefined && !field.mapKey) {
      throw new InvalidDataError(`field path "${path}": ${segment.name} is not a map, so [${segment.key}] does not apply`);
    }

    let occurrence: WireField | undefined;
    let entryValue: WireField | undefined;
    if (segment.index !== undefined) {
      occurrence = occurrences[segment.index];
      if (!occurrence) throw new InvalidDataError(`field path "${path}": ${segment.name} has ${occurrences.length} element(s), so [${segment.index}] is out of range`);
    } else if (segment.key !== undefined) {
      for (const entry of occurrences) {
        const parts = parseFields(bytes, entry.valueStart, entry.end);
        const keyField = parts.find((p) => p.number === 1);
        const entryKey = keyField ? utf8.decode(bytes.subarray(keyField.valueStart, keyField.end)) : '';
        if (entryKey === segment.key) {
          occurrence = entry;
          entryValue = parts.filter((p) => p.number === 2).at(-1);
        }
      }
      if (!occurrence && !last) throw new InvalidDataError(`field path "${path}": ${segment.name} has no key "${segment.key}"`);
    }

    if (last) {
      const selector = segment.index !== undefined ? 'index' : segment.key !== undefined ? 'key' : 'whole';
      const addressed = selector === 'whole' ? (field.repeated || field.mapKey ? occurrences : occurrences.slice(-1)) : occurrence ? [occurrence] : [];
      return {
        path,
        field,
        parentMessage: schema.shortName,
        selector,
        ancestors,
        parentStart: start,
        parentEnd: end,
        occurrences: addressed,
        entryValue,
        insertAt: insertPosition(fields, field.number, end),
        key: segment.key,
      };
    }

    // Descend into a message.
    if (field.repeated && segment.index === undefined) {
      throw new InvalidDataError(`field path "${path}": ${where(i)} is a list; pick an element, e.g. ${segment.name}[0]`);
    }
    if (field.mapKey && segment.key === undefined) {
      throw new InvalidDataError(`field path "${path}": ${where(i)} is a map; pick a key, e.g. ${segment.name}[somekey]`);
    }
    if (!field.messageName || SCALAR_LIKE_MESSAGES.has(field.messageName)) {
      throw new InvalidDataError(`field path "${path}": ${where(i)} is a value, not an object, so nothing can follow it`);
    }
    if (segment.key !== undefined) {
      ancestors.push(occurrence!);
      if (!entryValue) throw new InvalidDataError(`field path "${path}": ${where(i)} has no value`);
      occurrence = entryValue;
    } else if (segment.index === undefined) {
      occurrence = occurrences.at(-1);
      if (!occurrence) throw new InvalidDataError(`field path "${path}": ${where(i)} is not set in this value`);
    }
    if (occurrence!.wireType !== WIRE_LEN) throw new InvalidDataError(`field path "${path}": ${where(i)} is not a message on the wire`);
    ancestors.push(occurrence!);
    start = occurrence!.valueStart;
    end = occurrence!.end;
    schema = message(field.messageName);
  }
  throw new InvalidDataError(`field path "${path}": empty`);
}

/** The bytes of the addressed value itself: a scalar's varint or payload, a map entry's value. */
export function valueSpan(location: FieldLocation): [number, number] | undefined {
  if (location.selector === 'key') return location.entryValue ? [location.entryValue.valueStart, location.entryValue.end] : undefined;
  const occurrence = location.occurrences.at(-1);
  return occurrence ? [occurrence.valueStart, occurrence.end] : undefined;
}

/** Decodes the addressed value to its JSON form (a list or map for a whole repeated or map field). */
export function readLocatedValue(bytes: Uint8Array, location: FieldLocation): unknown {
  const { field } = location;
  if (location.selector === 'key') {
    if (!location.entryValue) return location.occurrences.length ? zeroOf(field) : undefined;
    return decodeValue(bytes, location.entryValue, { ...field, mapKey: undefined, repeated: false });
  }
  if (location.selector === 'whole' && field.mapKey) {
    if (location.occurrences.length === 0) return undefined;
    const map: JsonObject = {};
    const entrySchema = mapEntrySchema(field);
    for (const entry of location.occurrences) {
      const decoded = decodeMessage(bytes, entry.valueStart, entry.end, entrySchema);
      map[String(decoded.key ?? '')] = decoded.value ?? zeroOf(field);
    }
    return map;
  }
  if (location.selector === 'whole' && field.repeated) {
    if (location.occurrences.length === 0) return undefined;
    return location.occurrences.map((o) => decodeValue(bytes, o, field));
  }
  const occurrence = location.occurrences.at(-1);
  return occurrence ? decodeValue(bytes, occurrence, field) : undefined;
}

function zeroOf(field: FieldSchema): unknown {
  if (field.scalar === 'string' || field.scalar === 'bytes') return '';
  if (field.scalar === 'bool') return false;
  if (field.scalar) return 0;
  return {};
}

/** A synthetic message schema for a map field's entries (key = 1, value = 2). */
export function mapEntrySchema(field: FieldSchema): MessageSchema {
  const keyField: FieldSchema = { ...field, number: 1, protoName: 'key', jsonName: 'key', mapKey: undefined, repeated: false, scalar: field.mapKey, messageName: undefined, goKind: 'value', omitempty: false, omitzero: false, removed: false, inline: false };
  const valueField: FieldSchema = { ...field, number: 2, protoName: 'value', jsonName: 'value', mapKey: undefined, repeated: false, goKind: 'value', omitempty: false, omitzero: false, removed: false, inline: false };
  return {
    name: `${field.protoName}Entry`,
    shortName: `${field.protoName}Entry`,
    fields: [keyField, valueField],
    fieldsByNumber: [keyField, valueField],
    byNumber: new Map([[1, keyField], [2, valueField]]),
    byJsonName: new Map([['key', keyField], ['value', valueField]]),
  };
}
