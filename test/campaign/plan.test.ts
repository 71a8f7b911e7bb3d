import { describe, expect, it } from 'vitest';
import { parseCampaign } from '../../src/campaign/spec.js';
import { planCampaign, type KindCatalog } from '../../src/campaign/plan.js';

const TAGS: Record<string, string> = {
  'Deployment spec.replicas': 'replica-count',
  'ReplicaSet metadata.ownerReferences[0].uid': 'dependency',
  'Service spec.selector': 'labels-selectors',
};

/** A small catalog standing in for taxonomy/field-tags.yaml (the plan takes it as input). */
const catalog: KindCatalog = {
  kinds: () => ['Deployment', 'ReplicaSet', 'Service', 'Node'],
  clusterScoped: (kind) => kind === 'Node',
  errorCodeForField: (kind, path) => TAGS[`${kind} ${path}`],
  fieldsForErrorCode: (kind, code) => (kind === 'Deployment' && code === 'replica-count' ? ['spec.replicas', 'status.replicas'] : []),
};

const base = `apiVersion: mutiny.dev/v1alpha1
kind: Campaign
metadata:
  name: t
spec:
  seed: 3
  workloads:
    - kind: deploy
    - kind: scale
      replicas: 2
      scaleTo: 4
  targets:
    - kind: Deployment
      fields: [spec.replicas]
    - kind: ReplicaSet
      fields: ["metadata.ownerReferences[0].uid"]
  faults:
    - model: set
      variants: [zero, max-int32]
    - model: bitflip
      samples: 2
    - model: drop
    - model: delete
  channels: [write, drop, at-rest]
  repetitions: 2
  observation:
    windowSeconds: 20
  goldenRuns: 3
`;

