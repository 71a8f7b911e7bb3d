import { createHash } from 'node:crypto';
import { InvalidDataError } from '../core/errors.js';
import {
  CHANNELS_FOR_MODEL,
  FIELD_MODELS,
  dotPath,
  type Campaign,
  type CampaignTrigger,
  type CampaignWorkload,
  type Channel,
  type FaultModelName,
} from './spec.js';

/** What the plan needs to know about Kubernetes kinds and their fields (the codec and field tags provide it). */
export interface KindCatalog {
  /** The kinds a target may name, e.g. Deployment. */
  kinds(): readonly string[];
  /** True for kinds whose objects belong to no namespace (Node). */
  clusterScoped(kind: string): boolean;
  /** SPEC error code of a field of a kind, from taxonomy/field-tags.yaml. */
  errorCodeForField(kind: string, path: string): string | undefined;
  /** Field paths of a kind tagged with an error code (concrete indices, e.g. [0]), in a stable order. */
  fieldsForErrorCode(kind: string, code: string): string[];
}

/** One fault of an experiment, in the shape of src/inject/faults.ts FaultSpec. */
export interface PlannedFault {
  model: FaultModelName;
  field?: string;
  variant?: string;
  seed: number;
}

/** One experiment: a workload run with one injection. Everything the runner and the results need. */
export interface Experiment {
  /** Stable id: a hash of the experiment's definition, unchanged when other entries of the spec change. */
  id: string;
  /** Position in the plan (run order). */
  index: number;
  workload: CampaignWorkload;
  /** `namespace` is set only for a namespace other than the experiment namespace. */
  target: { kind: string; field?: string; namespace?: string; namePrefix?: string };
  fault: PlannedFault;
  channel: Channel;
  trigger: CampaignTrigger;
  /** 1-based repetition of the same definition. */
  repetition: number;
  /** SPEC.md error code of the injected field (`unknown` when untagged; whole-object faults: the kind's `dependency`). */
  errorCode: string;
}

/** A golden (fault-free) run of one workload. */
export interface GoldenRun {
  id: string;
  workload: CampaignWorkload;
  repetition: number;
}

/** A campaign expanded into runs, in run order: all golden runs first. */
export interface CampaignPlan {
  campaign: string;
  golden: GoldenRun[];
  experiments: Experiment[];
  /** Fault/channel pairs the spec lists but that cannot go together (e.g. delete on the write channel). */
  skippedPairs: string[];
  estimate: DurationEstimate;
}

/** A duration estimate in seconds, with what it assumes. */
export interface DurationEstimate {
  seconds: number;
  perRunSeconds: number;
  assumption: string;
}

/** Seconds a lab reset takes between runs when nothing was measured yet (the lab's target is < 10 s). */
export const DEFAULT_RESET_SECONDS = 6;

/** Error code recorded for faults on a whole object (drop, delete, corrupt): the object is missing or unreadable. */
const WHOLE_OBJECT_ERROR = 'dependency';

/**
 * Expands a campaign into golden runs and experiments (pure and deterministic: the same spec gives the same ids
 * in the same order). `locate` turns a spec path into `file:line:col` for errors.
 */
