import { errorCodeForField, loadFieldTags } from '../k8s/field-tags.js';
import { isClusterScoped, RESOURCE_TYPES } from '../k8s/resources.js';
import { message, messageForType, SCALAR_LIKE_MESSAGES, type MessageSchema } from '../k8s/schema.js';
import type { KindCatalog } from './plan.js';

/** Deepest field path the catalog enumerates (Pod spec leaves sit at about 6 steps). */
const MAX_DEPTH = 8;

/**
 * The kinds and fields campaigns may target, from the codec: kinds with an etcd prefix (src/k8s/resources.ts),
 * field paths from the kinds' protobuf schemas, error codes from taxonomy/field-tags.yaml. An error code
 * resolves to every leaf field of the kind tagged with it (lists at index [0]; maps as a whole, since their keys
 * are not known before a run), in schema order.
 */
export function loadKindCatalog(): KindCatalog {
  const tags = loadFieldTags();
  const kinds = RESOURCE_TYPES.map((t) => t.kind);
  const fieldsCache = new Map<string, string[]>();
  const fieldsOf = (kind: string): string[] => {
    let fields = fieldsCache.get(kind);
    if (!fields) {
      const type = RESOURCE_TYPES.find((t) => t.kind === kind);
      const schema = type ? messageForType(type.apiVersion, type.kind) : undefined;
      fields = schema ? leafPaths(schema, '', new Set([schema.name]), 0) : [];
      fieldsCache.set(kind, fields);
    }
    return fields;
  };
  return {
    kinds: () => kinds,
    clusterScoped: isClusterScoped,
    errorCodeForField: (kind, path) => errorCodeForField(kind, path, tags),
    fieldsForErrorCode: (kind, code) => fieldsOf(kind).filter((p) => errorCodeForField(kind, p, tags) === code),
  };
}

// Leaf field paths below a message: scalars, scalar-like messages (Time, Quantity, ...), maps; lists at [0].
function leafPaths(schema: MessageSchema, prefix: string, seen: Set<string>, depth: number): string[] {
  const out: string[] = [];
  for (const field of schema.fields) {
    if (field.removed) continue;
    if (field.inline && field.messageName) {
      out.push(...leafPaths(message(field.messageName), prefix, seen, depth));
      continue;
    }
    const path = `${prefix}${prefix ? '.' : ''}${field.jsonName}`;
    if (field.mapKey || field.scalar || !field.messageName || SCALAR_LIKE_MESSAGES.has(field.messageName)) {
      out.push(field.repeated && !field.mapKey ? `${path}[0]` : path);
      continue;
    }
    // Skip recursive types and the managedFields bookkeeping, which no controller reads.
    if (seen.has(field.messageName) || depth >= MAX_DEPTH || field.jsonName === 'managedFields') continue;
    const inner = new Set(seen).add(field.messageName);
    out.push(...leafPaths(message(field.messageName), field.repeated ? `${path}[0]` : path, inner, depth + 1));
  }
  return out;
}
