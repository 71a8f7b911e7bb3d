import { Document } from 'yaml';
import { InvalidDataError } from '../core/errors.js';
import { planCampaign, type CampaignPlan, type Experiment, type KindCatalog } from '../campaign/plan.js';
import { CHANNELS, parseCampaign, WORKLOAD_KINDS, type Campaign, type Channel, type WorkloadKind } from '../campaign/spec.js';
import {
  injectionKey,
  replayScope,
  templateKeys,
  type ReplayIncident,
  type ReplayRules,
  type ReplayTemplate,
} from './rules.js';

/** An incident the replay campaign tries to reproduce, with the rules that chose its experiments. */
export interface ReplayedIncident {
  incident: ReplayIncident;
  rules: string[];
  /** Ids of the campaign's experiments linked to it, in run order. */
  experiments: string[];
}

/** An incident left out of the campaign, and why. */
export interface UnreplayedIncident {
  incident: ReplayIncident;
  reason: string;
}

/** One target of the generated campaign: a rule's template and the incidents it stands for. */
export interface ReplayTarget {
  rule: string;
  template: ReplayTemplate;
  incidents: string[];
}

/** An experiment of the replay campaign with the incidents it tries to reproduce. */
export interface ReplayExperiment {
  experiment: Experiment;
  incidents: string[];
}

/** A replay campaign: its YAML (a Campaign spec), the expanded plan and the incident links. */
export interface ReplayPlan {
  name: string;
  /** The Campaign YAML, with a comment above each target naming the incidents it replays. */
  yaml: string;
  campaign: Campaign;
  plan: CampaignPlan;
  targets: ReplayTarget[];
  experiments: ReplayExperiment[];
  replayed: ReplayedIncident[];
  notReplayed: UnreplayedIncident[];
}

/**
 * Turns incidents into one replay campaign (pure and deterministic: the same incidents and rules give the same
 * YAML, experiment ids and links). The YAML is checked with the campaign parser and expanded with the campaign
 * planner, so what is written is exactly what `mutiny campaign run` will run.
 */
export function planReplay(incidents: ReplayIncident[], rules: ReplayRules, catalog: KindCatalog, name = 'replay'): ReplayPlan {
  const targets: ReplayTarget[] = [];
  const replayedRules = new Map<string, string[]>();
  const notReplayed: UnreplayedIncident[] = [];
  for (const incident of incidents) {
    const scope = replayScope(rules, incident);
    if (!scope.replayable) {
      notReplayed.push({ incident, reason: scope.reason });
      continue;
    }
    replayedRules.set(incident.id, scope.rules.map((r) => r.name));
  }
  if (replayedRules.size === 0) {
    throw new InvalidDataError(`none of the ${incidents.length} selected incidents can be replayed by state injection; select incidents with a known error code (mutiny stats --by error)`);
  }
  for (const rule of rules.rules) {
    const mine = incidents.filter((i) => replayedRules.get(i.id)?.includes(rule.name)).map((i) => i.id);
    if (mine.length === 0) continue;
    for (const template of rule.templates) targets.push({ rule: rule.name, template, incidents: mine });
  }
  const usedRules = rules.rules.filter((r) => targets.some((t) => t.rule === r.name));
  const workloads = WORKLOAD_KINDS.filter((w) => usedRules.some((r) => r.workload === w));
  const channels = CHANNELS.filter((c) => targets.some((t) => t.template.channels.includes(c)));
  const yaml = campaignYaml(name, rules, workloads, channels, targets, replayedRules.size);
  const parsed = parseCampaign(yaml, `replay campaign ${name}`);
  const plan = planCampaign(parsed.campaign, catalog, parsed.locate);

  const keysOf = new Map<string, Set<string>>();
  for (const t of targets) {
    for (const key of templateKeys(t.template)) for (const id of t.incidents) keysOf.set(id, (keysOf.get(id) ?? new Set()).add(key));
  }
  const experiments = plan.experiments.map((experiment) => {
    const key = experimentKey(experiment);
    return { experiment, incidents: [...replayedRules.keys()].filter((id) => keysOf.get(id)?.has(key)) };
  });
  const replayed = incidents
    .filter((i) => replayedRules.has(i.id))
    .map((incident) => ({
      incident,
      rules: replayedRules.get(incident.id)!,
      experiments: experiments.filter((e) => e.incidents.includes(incident.id)).map((e) => e.experiment.id),
    }));
  return { name, yaml, campaign: parsed.campaign, plan, targets, experiments, replayed, notReplayed };
}

/** The link key of a planned experiment (see injectionKey). */
export function experimentKey(e: Experiment): string {
  return injectionKey({ kind: e.target.kind, namePrefix: e.target.namePrefix, field: e.fault.field, model: e.fault.model });
}

function campaignYaml(name: string, rules: ReplayRules, workloads: WorkloadKind[], channels: Channel[], targets: ReplayTarget[], incidentCount: number): string {
  const settings = rules.campaign;
  const spec = {
    apiVersion: 'mutiny.dev/v1alpha1',
    kind: 'Campaign',
    metadata: { name, description: `replay of ${incidentCount} field incidents (taxonomy/replay-rules.yaml ${rules.metadata.name})` },
    spec: {
      seed: settings.seed,
      workloads: workloads.map((kind) => ({ kind, ...settings.workloads[kind] })),
      targets: targets.map(({ template: t }) => ({
        kind: t.kind,
        ...(t.namespace ? { namespace: t.namespace } : {}),
        ...(t.namePrefix ? { namePrefix: t.namePrefix } : {}),
        ...(t.fields ? { fields: t.fields } : {}),
        faults: t.faults,
        channels: t.channels,
      })),
      channels,
      repetitions: settings.repetitions,
      observation: { windowSeconds: settings.windowSeconds },
      goldenRuns: settings.goldenRuns,
    },
  };
  const doc = new Document(spec);
  doc.commentBefore =
    ` Generated by \`mutiny replay plan\` from the incident database and taxonomy/replay-rules.yaml.\n` +
    ` Each target names the rule and the incidents it tries to reproduce; \`mutiny compare\` links results back.`;
  const items = (doc.getIn(['spec', 'targets'], true) as { items: { commentBefore?: string | null }[] }).items;
  targets.forEach((t, i) => {
    // The incident list once per rule: the rule's other templates try to reproduce the same incidents.
    const first = i === 0 || targets[i - 1].rule !== t.rule;
    items[i].commentBefore = first
      ? [` rule ${t.rule}; reproduces ${t.incidents.length}:`, ...t.incidents.map((id) => `   ${id}`)].join('\n')
      : ` rule ${t.rule}; same incidents`;
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