describe('parseCampaign', () => {
  it('fills defaults', () => {
    const { campaign } = parseCampaign(base, 't.yaml');
    expect(campaign.spec.workloads[0]).toEqual({ kind: 'deploy', replicas: 3, timeoutSeconds: 60 });
    expect(campaign.spec.triggers).toEqual([{ nth: 1, delayMs: 0 }]);
  });

  it('points at the line of an unknown key', () => {
    const text = base.replace('      variants: [zero, max-int32]', '      variants: [zero, max-int32]\n      varients: [x]');
    expect(() => parseCampaign(text, 't.yaml')).toThrow(/^t\.yaml:20:17: spec\.faults\[0\]: Unrecognized key: "varients"$/);
  });

  it('points at the line of a bad value', () => {
    expect(() => parseCampaign(base.replace('channels: [write, drop, at-rest]', 'channels: [write, sideways]'), 't.yaml')).toThrow(
      /^t\.yaml:24:21: spec\.channels\[1\]: Invalid option/,
    );
  });

  it('names the file and line of invalid YAML', () => {
    expect(() => parseCampaign('spec: [1,\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it('rejects a fault model with no usable channel, at its line', () => {
    expect(() => parseCampaign(base.replace('channels: [write, drop, at-rest]', 'channels: [write]'), 't.yaml')).toThrow(
      't.yaml:22:14: spec.faults[2].model: drop needs one of the channels drop; add it to spec.channels',
    );
  });

  it('requires variants for set and fields for field faults', () => {
    expect(() => parseCampaign(base.replace('      variants: [zero, max-int32]\n', ''), 't.yaml')).toThrow(/spec\.faults\[0\]: the set model needs variants/);
    expect(() => parseCampaign(base.replace('      fields: [spec.replicas]\n', ''), 't.yaml')).toThrow(/t\.yaml:13:7: spec\.targets\[0\]: bitflip and set alter one field/);
  });
});

describe('planCampaign', () => {
  const parsed = parseCampaign(base, 't.yaml');
  const plan = planCampaign(parsed.campaign, catalog, parsed.locate);

  it('expands the cross product of compatible pairs, times repetitions', () => {
    // per workload x target: set 2 variants x 2 channels (write, at-rest) + bitflip 2 samples x 2 channels
    // + drop 1 + delete 1 = 10 definitions; 2 workloads x 2 targets x 10 x 2 repetitions = 80.
    expect(plan.experiments).toHaveLength(80);
    expect(plan.golden).toHaveLength(6);
    expect(plan.skippedPairs.sort()).toEqual(['bitflip/drop', 'delete/drop', 'delete/write', 'drop/at-rest', 'drop/write', 'set/drop']);
    expect(plan.estimate).toEqual({ seconds: 86 * 26, perRunSeconds: 26, assumption: '6s lab reset + 20s observation window per run' });
  });

  it('gives stable, unique ids that do not depend on the other entries', () => {
    const again = planCampaign(parseCampaign(base, 't.yaml').campaign, catalog);
    expect(again.experiments.map((e) => e.id)).toEqual(plan.experiments.map((e) => e.id));
    expect(new Set(plan.experiments.map((e) => e.id)).size).toBe(80);
    const fewer = planCampaign(parseCampaign(base.replace('    - model: delete\n', ''), 't.yaml').campaign, catalog);
    const ids = new Set(plan.experiments.map((e) => e.id));
    expect(fewer.experiments.every((e) => ids.has(e.id))).toBe(true);
  });

  it('carries the field, its error code and a deterministic seed', () => {
    const first = plan.experiments[0];
    expect(first).toMatchObject({
      index: 0,
      workload: { kind: 'deploy' },
      target: { kind: 'Deployment', field: 'spec.replicas' },
      fault: { model: 'set', field: 'spec.replicas', variant: 'zero' },
      channel: 'write',
      repetition: 1,
      errorCode: 'replica-count',
    });
    expect(plan.experiments[1]).toMatchObject({ repetition: 2, fault: { seed: first.fault.seed } });
    const rs = plan.experiments.find((e) => e.target.kind === 'ReplicaSet' && e.fault.model === 'bitflip');
    expect(rs?.errorCode).toBe('dependency');
    const bitflips = plan.experiments.filter((e) => e.target.kind === 'ReplicaSet' && e.fault.model === 'bitflip' && e.repetition === 1 && e.workload.kind === 'deploy');
    expect(new Set(bitflips.map((e) => e.fault.seed)).size).toBe(4);
  });

  it('resolves error codes to fields and rejects unknown kinds at their line', () => {
    const byCode = parseCampaign(base.replace('fields: [spec.replicas]', 'errorCodes: [replica-count]'), 't.yaml');
    const p = planCampaign(byCode.campaign, catalog, byCode.locate);
    expect(new Set(p.experiments.filter((e) => e.target.kind === 'Deployment' && e.fault.field).map((e) => e.fault.field))).toEqual(new Set(['spec.replicas', 'status.replicas']));
    const typo = parseCampaign(base.replace('kind: ReplicaSet', 'kind: replicaset'), 't.yaml');
    expect(() => planCampaign(typo.campaign, catalog, typo.locate)).toThrow('t.yaml:15:13: spec.targets[1].kind: unknown kind "replicaset"; did you mean ReplicaSet?');
  });

  it('takes per-target fault lists instead of spec.faults', () => {
    const text = `apiVersion: mutiny.dev/v1alpha1
kind: Campaign
metadata: { name: per-target }
spec:
  workloads: [{ kind: deploy }, { kind: failover }]
  targets:
    - { kind: Deployment, fields: [spec.replicas], faults: [{ model: set, variants: [off-by-one] }] }
    - { kind: ReplicaSet, fields: ["metadata.ownerReferences[0].uid"], faults: [{ model: bitflip }] }
    - { kind: Service, faults: [{ model: drop }] }
  channels: [write, drop]
  observation: { windowSeconds: 20 }
`;
    const p = planCampaign(parseCampaign(text, 'p.yaml').campaign, catalog);
    expect(p.experiments.map((e) => `${e.workload.kind} ${e.target.kind} ${e.fault.model} ${e.channel}`)).toEqual([
      'deploy Deployment set write',
      'deploy ReplicaSet bitflip write',
      'deploy Service drop drop',
      'failover Deployment set write',
      'failover ReplicaSet bitflip write',
      'failover Service drop drop',
    ]);
    expect(() => parseCampaign(text.replace(', faults: [{ model: drop }]', ''), 'p.yaml')).toThrow('p.yaml:9:7: spec.targets[2]: no fault models: add spec.faults, or faults to this target');
  });

  it('carries a target namespace and channels, keeps the ids of targets without them, and refuses a namespace on a cluster-scoped kind', () => {
    const text = `apiVersion: mutiny.dev/v1alpha1
kind: Campaign
metadata: { name: scoped }
spec:
  workloads: [{ kind: deploy }]
  targets:
    - { kind: Deployment, fields: [spec.replicas], faults: [{ model: set, variants: [zero] }] }
    - { kind: Deployment, namespace: kube-system, namePrefix: coredns, fields: [spec.replicas], faults: [{ model: set, variants: [zero] }], channels: [at-rest] }
    - { kind: Node, fields: ["status.conditions[0].status"], faults: [{ model: bitflip }] }
  channels: [write]
  observation: { windowSeconds: 20 }
`;
    const p = planCampaign(parseCampaign(text, 's.yaml').campaign, catalog);
    expect(p.experiments.map((e) => e.channel)).toEqual(['write', 'at-rest', 'write']);
    expect(p.experiments.map((e) => e.target)).toEqual([
      { kind: 'Deployment', field: 'spec.replicas', namespace: undefined, namePrefix: undefined },
      { kind: 'Deployment', field: 'spec.replicas', namespace: 'kube-system', namePrefix: 'coredns' },
      { kind: 'Node', field: 'status.conditions[0].status', namespace: undefined, namePrefix: undefined },
    ]);
    const unscoped = planCampaign(parseCampaign(text.replace(/^ {4}- \{ kind: Deployment, namespace.*\n/m, ''), 's.yaml').campaign, catalog);
    expect(unscoped.experiments.map((e) => e.id)).toEqual([p.experiments[0].id, p.experiments[2].id]);
    const wrong = parseCampaign(text.replace('{ kind: Node,', '{ kind: Node, namespace: kube-system,'), 's.yaml');
    expect(() => planCampaign(wrong.campaign, catalog, wrong.locate)).toThrow('s.yaml:9:32: spec.targets[2].namespace: Node is cluster-scoped: remove namespace');
    expect(() => parseCampaign(text.replace('namespace: kube-system', 'namespace: Kube_System'), 's.yaml')).toThrow(/s\.yaml:8:\d+: spec\.targets\[1\]\.namespace: must be a namespace name/);
    expect(() => parseCampaign(text.replace('channels: [at-rest]', 'channels: [drop]'), 's.yaml')).toThrow(
      /s\.yaml:8:\d+: spec\.targets\[1\]\.faults\[0\]\.model: set needs one of the channels write, read, at-rest; add it to spec\.targets\[1\]\.channels/,
    );
  });
});

describe('campaign JSON Schema', () => {
  it('matches the committed schema for editors (campaigns/campaign.schema.json)', async () => {
    const { campaignJsonSchema } = await import('../../src/campaign/spec.js');
    await expect(`${JSON.stringify(campaignJsonSchema(), null, 2)}\n`).toMatchFileSnapshot('../../campaigns/campaign.schema.json');
  });
});
