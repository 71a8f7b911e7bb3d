import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { loadRules } from '../../src/classify/rule-files.js';
import type { DimensionName } from '../../src/core/taxonomy.js';

const rules = loadRules();

// Postmortem-style sentences, worded differently from codes.test.ts: the rules must generalize over phrasing
// (plurals, tenses, spellings of component names), not only recognise one sentence per code.
const SNIPPETS: [DimensionName, string, string][] = [
  ['client', 'SU', 'Between 14:02 and 14:47 UTC, all API requests to our service returned HTTP 503.'],
  ['client', 'IA', 'Roughly 5% of requests failed with timeouts during the incident window.'],
  ['client', 'HRT', 'Customers experienced slow page loads; p99 latency went from 200ms to 3s.'],
  ['client', 'NSI', 'This incident had no impact on production traffic.'],
  ['failure', 'Out', 'The control plane became unresponsive and kubectl get pods hung for 30 minutes.'],
  ['failure', 'Sta', 'New deployments could not roll out because the controller manager lost its leader lease.'],
  ['failure', 'Net', 'Several services had no healthy endpoints, so traffic was routed to nothing.'],
  ['failure', 'LeR', 'About a third of our pods were OOMKilled and stayed in CrashLoopBackOff.'],
  ['failure', 'MoR', 'A bug in our operator created duplicate StatefulSets and the cluster filled up with extra pods.'],
  ['failure', 'Tim', 'Pod scheduling took up to ten minutes during the spike but all pods eventually started.'],
  ['fault', 'misconfiguration', 'The root cause was a misconfigured NetworkPolicy that blocked traffic to kube-dns.'],
  ['fault', 'software-bug', 'The kernel bug in version 4.19 caused the node to lock up.'],
  ['fault', 'resource-exhaustion', 'The nodes ran out of inodes because of leftover container images.'],
  ['fault', 'infrastructure', 'An AWS EBS outage in us-east-1a made volumes unavailable.'],
  ['fault', 'external-dependency', 'Our upstream DNS provider had an outage and external lookups failed.'],
  ['fault', 'upgrade', 'The incident began after we upgraded the cluster from 1.22 to 1.23.'],
  ['fault', 'operator-action', 'An engineer ran kubectl delete on the wrong context and removed production deployments.'],
  ['fault', 'data-corruption', 'The etcd snapshot restore brought back stale data and some objects were lost.'],
  ['fault', 'certificate-expiry', 'The webhook serving certificate had expired, so all admission requests failed.'],
  ['fault', 'scaling-policy', 'The cluster autoscaler removed nodes too aggressively during scale-down.'],
  ['fault', 'race-condition', 'Two controllers updated the same object concurrently and overwrote each other.'],
  ['fault', 'overload', 'A retry storm from clients amplified the load on the API server.'],
  ['fault', 'version-skew', 'Kubelets at 1.19 talking to a 1.25 API server hit an incompatible API.'],
  ['error', 'replica-count', 'The Deployment was scaled to 0 replicas by a faulty script.'],
  ['error', 'labels-selectors', 'The Service selector referenced app=web while pods were labeled app=frontend.'],
  ['error', 'dependency', 'A finalizer that was never removed kept the namespace in Terminating.'],
  ['error', 'resources', 'CPU limits of 100m throttled the pods badly.'],
  ['error', 'node-state', 'A taint added to all nodes made the workloads unschedulable.'],
  ['error', 'lifecycle-probes', 'The readiness probe pointed at the wrong port so pods never became ready.'],
  ['error', 'storage-state', 'The PersistentVolumeClaim stayed Pending because no PV matched.'],
  ['error', 'control-plane-config', 'The apiserver --max-requests-inflight flag was too low for our load.'],
  ['error', 'config-data', 'The ConfigMap with nginx configuration contained a syntax error.'],
];

describe('postmortem-style snippets', () => {
  it.each(SNIPPETS)('%s %s: %s', (dimension, code, text) => {
    const result = classifyIncident({ id: 'snippet', title: '', text }, rules);
    const values = result.dimensions[dimension].values;
    if (dimension === 'failure' || dimension === 'client') expect(values).toEqual([code]);
    else expect(values).toContain(code);
  });
});
