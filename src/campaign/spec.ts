import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { DNS_LABEL } from '../k8s/resources.js';

/** The workloads of the paper, as the lab runs them. */
export const WORKLOAD_KINDS = ['deploy', 'scale', 'failover'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/**
 * Where an injection happens. `write` alters Put/Txn values on their way to etcd (stored state changes), `read`
 * alters Range responses and watch events on their way back (etcd keeps the truth), `drop` loses a write or a
 * watch event; all three go through the proxy. `at-rest` rewrites or deletes the stored value directly in etcd.
 */
export const CHANNELS = ['write', 'read', 'drop', 'at-rest'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The fault models of src/inject/faults.ts. */
export const FAULT_MODELS = ['bitflip', 'set', 'drop', 'delete', 'corrupt'] as const;
export type FaultModelName = (typeof FAULT_MODELS)[number];

/** Which channels can carry each fault model; a pair outside this table is skipped by the plan. */
export const CHANNELS_FOR_MODEL: Record<FaultModelName, readonly Channel[]> = {
  bitflip: ['write', 'read', 'at-rest'],
  set: ['write', 'read', 'at-rest'],
  corrupt: ['write', 'read', 'at-rest'],
  drop: ['drop'],
  delete: ['at-rest'],
};

/** Fault models that alter one field of the value (the others act on the whole message or object). */
export const FIELD_MODELS: readonly FaultModelName[] = ['bitflip', 'set'];

const WorkloadSchema = z.strictObject({
  kind: z.enum(WORKLOAD_KINDS),
  /** Replicas of the workload's Deployment (Scale starts here and scales to `scaleTo`). */
  replicas: z.number().int().min(1).max(100).default(3),
  /** Scale only: the replica count the workload scales up to. */
  scaleTo: z.number().int().min(1).max(200).optional(),
  /** How long the workload may take to converge before the run counts it as not converged. */
  timeoutSeconds: z.number().positive().max(3600).default(60),
});

const FaultSchema = z.strictObject({
  model: z.enum(FAULT_MODELS),
  /** set: the value kinds to write (zero, minus-one, max-int32, off-by-one, empty, flip, ...). */
  variants: z.array(z.string().min(1)).min(1).optional(),
  /** bitflip: how many seeded bit positions to try per field (each is one experiment). */
  samples: z.number().int().min(1).max(1000).default(1),
});

const TargetSchema = z.strictObject({
  /** Kubernetes kind as written in manifests (Deployment, ReplicaSet, Pod, Service, Endpoints, EndpointSlice, Node). */
  kind: z.string().min(1),
  /** Field paths in the codec's notation, e.g. spec.replicas, metadata.ownerReferences[0].uid. */
  fields: z.array(z.string().min(1)).min(1).optional(),
  /** SPEC.md error codes, resolved to field paths of this kind through taxonomy/field-tags.yaml. */
  errorCodes: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Namespace of the target objects (e.g. kube-system); default: the lab's experiment namespace, where the
   * workload runs. Cluster-scoped kinds (Node) take none.
   */
  namespace: z.string().regex(DNS_LABEL, 'must be a namespace name (lower case, digits, -)').optional(),
  /** Only objects whose name starts with this prefix. */
  namePrefix: z.string().min(1).optional(),
  /** Fault models for this target only, instead of spec.faults (e.g. set variants that fit this field's type). */
  faults: z.array(FaultSchema).min(1).optional(),
  /**
   * Channels for this target only, instead of spec.channels (e.g. at-rest for objects nothing writes during a
   * run, such as kube-system Deployments, which the write channel would never meet).
   */
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
});

const TriggerSchema = z.strictObject({
  /** The n-th matching message after arming (proxy channels) or the n-th matching object (at-rest). */
  nth: z.number().int().min(1).default(1),
  /** Keep the injection armed and apply it to every matching message for this long. */
  everyForMs: z.number().int().positive().optional(),
  /** Arm this long after the workload starts (at-rest: inject this long after the workload starts). */
  delayMs: z.number().int().min(0).default(0),
});

const CampaignSchema = z.strictObject({
  apiVersion: z.literal('mutiny.dev/v1alpha1'),
  kind: z.literal('Campaign'),
  metadata: z.strictObject({
    name: z.string().regex(DNS_LABEL, 'must be a DNS-1123 label (lower case, digits, -)'),
    description: z.string().optional(),
  }),
  spec: z.strictObject({
    seed: z.number().int().min(0).default(1),
    workloads: z.array(WorkloadSchema).min(1),
    targets: z.array(TargetSchema).min(1),
    /** Fault models applied to every target without its own `faults`. */
    faults: z.array(FaultSchema).min(1).optional(),
    channels: z.array(z.enum(CHANNELS)).min(1),
    triggers: z.array(TriggerSchema).min(1).default([{ nth: 1, delayMs: 0 }]),
    repetitions: z.number().int().min(1).max(1000).default(1),
    observation: z.strictObject({
      /** How long each run is observed after the workload starts. */
      windowSeconds: z.number().positive().max(3600),
    }),
    /** Fault-free runs per workload that set the baseline. */
    goldenRuns: z.number().int().min(1).max(1000).default(3),
  }),
});

/** A validated campaign specification (defaults filled in). */
export type Campaign = z.infer<typeof CampaignSchema>;
export type CampaignWorkload = Campaign['spec']['workloads'][number];
export type CampaignTarget = Campaign['spec']['targets'][number];
export type CampaignFault = z.infer<typeof FaultSchema>;
export type CampaignTrigger = Campaign['spec']['triggers'][number];

/** The JSON Schema of a campaign file, for editors. */
export function campaignJsonSchema(): unknown {
  return z.toJSONSchema(CampaignSchema, { io: 'input' });
}

/** A parsed campaign plus the YAML document, so later checks can point at the line of a path. */
export interface ParsedCampaign {
  campaign: Campaign;
  /** `file:line:col` of a path in the source (the nearest existing ancestor when the path is absent). */
  locate(path: readonly PropertyKey[]): string;
}

/**
 * Parses and validates campaign YAML (pure; `source` names the file in errors). Errors are one line:
 * `file:line:col: dot.path: message`.
 */
export function parseCampaign(text: string, source: string): ParsedCampaign {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new InvalidDataError(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const locate = (path: readonly PropertyKey[]) => `${source}:${lineOf(doc, lineCounter, path)}`;
  const parsed = CampaignSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? `${dotPath(issue.path)}: ` : '';
    // Point at the first unknown key itself rather than at the start of its object.
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    throw new InvalidDataError(`${locate(at)}: ${where}${issue.message}`);
  }
  const campaign = parsed.data;
  checkCampaign(campaign, locate);
  return { campaign, locate };
}

/** Reads and validates a campaign file. */
export function loadCampaign(file: string): ParsedCampaign {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot read the campaign file (${(cause as Error).message}); check the path`, { cause });
  }
  return parseCampaign(text, file);
}

/** Writes a zod/YAML path as `spec.targets[0].fields[1]`. */
export function dotPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function lineOf(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): string {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return `${pos.line}:${pos.col}`;
    }
  }
  return '1:1';
}

// Cross-field checks (the schema validates each field alone).
function checkCampaign(campaign: Campaign, locate: (path: readonly PropertyKey[]) => string): void {
  const { spec } = campaign;
  const fail = (path: PropertyKey[], message: string): never => {
    throw new InvalidDataError(`${locate(path)}: ${dotPath(path)}: ${message}`);
  };
  spec.workloads.forEach((w, i) => {
    if (w.kind === 'scale' && w.scaleTo !== undefined && w.scaleTo <= w.replicas) {
      fail(['spec', 'workloads', i, 'scaleTo'], `must be larger than replicas (${w.replicas}) for a scale-up`);
    }
    if (w.kind !== 'scale' && w.scaleTo !== undefined) fail(['spec', 'workloads', i, 'scaleTo'], 'only the scale workload takes scaleTo; remove it');
  });
  const checkFaults = (faults: CampaignFault[], at: PropertyKey[]) =>
    faults.forEach((f, i) => {
      if (f.variants && f.model !== 'set') fail([...at, i, 'variants'], `only the set model takes variants (this is ${f.model}); remove them`);
      if (f.model === 'set' && !f.variants) fail([...at, i], 'the set model needs variants, e.g. [zero, max-int32, off-by-one]');
    });
  // Each fault model a target runs needs a channel that can carry it, among the channels that target uses.
  const checkChannels = (faults: CampaignFault[], at: PropertyKey[], channels: readonly Channel[], channelsAt: string) =>
    faults.forEach((f, i) => {
      if (!CHANNELS_FOR_MODEL[f.model].some((c) => channels.includes(c))) {
        fail([...at, i, 'model'], `${f.model} needs one of the channels ${CHANNELS_FOR_MODEL[f.model].join(', ')}; add it to ${channelsAt}`);
      }
    });
  if (spec.faults) checkFaults(spec.faults, ['spec', 'faults']);
  spec.targets.forEach((t, i) => {
    if (t.faults) checkFaults(t.faults, ['spec', 'targets', i, 'faults']);
    const faults = t.faults ?? spec.faults;
    if (!faults) fail(['spec', 'targets', i], 'no fault models: add spec.faults, or faults to this target');
    checkChannels(faults!, t.faults ? ['spec', 'targets', i, 'faults'] : ['spec', 'faults'], t.channels ?? spec.channels, t.channels ? `spec.targets[${i}].channels` : 'spec.channels');
    if (t.fields && t.errorCodes) fail(['spec', 'targets', i, 'errorCodes'], 'give either fields or errorCodes, not both');
    if (faults!.some((f) => FIELD_MODELS.includes(f.model)) && !t.fields && !t.errorCodes) {
      fail(['spec', 'targets', i], 'bitflip and set alter one field: add fields (e.g. [spec.replicas]) or errorCodes');
    }
  });
}
