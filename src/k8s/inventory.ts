import { errorCodeForField } from './field-tags.js';
import { resolveName } from './field-path.js';
import { message, SCALAR_LIKE_MESSAGES, type FieldSchema, type MessageSchema } from './schema.js';
import { parseStoredValue, requireSchema } from './value.js';
import { decodeMessage, type JsonObject } from './decode.js';

/** One populated field of one kind, across every value read. */
export interface FieldInventoryRow {
  kind: string;
  /** Field path with list indices and map keys normalized to [*]. */
  path: string;
  /** Protobuf scalar type or message name (Quantity, Time, IntOrString, ...); JSON type for JSON-stored values. */
  type: string;
  /** SPEC.md error code from taxonomy/field-tags.yaml, when tagged. */
  errorCode?: string;
  /** How many values had the field populated (a list counts each element). */
  count: number;
  /** The first value seen (JSON text, shortened). */
  example: string;
}

/** The inventory of a set of stored values, and the values that could not be read. */
export interface FieldInventory {
  rows: FieldInventoryRow[];
  values: number;
  skipped: Array<{ key: string; reason: string }>;
}

function typeName(field: FieldSchema): string {
  if (field.messageName) return message(field.messageName).shortName;
  return field.scalar ?? 'unknown';
}

function exampleText(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
}

function walkMessage(object: JsonObject, schema: MessageSchema, path: string, emit: (path: string, type: string, value: unknown) => void): void {
  for (const [name, value] of Object.entries(object)) {
    const chain = resolveName(schema, name);
    const fieldPath = path ? `${path}.${name}` : name;
    if (!chain) {
      emit(fieldPath, 'unknown', value);
      continue;
    }
    const field = chain.at(-1)!;
    const nested = field.messageName && !SCALAR_LIKE_MESSAGES.has(field.messageName) ? message(field.messageName) : undefined;
    const visit = (p: string, v: unknown): void => {
      if (nested && v && typeof v === 'object' && Object.keys(v).length > 0) walkMessage(v as JsonObject, nested, p, emit);
      else emit(p, typeName(field), v);
    };
    if (field.mapKey && value && typeof value === 'object') for (const entry of Object.values(value)) visit(`${fieldPath}[*]`, entry);
    else if (field.repeated && Array.isArray(value)) for (const element of value) visit(`${fieldPath}[*]`, element);
    else visit(fieldPath, value);
  }
}

function walkJson(value: unknown, path: string, emit: (path: string, type: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) walkJson(element, `${path}[*]`, emit);
  } else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [name, child] of Object.entries(value)) walkJson(child, path ? `${path}.${name}` : name, emit);
  } else {
    emit(path, value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value, value);
  }
}

/**
 * Lists, per kind, every populated field path of the given stored values with its type, an example and its
 * SPEC error code. Encrypted or undecodable values are reported in `skipped`, not fatal.
 */
export function inventoryFields(pairs: Iterable<{ key: string; value: Uint8Array }>, onValue?: () => void): FieldInventory {
  const rows = new Map<string, FieldInventoryRow>();
  const skipped: FieldInventory['skipped'] = [];
  let values = 0;
  for (const { key, value } of pairs) {
    onValue?.();
    let kind: string;
    const fields: Array<[string, string, unknown]> = [];
    const emit = (path: string, type: string, v: unknown): void => void fields.push([path, type, v]);
    try {
      const stored = parseStoredValue(value, key);
      kind = stored.kind || '(unknown kind)';
      if (stored.format === 'json') {
        const { apiVersion: _a, kind: _k, ...body } = stored.json!;
        walkJson(body, '', emit);
      } else {
        const schema = requireSchema(stored, key);
        walkMessage(decodeMessage(stored.bytes, stored.raw!.valueStart, stored.raw!.end, schema), schema, '', emit);
      }
    } catch (error) {
      skipped.push({ key, reason: (error as Error).message });
      continue;
    }
    values++;
    for (const [path, type, v] of fields) {
      const id = `${kind}\u0000${path}`;
      const row = rows.get(id);
      if (row) row.count++;
      else rows.set(id, { kind, path, type, errorCode: errorCodeForField(kind, path), count: 1, example: exampleText(v) });
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.kind === b.kind ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  return { rows: sorted, values, skipped };
}
