import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { TAXONOMY_DIR } from '../core/paths.js';
import { UNKNOWN, type Taxonomy } from '../core/taxonomy.js';
import { CHANNELS, CHANNELS_FOR_MODEL, dotPath, FAULT_MODELS, FIELD_MODELS, WORKLOAD_KINDS } from '../campaign/spec.js';
import { DNS_LABEL, isClusterScoped } from '../k8s/resources.js';

/** The replay rules `mutiny replay plan` and `mutiny compare` use by default. */
export const REPLAY_RULES_FILE = path.join(TAXONOMY_DIR, 'replay-rules.yaml');

const FaultSchema = z.strictObject({
  model: z.enum(FAULT_MODELS),
  variants: z.array(z.string().min(1)).min(1).optional(),
  samples: z.number().int().min(1).max(1000).optional(),
});

const TemplateSchema = z.strictObject({
  /** Kubernetes kind as the campaign spec names it. */
  kind: z.string().min(1),
  /** Namespace of the objects, e.g. kube-system; absent: the experiment namespace (the workload's). Cluster-scoped kinds take none. */
  namespace: z.string().min(1).optional(),
  namePrefix: z.string().min(1).optional(),
  /** Field paths in the codec's notation; absent for whole-object faults (drop, delete, corrupt). */
  fields: z.array(z.string().min(1)).min(1).optional(),
  faults: z.array(FaultSchema).min(1),
  channels: z.array(z.enum(CHANNELS)).min(1),
});

const WhenSchema = z.strictObject({
  error: z.array(z.string().min(1)).min(1),
  component: z.array(z.string().min(1)).min(1).optional(),
  failure: z.array(z.string().min(1)).min(1).optional(),
});

const WorkloadSettings = z.strictObject({
  replicas: z.number().int().min(1).max(100),
  scaleTo: z.number().int().min(1).max(200).optional(),
  timeoutSeconds: z.number().positive().max(3600),
});

const ReplayRulesSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('ReplayRules'),
  metadata: z.strictObject({ name: z.string().min(1) }),
  campaign: z.strictObject({
    seed: z.number().int().min(0),
    workloads: z.strictObject({ deploy: WorkloadSettings, scale: WorkloadSettings, failover: WorkloadSettings }),
    windowSeconds: z.number().positive().max(3600),
    goldenRuns: z.number().int().min(1).max(1000),
    repetitions: z.number().int().min(1).max(1000),
  }),
  rules: z
    .array(
      z.strictObject({
        name: z.string().regex(DNS_LABEL, 'must be lower case, digits and -'),
        when: WhenSchema,
        workload: z.enum(WORKLOAD_KINDS),
        templates: z.array(TemplateSchema).min(1),
      }),
    )
    .min(1),
  unsupported: z.array(z.strictObject({ error: z.string().min(1), reason: z.string().min(1) })).default([]),
});

/** Validated replay rules (defaults filled in). */
export type ReplayRules = z.infer<typeof ReplayRulesSchema>;
export type ReplayRule = ReplayRules['rules'][number];
export type ReplayTemplate = ReplayRule['templates'][number];

/** The JSON Schema of a replay rules file, for editors. */
export function replayRulesJsonSchema(): unknown {
  return z.toJSONSchema(ReplayRulesSchema, { io: 'input' });
}

/**
 * Parses and validates replay rules YAML (pure): schema first, then every code against the taxonomy, fault
 * models against their channels and fields, and rule names unique. Errors are one line,
 * `file:line:col: dot.path: message`.
 */
export function parseReplayRules(text: string, source: string, taxonomy: Taxonomy): ReplayRules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const pos = doc.errors[0].linePos?.[0];
    throw new InvalidDataError(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
  }
  const fail = (at: readonly PropertyKey[], message: string): never => {
    throw new InvalidDataError(`${source}:${lineOf(doc, lineCounter, at)}: ${dotPath(at)}: ${message}`);
  };
  const parsed = ReplayRulesSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path, issue.message);
  }
  const rules = parsed.data!;
  const codes = (dimension: 'error' | 'component' | 'failure') => taxonomy.dimensions[dimension].codes;
  const checkCodes = (dimension: 'error' | 'component' | 'failure', values: string[] | undefined, at: PropertyKey[]) =>
    values?.forEach((v, i) => {
      if (!codes(dimension).includes(v) || v === UNKNOWN) fail([...at, i], `unknown ${dimension} code "${v}"; valid: ${codes(dimension).join(', ')}`);
      if (dimension === 'error' && v === 'none') fail([...at, i], 'error none means the state was right; no injection can replay it');
    });
  const names = new Set<string>();
  rules.rules.forEach((rule, ri) => {
    const at = ['rules', ri];
    if (names.has(rule.name)) fail([...at, 'name'], `rule "${rule.name}" is defined twice; rename one`);
    names.add(rule.name);
    checkCodes('error', rule.when.error, [...at, 'when', 'error']);
    checkCodes('component', rule.when.component, [...at, 'when', 'component']);
    checkCodes('failure', rule.when.failure, [...at, 'when', 'failure']);
    rule.templates.forEach((t, ti) => {
      const tat = [...at, 'templates', ti];
      if (t.namespace && isClusterScoped(t.kind)) fail([...tat, 'namespace'], `${t.kind} is cluster-scoped: remove namespace`);
      t.faults.forEach((f, fi) => {
        if (f.model === 'set' && !f.variants) fail([...tat, 'faults', fi], 'the set model needs variants, e.g. [zero, off-by-one]');
        if (f.model !== 'set' && f.variants) fail([...tat, 'faults', fi, 'variants'], `only the set model takes variants (this is ${f.model})`);
        if (FIELD_MODELS.includes(f.model) && !t.fields) fail([...tat, 'faults', fi, 'model'], `${f.model} alters one field: add fields to this template`);
        if (!t.channels.some((c) => CHANNELS_FOR_MODEL[f.model].includes(c))) {
          fail([...tat, 'channels'], `${f.model} needs one of the channels ${CHANNELS_FOR_MODEL[f.model].join(', ')}`);
        }
      });
    });
  });
  rules.unsupported.forEach((u, i) => checkCodes('error', [u.error], ['unsupported', i, 'error']));
  return rules;
}

