import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';
import { run } from '../../src/cli/main.js';
import { loadKindCatalog } from '../../src/campaign/catalog.js';
import { planCampaign } from '../../src/campaign/plan.js';
import { loadCampaign, parseCampaign } from '../../src/campaign/spec.js';
import { ALL_INCIDENTS, openStats } from '../../src/stats/index.js';
import { readReplayIncidents } from '../../src/replay/incidents.js';
import { planReplay } from '../../src/replay/plan.js';
import { loadReplayRules, parseReplayRules, REPLAY_RULES_FILE, replayRulesJsonSchema, replayScope } from '../../src/replay/rules.js';
import { replayDatabase } from './support.js';

const taxonomy = loadTaxonomy();
const rules = loadReplayRules(taxonomy);
const { file, dir } = replayDatabase();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function incidents(ids: string[] = []) {
  const ctx = openStats(file, taxonomy);
  try {
    return readReplayIncidents(ctx, { ids, filters: ALL_INCIDENTS });
  } finally {
    ctx.db.close();
  }
}

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await run(['--db', file, ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('replay rules', () => {
  it('loads the committed rules and says why an incident is out of reach', () => {
    expect(rules.rules.map((r) => r.name)).toContain('dns');
    const byId = new Map(incidents().map((i) => [i.id, i]));
    expect(replayScope(rules, byId.get('D')!)).toEqual({ replayable: false, reason: expect.stringMatching(/^error none: the failure came from outside the cluster state/) });
    expect(replayScope(rules, byId.get('E')!)).toEqual({ replayable: false, reason: expect.stringMatching(/^error unknown/) });
    expect(replayScope(rules, byId.get('F')!)).toEqual({ replayable: false, reason: 'no replay rule applies (storage-state: the lab runs no volumes, claims or CSI driver, so there is no volume state to alter)' });
    const g = replayScope(rules, byId.get('G')!);
    expect(g.replayable && g.rules.map((r) => r.name)).toEqual(['network-config', 'dns']);
  });

  it('has a JSON Schema for editors, snapshotted beside the module', async () => {
    await expect(`${JSON.stringify(replayRulesJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(path.join(import.meta.dirname, '..', '..', 'src', 'replay', 'ReplayRules.schema.json'));
  });

  it('rejects a bad rule file with the line and path', () => {
    const original = readFileSync(path.join(import.meta.dirname, '..', '..', 'taxonomy', 'replay-rules.yaml'), 'utf8');
    const text = original.replace('when: { error: [replica-count] }', 'when: { error: [replica-counts] }');
    expect(() => parseReplayRules(text, 'r.yaml', taxonomy)).toThrow(/^r\.yaml:\d+:\d+: rules\[0\]\.when\.error\[0\]: unknown error code "replica-counts"/);
    const noVariants = original.replace('faults: [{ model: set, variants: [off-by-one] }]', 'faults: [{ model: set }]');
    expect(() => parseReplayRules(noVariants, 'r.yaml', taxonomy)).toThrow(/rules\[0\]\.templates\[1\]\.faults\[0\]: the set model needs variants/);
  });
});

describe('replay plan', () => {
  it('plans every replayable incident: exact experiments, targets and links', () => {
    const plan = planReplay(incidents(), rules, loadKindCatalog());
    expect(plan.replayed.map((r) => r.incident.id)).toEqual(['A', 'B', 'C', 'G', 'H']);
    expect(plan.notReplayed.map((n) => n.incident.id)).toEqual(['D', 'E', 'F']);
    // Rules used: replica-count (2 templates), labels-selectors (3), dependency (3), network-config (4), dns (3).
    expect(plan.targets.map((t) => `${t.rule}:${t.template.kind}`)).toEqual([
      'replica-count:Deployment', 'replica-count:ReplicaSet',
      'labels-selectors:Service', 'labels-selectors:Deployment', 'labels-selectors:Pod',
      'dependency:ReplicaSet', 'dependency:Pod', 'dependency:ConfigMap',
      'network-config:EndpointSlice', 'network-config:EndpointSlice', 'network-config:Endpoints', 'network-config:Pod',
      'dns:Deployment', 'dns:Service', 'dns:ConfigMap',
    ]);
    expect(plan.campaign.spec.workloads.map((w) => w.kind)).toEqual(['deploy', 'scale']);
    expect(plan.campaign.spec.channels).toEqual(['write', 'drop', 'at-rest']);
    // Per workload: replica-count 3 + 1, labels 3, dependency 3, network-config 4, dns 3 = 17.
    expect(plan.plan.experiments).toHaveLength(34);
    expect(plan.plan.golden).toHaveLength(2);
    const linked = (id: string) => plan.replayed.find((r) => r.incident.id === id)!.experiments.length;
    expect([linked('A'), linked('B'), linked('C'), linked('G'), linked('H')]).toEqual([8, 6, 6, 14, 6]);
    expect(plan.experiments.every((e) => e.incidents.length > 0)).toBe(true);
    const selector = plan.experiments.find((e) => e.experiment.target.kind === 'Service' && e.experiment.fault.field === 'spec.selector[app]')!;
    expect(selector.incidents).toEqual(['B', 'H']);
  });

  it('carries each template\'s namespace into the campaign and its experiments (none for cluster-scoped kinds)', () => {
    const plan = planReplay(incidents(), rules, loadKindCatalog());
    const dns = plan.experiments.filter((e) => e.experiment.target.namespace !== undefined).map((e) => `${e.experiment.workload.kind} ${e.experiment.target.kind} ${e.experiment.target.namespace}/${e.experiment.target.namePrefix}* ${e.experiment.channel}`);
    // Nothing writes kube-system objects during a run: they are altered at rest.
    expect(dns).toEqual([
      'deploy Deployment kube-system/coredns* at-rest', 'deploy Service kube-system/kube-dns* at-rest', 'deploy ConfigMap kube-system/coredns* at-rest',
      'scale Deployment kube-system/coredns* at-rest', 'scale Service kube-system/kube-dns* at-rest', 'scale ConfigMap kube-system/coredns* at-rest',
    ]);
    expect(plan.yaml).toContain('    - kind: Deployment\n      namespace: kube-system\n      namePrefix: coredns\n');
    const node = planReplay([{ id: 'N', title: 'nodes flap NotReady', url: null, failure: 'Out', client: 'SU', error: ['node-state'], component: ['kubelet'] }], rules, loadKindCatalog());
    expect(node.experiments.map((e) => `${e.experiment.target.kind} ${e.experiment.target.namespace ?? '(cluster or experiment)'}`)).toEqual(['Node (cluster or experiment)', 'Lease kube-node-lease']);
  });

  it('refuses a namespace on a cluster-scoped kind in the rules, at its line', () => {
    const text = readFileSync(REPLAY_RULES_FILE, 'utf8').replace('      - kind: Node\n', '      - kind: Node\n        namespace: kube-system\n');
    expect(() => parseReplayRules(text, 'r.yaml', loadTaxonomy())).toThrow(/^r\.yaml:\d+:20: rules\[3\]\.templates\[0\]\.namespace: Node is cluster-scoped: remove namespace$/);
  });

  it('writes YAML the campaign parser accepts, naming the incidents, with the same experiments', async () => {
    const out = path.join(dir, 'replay.yaml');
    const r = await cli('replay', 'plan', '--id', 'A', '--id', 'D', '--out', out);
    expect(r.code).toBe(0);
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).toContain('# rule replica-count; reproduces 1:\n    #   A\n');
    const parsed = loadCampaign(out);
    const plan = planCampaign(parsed.campaign, loadKindCatalog(), parsed.locate);
    expect(plan.experiments.map((e) => `${e.workload.kind} ${e.target.kind} ${e.fault.field} ${e.fault.model} ${e.fault.variant ?? ''} ${e.channel}`)).toEqual([
      'scale Deployment spec.replicas set zero write',
      'scale Deployment spec.replicas set off-by-one write',
      'scale Deployment spec.replicas bitflip  write',
      'scale ReplicaSet spec.replicas set off-by-one write',
    ]);
    expect(r.out).toContain('campaign replay: 4 experiments + 1 golden runs for 1 incidents; 1 incidents not replayable');
    expect(r.out).toMatch(/D\s+Out\s+none\s+error none: the failure came from outside the cluster state/);
    expect(parseCampaign(yaml, 'again').campaign).toEqual(parsed.campaign);
  });

  it('--json names each experiment\'s incidents; --where selects by label', async () => {
    const r = await cli('replay', 'plan', '--where', 'error=labels-selectors', '--name', 'replay-sel', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { campaign: string; experiments: { kind: string; incidents: string[] }[]; replayed: { id: string }[]; notReproducible: unknown[] };
    expect(json.campaign).toBe('replay-sel');
    expect(json.replayed.map((x) => x.id)).toEqual(['B', 'H']);
    expect(json.experiments.map((e) => e.kind)).toEqual(['Service', 'Deployment', 'Pod']);
    expect(json.experiments.every((e) => e.incidents.join() === 'B,H')).toBe(true);
    expect(json.notReproducible).toEqual([]);
  });

  it('refuses a selection with nothing to replay, and unknown ids', async () => {
    expect((await cli('replay', 'plan', '--id', 'D', '--id', 'E')).err).toContain('none of the 2 selected incidents can be replayed by state injection');
    expect((await cli('replay', 'plan', '--id', 'nope')).err).toContain('--id nope: no such incident');
  });
});
