import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from './errors.js';
import { TAXONOMY_DIR } from './paths.js';

/** Every dimension answers `unknown` when the evidence does not say; it is never one of the listed codes. */
export const UNKNOWN = 'unknown';

const CodeSchema = z.strictObject({ code: z.string().min(1), meaning: z.string() });
const DimensionSchema = z.strictObject({
  name: z.string(),
  cardinality: z.enum(['single', 'multi']),
  description: z.string(),
  codes: z.array(CodeSchema).min(1),
});
const TaxonomySchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('Taxonomy'),
  metadata: z.strictObject({ name: z.string() }),
  dimensions: z.array(DimensionSchema),
});

export type DimensionName = 'failure' | 'client' | 'fault' | 'component' | 'error';
export const DIMENSIONS: readonly DimensionName[] = ['failure', 'client', 'fault', 'component', 'error'];

export interface Dimension {
  name: DimensionName;
  cardinality: 'single' | 'multi';
  description: string;
  /** Codes in file order; for single-valued dimensions this is the severity order, most severe first. */
  codes: string[];
}

export interface Taxonomy {
  dimensions: Record<DimensionName, Dimension>;
}

/** Parses and validates taxonomy YAML text (`source` names the file in errors). */
export function parseTaxonomy(text: string, source: string): Taxonomy {
  const parsed = TaxonomySchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const dimensions = {} as Record<DimensionName, Dimension>;
  for (const d of parsed.data.dimensions) {
    if (!(DIMENSIONS as readonly string[]).includes(d.name)) {
      throw new InvalidDataError(`${source}: unknown dimension "${d.name}"; valid: ${DIMENSIONS.join(', ')}`);
    }
    const codes = d.codes.map((c) => c.code);
    const dup = codes.find((c, i) => codes.indexOf(c) !== i);
    if (dup) throw new InvalidDataError(`${source}: dimension ${d.name}: duplicate code "${dup}"`);
    dimensions[d.name as DimensionName] = { ...d, name: d.name as DimensionName, codes };
  }
  for (const name of DIMENSIONS) {
    if (!dimensions[name]) throw new InvalidDataError(`${source}: dimension "${name}" is missing`);
  }
  return { dimensions };
}

let cached: Taxonomy | undefined;

/** Loads taxonomy/dimensions.yaml once per process. */
export function loadTaxonomy(): Taxonomy {
  if (!cached) {
    const file = path.join(TAXONOMY_DIR, 'dimensions.yaml');
    cached = parseTaxonomy(readFileSync(file, 'utf8'), file);
  }
  return cached;
}

/** Throws a one-line error listing the valid codes when `code` is not in `dimension`. */
export function assertCode(taxonomy: Taxonomy, dimension: string, code: string): void {
  const dim = taxonomy.dimensions[dimension as DimensionName];
  if (!dim) throw new InvalidDataError(`unknown dimension "${dimension}"; valid: ${DIMENSIONS.join(', ')}`);
  if (code !== UNKNOWN && !dim.codes.includes(code)) {
    throw new InvalidDataError(`unknown ${dimension} code "${code}"; valid: ${dim.codes.join(', ')}, ${UNKNOWN}`);
  }
}
