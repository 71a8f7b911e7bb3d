import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { TAXONOMY_DIR } from '../core/paths.js';

const positive = z.number().positive();
const fraction = z.number().min(0).max(1);

const ThresholdsSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('OutcomeThresholds'),
  metadata: z.strictObject({ name: z.string() }),
  tailSeconds: positive,
  orchestrator: z.strictObject({
    outApiDownSeconds: positive,
    outNodesReadyFraction: fraction,
    staWriteErrorFraction: fraction,
    staProbeTimeoutSeconds: positive,
    timSlowdownFactor: z.number().min(1),
    timMarginSeconds: z.number().min(0),
  }),
  client: z.strictObject({
    suZeroEndpointsSeconds: positive,
    iaStaleEndpointsSeconds: positive,
    hrtCapacityDeficitSeconds: positive,
  }),
});

/** The outcome classifier's thresholds (taxonomy/outcomes.yaml; each documented there). */
export type OutcomeThresholds = z.infer<typeof ThresholdsSchema>;

/** The thresholds file the classifier uses by default. */
export const OUTCOME_THRESHOLDS_FILE = path.join(TAXONOMY_DIR, 'outcomes.yaml');

/** Parses and validates thresholds YAML (pure; `source` names the file in errors). */
export function parseOutcomeThresholds(text: string, source: string): OutcomeThresholds {
  const parsed = ThresholdsSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads taxonomy/outcomes.yaml (or `file`). */
export function loadOutcomeThresholds(file = OUTCOME_THRESHOLDS_FILE): OutcomeThresholds {
  return parseOutcomeThresholds(readFileSync(file, 'utf8'), file);
}
