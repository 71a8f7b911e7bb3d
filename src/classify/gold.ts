import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { UNKNOWN, type DimensionName } from '../core/taxonomy.js';
import type { IncidentInput } from './classifier.js';
import { parseEntrySummary } from './entry-text.js';

const Single = z.string().nullable();
const Multi = z.array(z.string()).nullable();

const GoldLineSchema = z.object({
  id: z.string().min(1),
  source: z.string().optional(),
  url: z.string().optional(),
  title: z.string().optional(),
  text: z.string().nullable().optional(),
  labels_on_github: z.array(z.string()).optional(),
  is_failure: z.boolean().optional(),
  gold: z.object({ failure: Single, client: Single, fault: Multi, component: Multi, error: Multi }),
});

/** Gold values per dimension; `null` = not labeled (e.g. a contrast issue that is not a failure). */
export type GoldLabels = Record<DimensionName, string[] | null>;

/** One hand-labeled incident of a gold file, and the incident record to classify when it is not in the DB. */
export interface GoldIncident {
  id: string;
  source: string;
  url: string | undefined;
  file: string;
  line: number;
  gold: GoldLabels;
  incident: IncidentInput;
}

/**
 * Parses a gold JSONL file (../shared/labels format). The k8s.af entries' `involved:` and `impact:` lines become
 * the tags and impact fields, as the dataset stores them; GitHub labels become label hints.
 */
export function parseGoldFile(text: string, file: string): GoldIncident[] {
  const out: GoldIncident[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (cause) {
      throw new InvalidDataError(`${file}:${i + 1}: not JSON (${(cause as Error).message}); one object per line`, { cause });
    }
    const parsed = GoldLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidDataError(`${file}:${i + 1}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const row = parsed.data;
    const wrap = (v: string | null) => (v === null ? null : [v]);
    out.push({
      id: row.id,
      source: row.source ?? 'gold',
      url: row.url,
      file,
      line: i + 1,
      gold: {
        failure: wrap(row.gold.failure),
        client: wrap(row.gold.client),
        fault: row.gold.fault,
        component: row.gold.component,
        error: row.gold.error,
      },
      incident: goldIncidentInput(row),
    });
  });
  return out;
}

function goldIncidentInput(row: z.infer<typeof GoldLineSchema>): IncidentInput {
  const entry = parseEntrySummary(row.text);
  if (entry) return { id: row.id, title: row.title ?? '', text: null, impact: entry.impact, tags: entry.tags, labels: row.labels_on_github ?? [] };
  return { id: row.id, title: row.title ?? '', text: row.text ?? null, impact: null, tags: [], labels: row.labels_on_github ?? [] };
}

/** Whether a gold value set can be scored: labeled, and not `unknown` (the annotator could not tell). */
export function isScorable(values: readonly string[] | null): values is string[] {
  return values !== null && values.length > 0 && !values.includes(UNKNOWN);
}

/** The deterministic tuning split: ~70% of ids go to `tune`, the rest are held out (sha256 of the id). */
export function splitOf(id: string): 'tune' | 'held-out' {
  const bucket = createHash('sha256').update(id).digest().readUInt32BE(0) % 100;
  return bucket < 70 ? 'tune' : 'held-out';
}
