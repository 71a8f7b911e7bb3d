import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { TAXONOMY_DIR } from '../core/paths.js';
import { loadTaxonomy } from '../core/taxonomy.js';

const RuleSchema = z.strictObject({
  error: z.string().min(1),
  kinds: z.array(z.string().min(1)).min(1),
  paths: z.array(z.string().min(1)).min(1),
});
const FieldTagsSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('FieldTags'),
  metadata: z.strictObject({ name: z.string() }),
  rules: z.array(RuleSchema).min(1),
});

/** The JSON Schema of the FieldTags kind, for editors (snapshotted in src/k8s/schema/FieldTags.schema.json). */
export function fieldTagsJsonSchema(): unknown {
  return z.toJSONSchema(FieldTagsSchema, { io: 'input' });
}

interface CompiledRule {
  error: string;
  kinds: Set<string> | 'any';
  patterns: RegExp[];
}

/** Field-to-error-code rules, validated and compiled. */
export interface FieldTags {
  rules: CompiledRule[];
}

function compilePattern(pattern: string): RegExp {
  let regex = '^';
  let rest = pattern;
  if (rest.startsWith('**.')) {
    regex += '(?:.*\\.)?';
    rest = rest.slice(3);
  }
  regex += rest
    .split('[*]')
    .map((part) => part.replace(/[.+?^${}()|\\]/g, '\\$&').replace(/\*/g, '[^.\\[\\]]*'))
    .join('\\[\\*\\]');
  return new RegExp(`${regex}(?:[.\\[].*)?$`);
}

/**
 * Parses and validates field-tags YAML (`source` names the file in errors): schema, then pattern syntax, then
 * every error code against the taxonomy's `error` dimension.
 */
export function parseFieldTags(text: string, source: string, errorCodes: readonly string[]): FieldTags {
  const parsed = FieldTagsSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const rules = parsed.data.rules.map((rule, index) => {
    if (!errorCodes.includes(rule.error)) {
      throw new InvalidDataError(`${source}: rules.${index}.error: unknown error code "${rule.error}"; valid: ${errorCodes.join(', ')}`);
    }
    const patterns = rule.paths.map((p, j) => {
      if (!/^(\*\*\.)?[A-Za-z*][\w*]*(\[\*\])?(\.[A-Za-z*][\w*]*(\[\*\])?)*$/.test(p)) {
        throw new InvalidDataError(`${source}: rules.${index}.paths.${j}: "${p}" is not a field pattern such as spec.containers[*].image or **.resources`);
      }
      return compilePattern(p);
    });
    return { error: rule.error, kinds: rule.kinds.includes('*') ? ('any' as const) : new Set(rule.kinds), patterns };
  });
  return { rules };
}

let cached: FieldTags | undefined;

/** Loads taxonomy/field-tags.yaml once per process. */
export function loadFieldTags(): FieldTags {
  if (!cached) {
    const file = path.join(TAXONOMY_DIR, 'field-tags.yaml');
    cached = parseFieldTags(readFileSync(file, 'utf8'), file, loadTaxonomy().dimensions.error.codes);
  }
  return cached;
}

/** Rewrites list indices and map keys as [*]: spec.containers[0].resources.limits[memory] -> ...[*]...[*]. */
export function normalizeFieldPath(fieldPath: string): string {
  return fieldPath.replace(/\[[^\]]*\]/g, '[*]');
}

/** The SPEC.md error code a field of a kind belongs to (first matching rule), or undefined when untagged. */
export function errorCodeForField(kind: string, fieldPath: string, tags: FieldTags = loadFieldTags()): string | undefined {
  const normalized = normalizeFieldPath(fieldPath);
  for (const rule of tags.rules) {
    if (rule.kinds !== 'any' && !rule.kinds.has(kind)) continue;
    if (rule.patterns.some((p) => p.test(normalized))) return rule.error;
  }
  return undefined;
}
