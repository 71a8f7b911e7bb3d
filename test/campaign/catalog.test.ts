import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { loadKindCatalog } from '../../src/campaign/catalog.js';
import { planCampaign } from '../../src/campaign/plan.js';
import { loadCampaign } from '../../src/campaign/spec.js';

const catalog = loadKindCatalog();

describe('loadKindCatalog', () => {
  it('resolves error codes to the tagged leaf fields of a kind, from the schema and taxonomy/field-tags.yaml', () => {
    expect(catalog.fieldsForErrorCode('Deployment', 'replica-count')).toEqual([
      'spec.replicas',
      'status.replicas',
      'status.updatedReplicas',
      'status.readyReplicas',
      'status.availableReplicas',
      'status.unavailableReplicas',
      'status.terminatingReplicas',
    ]);
    expect(catalog.fieldsForErrorCode('ReplicaSet', 'dependency')).toContain('metadata.ownerReferences[0].uid');
    expect(catalog.fieldsForErrorCode('Service', 'labels-selectors')).toEqual(['metadata.labels', 'spec.selector']);
    expect(catalog.errorCodeForField('Service', 'spec.selector[app]')).toBe('labels-selectors');
  });
});

describe('the committed campaigns', () => {
  const plan = (name: string) => {
    const parsed = loadCampaign(path.join(PACKAGE_ROOT, 'campaigns', `${name}.yaml`));
    return planCampaign(parsed.campaign, catalog, parsed.locate);
  };

  it('smoke: a dozen experiments over the three workloads and the set, bitflip and drop models', () => {
    const p = plan('smoke');
    expect(p.experiments).toHaveLength(12);
    expect(p.golden).toHaveLength(3);
    expect(new Set(p.experiments.map((e) => e.workload.kind))).toEqual(new Set(['deploy', 'scale', 'failover']));
    expect(new Set(p.experiments.map((e) => e.fault.model))).toEqual(new Set(['set', 'bitflip', 'drop']));
    expect(p.experiments.slice(0, 4).map((e) => `${e.target.kind} ${e.fault.field ?? '-'} ${e.channel} ${e.errorCode}`)).toEqual([
      'Deployment spec.replicas write replica-count',
      'ReplicaSet metadata.ownerReferences[0].uid write dependency',
      'Service spec.selector[app] write labels-selectors',
      'EndpointSlice - drop dependency',
    ]);
  });

  it('paper: at least 300 experiments for the benchmark', () => {
    const p = plan('paper');
    expect(p.experiments).toHaveLength(318);
    expect(new Set(p.experiments.map((e) => e.id)).size).toBe(318);
  });
});
