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

describe('mutiny campaign plan', () => {
  it('prints the experiments, the count and the estimate', async () => {
    const { run } = await import('../../src/cli/main.js');
    const { memoryIo } = await import('../../src/core/io.js');
    const io = memoryIo();
    expect(await run(['campaign', 'plan', path.join(PACKAGE_ROOT, 'campaigns', 'smoke.yaml'), '--reset-seconds', '4'], io)).toBe(0);
    const lines = io.stdout().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+workload\s+target\s+field\s+fault\s+channel\s+trigger\s+rep\s+error$/);
    expect(lines[2]).toMatch(/^x[0-9a-f]{12}\s+deploy\s+Deployment\s+spec\.replicas\s+set off-by-one seed \d+\s+write\s+nth 1\s+1\s+replica-count$/);
    expect(lines).toHaveLength(2 + 12 + 2);
    expect(lines.slice(-2)).toEqual([
      'campaign smoke: 12 experiments + 3 golden runs; estimated 4m45s (4s lab reset + 15s observation window per run)',
      'fault/channel pairs that cannot go together, skipped: set/drop, bitflip/drop, drop/write',
    ]);
  });

  it('points at the line of an error in the file', async () => {
    const { run } = await import('../../src/cli/main.js');
    const { memoryIo } = await import('../../src/core/io.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mutiny-plan-')), 'bad.yaml');
    writeFileSync(file, 'apiVersion: mutiny.dev/v1alpha1\nkind: Campaign\nmetadata: { name: bad }\nspec:\n  workloads: [{ kind: deploy }]\n  targets: [{ kind: Deploymnet, fields: [spec.replicas] }]\n  faults: [{ model: bitflip }]\n  channels: [write]\n  observation: { windowSeconds: 5 }\n');
    const io = memoryIo();
    expect(await run(['campaign', 'plan', file], io)).toBe(1);
    expect(io.stderr()).toMatch(/^error: .*bad\.yaml:6:21: spec\.targets\[0\]\.kind: unknown kind "Deploymnet"; did you mean Deployment\?\n$/);
  });
});