export function planCampaign(
  campaign: Campaign,
  catalog: KindCatalog,
  locate: (path: readonly PropertyKey[]) => string = () => campaign.metadata.name,
  options: { resetSeconds?: number } = {},
): CampaignPlan {
  const { spec } = campaign;
  const fail = (path: PropertyKey[], message: string): never => {
    throw new InvalidDataError(`${locate(path)}: ${dotPath(path)}: ${message}`);
  };
  const knownKinds = catalog.kinds();
  const targets = spec.targets.flatMap((t, ti) => {
    if (!knownKinds.includes(t.kind)) {
      const near = closestName(t.kind, knownKinds);
      fail(['spec', 'targets', ti, 'kind'], `unknown kind "${t.kind}"; ${near ? `did you mean ${near}?` : `known: ${knownKinds.join(', ')}`}`);
    }
    if (t.namespace && catalog.clusterScoped(t.kind)) fail(['spec', 'targets', ti, 'namespace'], `${t.kind} is cluster-scoped: remove namespace`);
    let fields: (string | undefined)[] = t.fields ?? [];
    if (t.errorCodes) {
      fields = t.errorCodes.flatMap((code, ci) => {
        const found = catalog.fieldsForErrorCode(t.kind, code);
        if (found.length === 0) fail(['spec', 'targets', ti, 'errorCodes', ci], `no field of ${t.kind} is tagged "${code}" in taxonomy/field-tags.yaml`);
        return found;
      });
    }
    return [{ kind: t.kind, namespace: t.namespace, namePrefix: t.namePrefix, fields: [...new Set(fields)], faults: t.faults ?? spec.faults ?? [], channels: t.channels ?? spec.channels }];
  });

  const skippedPairs: string[] = [];
  const experiments: Experiment[] = [];
  const seen = new Set<string>();
  for (const workload of spec.workloads) {
    for (const target of targets) {
      for (const fault of target.faults) {
        const channels = target.channels.filter((c) => CHANNELS_FOR_MODEL[fault.model].includes(c));
        for (const c of target.channels) {
          const pair = `${fault.model}/${c}`;
          if (!channels.includes(c) && !skippedPairs.includes(pair)) skippedPairs.push(pair);
        }
        const perField = FIELD_MODELS.includes(fault.model);
        const fieldChoices = perField ? target.fields : [undefined];
        if (perField && fieldChoices.length === 0) continue;
        for (const field of fieldChoices) {
          const variants: (string | undefined)[] = fault.model === 'set' ? (fault.variants ?? []) : [undefined];
          const samples = fault.model === 'bitflip' ? fault.samples : 1;
          for (const channel of channels) {
            for (const variant of variants) {
              for (let sample = 1; sample <= samples; sample++) {
                for (const trigger of spec.triggers) {
                  const definition = {
                    workload,
                    target: { kind: target.kind, field, namespace: target.namespace, namePrefix: target.namePrefix },
                    fault: { model: fault.model, variant, sample },
                    channel,
                    trigger,
                  };
                  const key = canonicalJson(definition);
                  // The same definition listed twice (e.g. two error codes resolving to one field) runs once.
                  if (seen.has(key)) continue;
                  seen.add(key);
                  for (let repetition = 1; repetition <= spec.repetitions; repetition++) {
                    const id = `x${hash(`${key}#${repetition}`).slice(0, 12)}`;
                    experiments.push({
                      id,
                      index: experiments.length,
                      workload,
                      target: definition.target,
                      fault: { model: fault.model, field, variant, seed: seedFor(spec.seed, key) },
                      channel,
                      trigger,
                      repetition,
                      errorCode: field ? (catalog.errorCodeForField(target.kind, field) ?? 'unknown') : WHOLE_OBJECT_ERROR,
                    });
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  const golden: GoldenRun[] = [];
  for (const workload of spec.workloads) {
    const key = canonicalJson(workload);
    for (let repetition = 1; repetition <= spec.goldenRuns; repetition++) {
      golden.push({ id: `g${hash(`${key}#${repetition}`).slice(0, 12)}`, workload, repetition });
    }
  }
  const resetSeconds = options.resetSeconds ?? DEFAULT_RESET_SECONDS;
  const perRunSeconds = resetSeconds + spec.observation.windowSeconds;
  return {
    campaign: campaign.metadata.name,
    golden,
    experiments,
    skippedPairs,
    estimate: {
      seconds: (golden.length + experiments.length) * perRunSeconds,
      perRunSeconds,
      assumption: `${resetSeconds}s lab reset + ${spec.observation.windowSeconds}s observation window per run`,
    },
  };
}

// The known name nearest to a typo (case-insensitive edit distance at most 2), for "did you mean" hints.
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** JSON with object keys sorted and undefined members left out, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// A 31-bit seed, so it survives JSON and SQLite as an exact integer.
function seedFor(campaignSeed: number, key: string): number {
  return Number.parseInt(hash(`${campaignSeed}:${key}`).slice(0, 8), 16) & 0x7fffffff;
}
