import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { loadRules } from '../../src/classify/rule-files.js';
import type { DimensionName } from '../../src/core/taxonomy.js';

const rules = loadRules();

// SPEC.md's rules of thumb, where annotators disagreed: each sentence sits on one side of a boundary.
const CASES: [string, DimensionName, string, string][] = [
  ['Out vs Net', 'failure', 'Net', 'Cluster-wide DNS outage: no pod could resolve any name for 40 minutes, while the API server and etcd stayed healthy.'],
  ['Out vs Net', 'failure', 'Net', 'A broken CNI rollout took down pod networking across the whole cluster; the control plane was fine.'],
  ['Out vs Net', 'failure', 'Out', 'The whole cluster was down: the API server could not reach etcd and kubectl returned connection refused.'],
  ['Out vs Net', 'failure', 'Out', 'All nodes went NotReady after the kubelet certificates expired.'],
  ['Sta vs LeR', 'failure', 'LeR', 'A ResourceQuota in the team namespace rejected new pods, so that one deployment could not scale.'],
  ['Sta vs LeR', 'failure', 'Sta', 'The mutating webhook rejected every pod creation in all namespaces.'],
  ['Tim vs LeR', 'failure', 'Tim', 'Pods were Pending for about three minutes while new nodes came up, then everything was scheduled.'],
  ['Tim vs LeR', 'failure', 'LeR', 'Pods were Pending for two days until someone raised the node group limit.'],
  ['Tim', 'failure', 'Tim', 'Rollouts took 20 minutes instead of 2 because image pulls were slow, but they completed.'],
  ['orphans', 'failure', 'MoR', 'The orphaned pods of the old deployment kept running and serving traffic next to the new ones.'],
  ['not the orchestrator', 'failure', 'No', 'The cluster behaved correctly; the outage was caused by a bug in our application code.'],
  ['correct state, broken data plane', 'error', 'none', 'A kernel conntrack race dropped DNS packets; no object in the cluster was misconfigured.'],
  ['limits too low', 'error', 'resources', 'CPU throttling from limits set far below the real need slowed every request.'],
  ['limits too low', 'fault', 'misconfiguration', 'CPU throttling from limits set far below the real need slowed every request.'],
  ['real failure reported correctly', 'error', 'none', 'The nodes really died when the hypervisor crashed, and they were correctly marked NotReady.'],
  ['real failure reported correctly', 'fault', 'infrastructure', 'The nodes really died when the hypervisor crashed, and they were correctly marked NotReady.'],
];

describe("SPEC.md's rules of thumb", () => {
  it.each(CASES)('%s: %s %s: %s', (_rule, dimension, code, text) => {
    const values = classifyIncident({ id: 'thumb', title: '', text }, rules).dimensions[dimension].values;
    if (dimension === 'failure' || dimension === 'client') expect(values).toEqual([code]);
    else expect(values).toContain(code);
  });
});
