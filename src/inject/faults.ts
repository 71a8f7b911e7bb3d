import { InvalidDataError } from '../core/errors.js';
import { encodeFieldValue, encodeOccurrence, replaceOccurrences, splice } from '../k8s/edit.js';
import { enumValuesFor } from '../k8s/enums.js';
import { locateField, parseFieldPath, readLocatedValue, valueSpan, type FieldLocation, type PathSegment } from '../k8s/field-path.js';
import { DURATION, INT_OR_STRING, MICRO_TIME, QUANTITY, TIME, SCALAR_LIKE_MESSAGES } from '../k8s/schema.js';
import { PROTOBUF_MAGIC, parseStoredValue, type StoredValue } from '../k8s/value.js';
import { WIRE_VARINT } from '../k8s/wire.js';

/** The fault models of the Mutiny paper, plus at-rest `delete` and `corrupt`. */
export type FaultModel = 'bitflip' | 'set' | 'drop' | 'delete' | 'corrupt';

export const FAULT_MODELS: readonly FaultModel[] = ['bitflip', 'set', 'drop', 'delete', 'corrupt'];

/**
 * What to do to a stored value. `field` is a path in Kubernetes JSON names; `variant` picks the set-value kind
 * (zero, minus-one, one, max-int32, min-int32, max-int64, min-int64, off-by-one, empty, random-same-length,
 * other-name, invalid-dns, other-value, flip, random-uid, other-uid, huge, past, future, drop-entry,
 * duplicate-entry, clear, unset) or, for corrupt, truncate|garbage|magic; `bit` picks the bit for bitflip.
 * Without a variant or bit, a seeded choice is made.
 */
export interface FaultSpec {
  model: FaultModel;
  field?: string;
  variant?: string;
  bit?: number;
  seed?: number;
}

/** The faulty value to write (null: delete the key, or drop the message) and a one-line description. */
export interface FaultApplication {
  bytes: Uint8Array | null;
  description: string;
  fieldPath?: string;
  before?: unknown;
  after?: unknown;
}

/** Values found elsewhere in the cluster, for the other-name and other-uid variants. */
export interface FaultContext {
  names?: readonly string[];
  uids?: readonly string[];
}