/** Reads and validates a replay rules file (taxonomy/replay-rules.yaml by default). */
export function loadReplayRules(taxonomy: Taxonomy, file: string = REPLAY_RULES_FILE): ReplayRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot read the replay rules (${(cause as Error).message}); check --rules`, { cause });
  }
  return parseReplayRules(text, file, taxonomy);
}

/** The labels of an incident a replay looks at (effective labels; `unknown` where the classifier found none). */
export interface ReplayIncident {
  id: string;
  title: string;
  url: string | null;
  failure: string;
  client: string;
  error: string[];
  component: string[];
}

/** The rules whose `when` an incident satisfies, in file order. */
export function matchingRules(rules: ReplayRules, incident: ReplayIncident): ReplayRule[] {
  const any = (wanted: string[] | undefined, have: string[]) => !wanted || wanted.some((w) => have.includes(w));
  return rules.rules.filter((r) => any(r.when.error, incident.error) && any(r.when.component, incident.component) && any(r.when.failure, [incident.failure]));
}

/** What an injection alters, as far as linking it to incidents goes. */
export interface InjectionTarget {
  kind: string;
  namePrefix?: string | null;
  /** Absent for whole-object faults. */
  field?: string | null;
  model: string;
}

/**
 * The identity of an injection for linking: kind, name prefix, field (empty for the whole object) and fault
 * model. The workload, channel and set variant are how, not what: a run of the same injection under another
 * workload or channel still tries to recreate the same wrong state.
 */
export function injectionKey(t: InjectionTarget): string {
  return `${t.kind}|${t.namePrefix ?? ''}|${t.field ?? ''}|${t.model}`;
}

/** The injection keys of a template (one per field and field-level model, one per whole-object model). */
export function templateKeys(t: ReplayTemplate): string[] {
  return t.faults.flatMap((f) =>
    FIELD_MODELS.includes(f.model)
      ? (t.fields ?? []).map((field) => injectionKey({ kind: t.kind, namePrefix: t.namePrefix, field, model: f.model }))
      : [injectionKey({ kind: t.kind, namePrefix: t.namePrefix, model: f.model })],
  );
}

/** The injection keys of every template of the rules that replay an incident (empty when none do). */
export function incidentKeys(rules: ReplayRules, incident: ReplayIncident): Set<string> {
  const scope = replayScope(rules, incident);
  return new Set(scope.replayable ? scope.rules.flatMap((r) => r.templates.flatMap(templateKeys)) : []);
}

/** Why an incident cannot be replayed, or the rules that replay it. */
export type ReplayScope = { replayable: true; rules: ReplayRule[] } | { replayable: false; reason: string };

/**
 * Decides whether an incident can be replayed by state injection under these rules (SPEC.md: its error set
 * must hold a code other than `none`), and with which rules; otherwise says why not.
 */
export function replayScope(rules: ReplayRules, incident: ReplayIncident): ReplayScope {
  const stateErrors = incident.error.filter((e) => e !== 'none' && e !== UNKNOWN);
  if (stateErrors.length === 0) {
    return {
      replayable: false,
      reason: incident.error.includes('none')
        ? 'error none: the failure came from outside the cluster state, so altering stored state cannot recreate it'
        : 'error unknown: the write-up does not say which cluster state was wrong',
    };
  }
  const matched = matchingRules(rules, incident);
  if (matched.length > 0) return { replayable: true, rules: matched };
  const reasons = stateErrors.map((e) => {
    const u = rules.unsupported.find((x) => x.error === e);
    return `${e}: ${u ? u.reason : 'no replay rule'}`;
  });
  return { replayable: false, reason: `no replay rule applies (${reasons.join('; ')})` };
}

function lineOf(doc: Document, lineCounter: LineCounter, at: readonly PropertyKey[]): string {
  for (let n = at.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(at.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return `${pos.line}:${pos.col}`;
    }
  }
  return '1:1';
}
