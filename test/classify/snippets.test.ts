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
  // Phrasings from typical postmortems of the incidents SPEC.md's examples name.
  ['fault', 'scaling-policy', 'The HPA was flapping between its min and max replicas all afternoon.'],
  ['component', 'admission-webhook', 'Calls to the admission webhook timed out after 30 seconds and API requests failed cluster-wide.'],
  ['component', 'node-os', 'Our pods were throttled by the CFS quota even at low CPU usage.'],
  ['fault', 'software-bug', 'Several nodes hit a kernel panic after the AMI rollout.'],
  ['fault', 'operator-action', 'We cordoned and drained all nodes for the upgrade, and the pods were evicted at once.'],
  ['component', 'cni', 'The GKE cluster ran out of pod IP ranges and new nodes could not be added.'],
  ['fault', 'race-condition', 'Leader election for kube-scheduler flapped, and both instances thought they were leader.'],
  ['client', 'HRT', 'DNS latency spiked to 2 seconds for lookups of external names.'],
  ['client', 'IA', 'The load balancer returned 5xx errors to a fraction of users.'],
  ['client', 'SU', 'Requests to the payments API timed out for all users.'],
  ['component', 'ingress', 'The ingress controller ran out of file descriptors under load.'],
  ['fault', 'infrastructure', 'etcd fsync latency on slow disks caused repeated leader elections.'],
  ['fault', 'upgrade', 'A cgroup v2 migration on the nodes changed how memory was accounted.'],
  ['fault', 'scaling-policy', 'The cluster autoscaler could not scale up because the node group reached its max size.'],
  ['component', 'service-mesh', 'The Istio control plane pushed a bad configuration to every envoy sidecar.'],
  ['component', 'monitoring', 'Prometheus scraping overloaded the API server with list requests.'],
  ['error', 'storage-state', 'The EBS CSI driver failed to detach volumes, leaving pods stuck in ContainerCreating with FailedAttachVolume.'],
  ['client', 'IA', 'Envoy sidecars ran out of memory and were OOMKilled, dropping in-flight requests.'],
  ['component', 'cloud-provider', 'The AWS API rate limited our cloud controller manager, so no load balancers were created for new Services.'],
  ['client', 'SU', 'A new ingress annotation typo routed all traffic for the main domain to the default backend, which returned 404.'],
  ['fault', 'certificate-expiry', 'Linkerd proxies failed mTLS handshakes after the trust anchor certificate expired.'],
  ['error', 'replica-count', 'The Argo CD sync applied an old manifest and scaled the deployment to one replica.'],
  ['fault', 'scaling-policy', 'Karpenter consolidated nodes aggressively and evicted pods faster than they could start.'],
  ['fault', 'resource-exhaustion', 'The disk of the etcd members filled up with WAL files and etcd stopped accepting writes.'],
  ['failure', 'Sta', 'The disk of the etcd members filled up with WAL files and etcd stopped accepting writes.'],
  ['failure', 'Net', 'The readiness probe timeout of 1s was too short under load, so pods flapped in and out of the Service endpoints.'],
  ['failure', 'LeR', 'Pods with topologySpreadConstraints set to DoNotSchedule could not be placed after one zone went down.'],
  ['error', 'resources', 'The kubelet config set evictionHard memory.available to 100Mi, too low to protect the system daemons.'],
];

describe('postmortem-style snippets', () => {
  it.each(SNIPPETS)('%s %s: %s', (dimension, code, text) => {
    const result = classifyIncident({ id: 'snippet', title: '', text }, rules);
    const values = result.dimensions[dimension].values;
    if (dimension === 'failure' || dimension === 'client') expect(values).toEqual([code]);
    else expect(values).toContain(code);
  });
});