/** A deterministic PRNG (mulberry32) seeded from the fault's inputs. */
class Random {
  private state: number;
  constructor(seedText: string) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < seedText.length; i++) {
      hash ^= seedText.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    this.state = hash;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  text(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
  uuid(): string {
    const hex = this.text(32, '0123456789abcdef').split('');
    hex[12] = '4';
    hex[16] = '89ab'[this.int(4)];
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

const MAX_INT32 = 2147483647;
const MIN_INT32 = -2147483648;
const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;
/** Far-off timestamps: before any cluster existed, and beyond any certificate or lease horizon. */
const PAST_TIME = '1970-01-01T00:00:01Z';
const FUTURE_TIME = '2999-12-31T23:59:59Z';
const HUGE_QUANTITY = '8Ei';
const HUGE_DURATION = '2562047h47m16.854775807s';

function show(value: unknown): string {
  const text = typeof value === 'bigint' ? value.toString() : value === undefined ? '(unset)' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function seedText(key: string, spec: FaultSpec): string {
  return `${spec.seed ?? 0}|${key}|${spec.model}|${spec.field ?? ''}|${spec.variant ?? ''}`;
}

/**
 * Applies a fault to a stored value. Deterministic given (stored, key, spec): the seed drives every random
 * choice. Field-level faults edit only the addressed field (and enclosing lengths) of a protobuf value, or
 * rewrite a JSON value with only that field changed.
 */
export function applyFault(stored: Uint8Array, key: string, spec: FaultSpec, context: FaultContext = {}): FaultApplication {
  const random = new Random(seedText(key, spec));
  switch (spec.model) {
    case 'drop':
      return { bytes: null, description: `drop the write of ${key}` };
    case 'delete':
      return { bytes: null, description: `delete ${key}` };
    case 'corrupt':
      return corrupt(stored, key, spec, random);
    case 'bitflip':
    case 'set': {
      const value = parseStoredValue(stored, key);
      if (value.format === 'json') return applyJsonFault(value, key, spec, random, context);
      if (spec.model === 'bitflip') return bitflip(value, key, spec, random);
      if (!spec.field) throw new InvalidDataError(`set fault on ${key}: needs --field, e.g. spec.replicas`);
      return setFault(value, key, spec, random, context);
    }
    default:
      throw new InvalidDataError(`fault model "${String(spec.model)}": unknown; use one of ${FAULT_MODELS.join(', ')}`);
  }
}

function corrupt(stored: Uint8Array, key: string, spec: FaultSpec, random: Random): FaultApplication {
  const variant = spec.variant ?? 'truncate';
  const bytes = Uint8Array.from(stored);
  switch (variant) {
    case 'truncate': {
      // Cut inside the object, past the magic and envelope header, so the envelope no longer parses.
      const min = Math.min(bytes.length - 1, PROTOBUF_MAGIC.length + 2);
      const cut = min + random.int(Math.max(1, bytes.length - 1 - min));
      return { bytes: bytes.slice(0, cut), description: `corrupt ${key}: truncate ${stored.length} bytes to ${cut}` };
    }
    case 'garbage': {
      for (let i = PROTOBUF_MAGIC.length; i < bytes.length; i++) bytes[i] = random.int(256);
      return { bytes, description: `corrupt ${key}: replace ${bytes.length - PROTOBUF_MAGIC.length} bytes after the magic with random bytes` };
    }
    case 'magic':
      bytes[3] ^= 0x01;
      return { bytes, description: `corrupt ${key}: break the k8s\\0 magic prefix` };
    default:
      throw new InvalidDataError(`corrupt variant "${variant}": unknown; use truncate, garbage or magic`);
  }
}

function bitflip(value: StoredValue, key: string, spec: FaultSpec, random: Random): FaultApplication {
  let start: number;
  let end: number;
  let varint = false;
  let location: FieldLocation | undefined;
  if (spec.field) {
    location = locateField(value, spec.field);
    const span = valueSpan(location);
    if (!span || span[0] === span[1]) throw new InvalidDataError(`bitflip on ${key}: ${spec.field} is not set or empty in this value; pick a field that holds bytes`);
    [start, end] = span;
    const occurrence = location.selector === 'key' ? location.entryValue! : location.occurrences.at(-1)!;
    varint = occurrence.wireType === WIRE_VARINT;
  } else {
    start = value.raw!.valueStart;
    end = value.raw!.end;
  }
  // Every bit of the span is a candidate, except a varint's continuation bits (bit 7 of each byte).
  const bitsPerByte = varint ? 7 : 8;
  const count = (end - start) * bitsPerByte;
  if (spec.bit !== undefined && (!Number.isInteger(spec.bit) || spec.bit < 0 || spec.bit >= count)) {
    throw new InvalidDataError(`bitflip on ${key}: --bit ${spec.bit} is out of range; ${spec.field ?? 'the object'} has ${count} flippable bits (0-${count - 1})`);
  }
  const index = spec.bit ?? random.int(count);
  const byte = start + Math.floor(index / bitsPerByte);
  const bit = index % bitsPerByte;
  const bytes = Uint8Array.from(value.bytes);
  bytes[byte] ^= 1 << bit;
  const before = location ? readLocatedValue(value.bytes, location) : undefined;
  const after = location ? readAfter(bytes, key, spec.field!) : undefined;
  const where = spec.field ?? 'the object';
  return {
    bytes,
    fieldPath: spec.field,
    before,
    after,
    description: `bitflip ${where} of ${key}: bit ${index} (byte ${byte}, bit ${bit})${location ? `: ${show(before)} -> ${show(after)}` : ''}`,
  };
}

function readAfter(bytes: Uint8Array, key: string, path: string): unknown {
  try {
    return readLocatedValue(bytes, locateField(parseStoredValue(bytes, key), path));
  } catch (error) {
    return `<undecodable: ${(error as Error).message}>`;
  }
}

type ValueKind = 'int32' | 'int64' | 'string' | 'uid' | 'bool' | 'bytes' | 'quantity' | 'time' | 'duration' | 'intorstring' | 'message' | 'list' | 'map' | 'enum';

function kindOf(location: FieldLocation): ValueKind {
  const { field } = location;
  if (location.selector === 'whole' && field.mapKey) return 'map';
  if (location.selector === 'whole' && field.repeated) return 'list';
  if (field.messageName) {
    if (field.messageName === QUANTITY) return 'quantity';
    if (field.messageName === TIME || field.messageName === MICRO_TIME) return 'time';
    if (field.messageName === DURATION) return 'duration';
    if (field.messageName === INT_OR_STRING) return 'intorstring';
    return SCALAR_LIKE_MESSAGES.has(field.messageName) ? 'bytes' : 'message';
  }
  switch (field.scalar) {
    case 'bool':
      return 'bool';
    case 'bytes':
      return 'bytes';
    case 'string':
      if (location.selector !== 'key' && enumValuesFor(location.parentMessage, field.jsonName)) return 'enum';
      return /(^uid$|UID$)/.test(field.jsonName) ? 'uid' : 'string';
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return 'int64';
    default:
      return 'int32';
  }
}

const VARIANTS: Record<ValueKind, readonly string[]> = {
  int32: ['zero', 'minus-one', 'one', 'max-int32', 'min-int32', 'off-by-one', 'unset'],
  int64: ['zero', 'minus-one', 'one', 'max-int32', 'min-int32', 'max-int64', 'min-int64', 'off-by-one', 'unset'],
  string: ['empty', 'random-same-length', 'other-name', 'invalid-dns', 'unset'],
  uid: ['random-uid', 'other-uid', 'empty', 'unset'],
  enum: ['other-value', 'empty', 'random-same-length', 'unset'],
  bool: ['flip', 'unset'],
  bytes: ['empty', 'random-same-length', 'unset'],
  quantity: ['zero', 'huge', 'minus-one', 'unset'],
  time: ['past', 'future', 'unset'],
  duration: ['zero', 'huge', 'unset'],
  intorstring: ['zero', 'minus-one', 'max-int32', 'empty', 'unset'],
  message: ['clear', 'unset'],
  list: ['drop-entry', 'duplicate-entry', 'clear'],
  map: ['drop-entry', 'duplicate-entry', 'clear'],
};

/** The set variants that apply to a field of a value (for `mutiny fields` and campaign planning). */
export function setVariantsFor(stored: Uint8Array, key: string, path: string): readonly string[] {
  const value = parseStoredValue(stored, key);
  if (value.format === 'json') return jsonVariants(getJsonPath(value.json!, parseFieldPath(path)));
  return VARIANTS[kindOf(locateField(value, path))];
}

function chooseVariant(kind: string, variants: readonly string[], spec: FaultSpec, random: Random, context: FaultContext, key: string, before: unknown): string {
  if (spec.variant !== undefined) {
    if (!variants.includes(spec.variant)) {
      throw new InvalidDataError(`set variant "${spec.variant}" does not apply to ${spec.field} of ${key} (${kind}); use one of ${variants.join(', ')}`);
    }
    return spec.variant;
  }
  const hasOther = (candidates: readonly string[] | undefined): boolean => (candidates ?? []).some((c) => c !== before);
  const usable = variants.filter((v) => (v !== 'other-name' || hasOther(context.names)) && (v !== 'other-uid' || hasOther(context.uids)));
  return random.pick(usable);
}

function invalidDns(current: string): string {
  const base = current.length > 0 ? current : 'name';
  return `${base.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

function pickOther(candidates: readonly string[] | undefined, current: unknown, random: Random, what: string, key: string): string {
  const others = (candidates ?? []).filter((c) => c !== current);
  if (others.length === 0) throw new InvalidDataError(`set ${what} on ${key}: no other ${what === 'other-uid' ? 'uid' : 'name'} is known; pass candidates found in the cluster`);
  return random.pick(others);
}

/** The JSON value a scalar-like set variant produces; undefined means `unset`. */
function scalarVariantValue(variant: string, kind: ValueKind, before: unknown, random: Random, context: FaultContext, key: string, enumValues?: readonly string[]): unknown {
  const asInt64 = kind === 'int64';
  switch (variant) {
    case 'unset':
      return undefined;
    case 'zero':
      return kind === 'quantity' ? '0' : kind === 'duration' ? '0s' : 0;
    case 'minus-one':
      return kind === 'quantity' ? '-1' : -1;
    case 'one':
      return 1;
    case 'max-int32':
      return MAX_INT32;
    case 'min-int32':
      return MIN_INT32;
    case 'max-int64':
      return MAX_INT64;
    case 'min-int64':
      return MIN_INT64;
    case 'off-by-one': {
      const current = typeof before === 'number' ? before : 0;
      if (asInt64 && !Number.isSafeInteger(current + 1)) return BigInt(current) + 1n;
      return kind === 'int32' && current === MAX_INT32 ? MIN_INT32 : current + 1;
    }
    case 'huge':
      return kind === 'duration' ? HUGE_DURATION : HUGE_QUANTITY;
    case 'past':
      return PAST_TIME;
    case 'future':
      return FUTURE_TIME;
    case 'flip':
      return !before;
    case 'empty':
      return '';
    case 'random-same-length': {
      if (kind === 'bytes') {
        const length = typeof before === 'string' ? Buffer.from(before, 'base64').length : 8;
        return Buffer.from(random.text(length, '\u0000\u0001abcdef\u00ff')).subarray(0, length).toString('base64');
      }
      const current = typeof before === 'string' ? before : '';
      let replacement = random.text(Math.max(1, current.length));
      if (replacement === current) replacement = random.text(Math.max(1, current.length));
      return replacement;
    }
    case 'other-name':
      return pickOther(context.names, before, random, 'other-name', key);
    case 'invalid-dns':
      return invalidDns(typeof before === 'string' ? before : '');
    case 'random-uid':
      return random.uuid();
    case 'other-uid':
      return pickOther(context.uids, before, random, 'other-uid', key);
    case 'other-value':
      return random.pick((enumValues ?? []).filter((v) => v !== before));
    default:
      throw new InvalidDataError(`set variant "${variant}": unknown`);
  }
}

function setFault(value: StoredValue, key: string, spec: FaultSpec, random: Random, context: FaultContext): FaultApplication {
  const path = spec.field!;
  const location = locateField(value, path);
  const kind = kindOf(location);
  const before = readLocatedValue(value.bytes, location);
  const variant = chooseVariant(kind, VARIANTS[kind], spec, random, context, key, before);
  let bytes: Uint8Array;
  if (kind === 'list' || kind === 'map') {
    if (location.occurrences.length === 0 && variant !== 'clear') {
      throw new InvalidDataError(`set ${variant} on ${key}: ${path} has no entries`);
    }
    if (variant === 'clear') {
      bytes = replaceOccurrences(value.bytes, location, new Uint8Array());
    } else {
      const index = random.int(location.occurrences.length);
      const occurrence = location.occurrences[index];
      let copy: Uint8Array = value.bytes.slice(occurrence.start, occurrence.end);
      if (kind === 'map') {
        // A second entry with the same key is a no-op (the last one wins), so the copy gets a new key.
        const entries = readLocatedValue(value.bytes, { ...location, occurrences: [occurrence] }) as Record<string, unknown>;
        const [entryKey, entryValue] = Object.entries(entries)[0];
        copy = encodeOccurrence(location.field, entryValue, `${path}[${entryKey}-copy]`, `${entryKey}-copy`);
      }
      bytes = variant === 'drop-entry'
        ? splice(value.bytes, location.ancestors, occurrence.start, occurrence.end, new Uint8Array())
        : splice(value.bytes, location.ancestors, occurrence.end, occurrence.end, copy);
    }
  } else if (kind === 'message') {
    bytes = replaceOccurrences(value.bytes, location, variant === 'clear' ? encodeFieldValue(location, {}) : new Uint8Array());
  } else {
    const replacement = scalarVariantValue(variant, kind, before, random, context, key, enumValuesFor(location.parentMessage, location.field.jsonName));
    bytes = replaceOccurrences(value.bytes, location, encodeFieldValue(location, replacement));
  }
  const after = readAfter(bytes, key, path);
  return {
    bytes,
    fieldPath: path,
    before,
    after,
    description: `set ${path} of ${key} (${variant}): ${show(before)} -> ${show(after)}`,
  };
}

// JSON-stored values (custom resources): the same faults on the parsed object, written back as compact JSON.

function getJsonPath(object: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = object;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment.name];
    if (segment.index !== undefined) current = Array.isArray(current) ? current[segment.index] : undefined;
    if (segment.key !== undefined) current = current && typeof current === 'object' ? (current as Record<string, unknown>)[segment.key] : undefined;
  }
  return current;
}

function setJsonPath(object: Record<string, unknown>, segments: readonly PathSegment[], value: unknown, path: string): void {
  let container: Record<string, unknown> | unknown[] = object;
  let slot: string | number = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const parent = container as Record<string, unknown>;
    if (segment.index === undefined && segment.key === undefined) {
      slot = segment.name;
      if (i < segments.length - 1) {
        if (typeof parent[segment.name] !== 'object' || parent[segment.name] === null) throw new InvalidDataError(`field path "${path}": ${segment.name} is not set in this value`);
        container = parent[segment.name] as Record<string, unknown>;
      }
      continue;
    }
    const inner = parent[segment.name];
    if (typeof inner !== 'object' || inner === null) throw new InvalidDataError(`field path "${path}": ${segment.name} is not set in this value`);
    container = inner as Record<string, unknown>;
    slot = segment.index ?? segment.key!;
    if (i < segments.length - 1) {
      const next = (container as Record<string | number, unknown>)[slot];
      if (typeof next !== 'object' || next === null) throw new InvalidDataError(`field path "${path}": ${segment.name}[${slot}] is not set in this value`);
      container = next as Record<string, unknown>;
    }
  }
  if (value === undefined) {
    if (Array.isArray(container) && typeof slot === 'number') container.splice(slot, 1);
    else delete (container as Record<string | number, unknown>)[slot];
  } else {
    (container as Record<string | number, unknown>)[slot] = value;
  }
}

function jsonVariants(current: unknown): readonly string[] {
  if (Array.isArray(current)) return VARIANTS.list;
  if (current !== null && typeof current === 'object') return VARIANTS.map;
  if (typeof current === 'boolean') return VARIANTS.bool;
  if (typeof current === 'number') return VARIANTS.int64;
  return VARIANTS.string;
}

function applyJsonFault(value: StoredValue, key: string, spec: FaultSpec, random: Random, context: FaultContext): FaultApplication {
  if (!spec.field) throw new InvalidDataError(`${spec.model} on ${key}: JSON-stored values need --field`);
  const object = structuredClone(value.json!);
  const segments = parseFieldPath(spec.field);
  const before = getJsonPath(object, segments);
  let after: unknown;
  let what: string;
  if (spec.model === 'bitflip') {
    if (before === undefined) throw new InvalidDataError(`bitflip on ${key}: ${spec.field} is not set`);
    const raw = Buffer.from(typeof before === 'string' ? before : JSON.stringify(before));
    const index = spec.bit ?? random.int(raw.length * 8);
    if (index < 0 || index >= raw.length * 8) throw new InvalidDataError(`bitflip on ${key}: --bit ${index} is out of range (0-${raw.length * 8 - 1})`);
    raw[index >> 3] ^= 1 << (index & 7);
    const text = raw.toString('utf8');
    if (typeof before === 'string') after = text;
    else {
      try {
        after = JSON.parse(text);
      } catch {
        after = text;
      }
    }
    what = `bit ${index}`;
  } else {
    const variants = jsonVariants(before);
    const variant = chooseVariant(typeof before, variants, spec, random, context, key, before);
    what = variant;
    if (Array.isArray(before)) {
      const list = [...before];
      const index = random.int(Math.max(1, list.length));
      if (variant === 'clear') list.length = 0;
      else if (variant === 'drop-entry') list.splice(index, 1);
      else list.splice(index, 0, list[index]);
      after = list;
    } else if (before !== null && typeof before === 'object') {
      const entries = Object.entries(before);
      const index = random.int(Math.max(1, entries.length));
      if (variant === 'clear') after = {};
      else if (variant === 'drop-entry') after = Object.fromEntries(entries.filter((_, i) => i !== index));
      else after = Object.fromEntries([...entries, [`${entries[index]?.[0] ?? 'key'}-copy`, entries[index]?.[1] ?? '']]);
    } else {
      after = scalarVariantValue(variant, typeof before === 'number' ? 'int64' : typeof before === 'boolean' ? 'bool' : 'string', before, random, context, key);
      if (typeof after === 'bigint') after = Number(after);
    }
  }
  setJsonPath(object, segments, after, spec.field);
  const trailingNewline = value.bytes[value.bytes.length - 1] === 0x0a ? '\n' : '';
  return {
    bytes: new TextEncoder().encode(`${JSON.stringify(object)}${trailingNewline}`),
    fieldPath: spec.field,
    before,
    after,
    description: `${spec.model} ${spec.field} of ${key} (${what}): ${show(before)} -> ${show(after)}`,
  };
}
