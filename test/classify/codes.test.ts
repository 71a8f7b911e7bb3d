import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { loadRules } from '../../src/classify/rule-files.js';
import { loadTaxonomy, type DimensionName } from '../../src/core/taxonomy.js';

const rules = loadRules();

// One short, realistic sentence per SPEC.md code: the committed rules must recognise each of them.
const CASES: [DimensionName, string, string][] = [
  ['failure', 'Out', 'The API server was unavailable for 40 minutes and kubectl commands failed.'],
  ['failure', 'Sta', 'The controller manager was stuck, so deployments were stuck and no new pods were created.'],
  ['failure', 'Net', 'Pods could not resolve service names: DNS resolution failures hit every namespace.'],
  ['failure', 'LeR', 'Half of the pods were evicted and stayed Pending with FailedScheduling events.'],
  ['failure', 'MoR', 'The job controller kept creating pods and we ended up with thousands of pods.'],
  ['failure', 'Tim', 'Rollouts were slow: scheduling latency grew, but the deployment eventually recovered.'],
  ['failure', 'No', 'Kubernetes worked as expected; the cluster was healthy throughout.'],
  ['client', 'SU', 'The website was completely down for two hours.'],
  ['client', 'IA', 'Customers saw an elevated error rate and intermittent 502 responses.'],
  ['client', 'HRT', 'Users noticed increased latency on the checkout page.'],
  ['client', 'NSI', 'There was no customer impact.'],
  ['fault', 'misconfiguration', 'A misconfigured memory limit in the manifest was set too low.'],
  ['fault', 'software-bug', 'A bug in the kubelet caused a nil pointer dereference.'],
  ['fault', 'resource-exhaustion', 'The nodes ran out of disk space and hit disk pressure.'],
  ['fault', 'infrastructure', 'A hardware failure in one availability zone took the VMs down.'],
  ['fault', 'external-dependency', 'Image pulls failed because Docker Hub, a third-party registry, was down.'],
  ['fault', 'upgrade', 'The outage started right after the cluster upgrade to the new version.'],
  ['fault', 'operator-action', 'An engineer accidentally deleted the production namespace with kubectl delete.'],
  ['fault', 'data-corruption', 'The etcd data was corrupted after the disk filled up.'],
  ['fault', 'certificate-expiry', 'The apiserver certificate expired and kubelets could not authenticate.'],
  ['fault', 'scaling-policy', 'The HPA scaled down the deployment too aggressively during the night.'],
  ['fault', 'race-condition', 'A race condition between the endpoints controller and kube-proxy left stale rules.'],
  ['fault', 'overload', 'A traffic spike on Black Friday overloaded the ingress pods.'],
  ['fault', 'version-skew', 'The kubectl client version was incompatible with the older server: a version skew.'],
  ['component', 'etcd', 'The etcd members lost quorum.'],
  ['component', 'kube-apiserver', 'The kube-apiserver returned 500 errors.'],
  ['component', 'kube-scheduler', 'The scheduler could not place pods because of pod priorities.'],
  ['component', 'kube-controller-manager', 'The kube-controller-manager garbage collector deleted the ReplicaSet.'],
  ['component', 'kubelet', 'The kubelet reported PLEG is not healthy.'],
  ['component', 'container-runtime', 'containerd hung and the runtime stopped starting containers.'],
  ['component', 'kube-proxy', 'kube-proxy failed to sync iptables rules.'],
  ['component', 'cni', 'The Calico CNI plugin ran out of pod IP addresses.'],
  ['component', 'dns', 'CoreDNS pods were crash looping.'],
  ['component', 'ingress', 'The nginx ingress controller returned 404 for all hosts.'],
  ['component', 'load-balancer', 'The AWS ELB changed its IP addresses and the load balancer health checks failed.'],
  ['component', 'admission-webhook', 'A validating admission webhook timed out and blocked every write.'],
  ['component', 'autoscaler', 'The cluster autoscaler did not add nodes.'],
  ['component', 'cloud-provider', 'The cloud provider integration failed to create routes for new nodes.'],
  ['component', 'storage', 'The persistent volume could not be attached to the new node.'],
  ['component', 'node-os', 'A Linux kernel bug in the conntrack module dropped packets.'],
  ['component', 'service-mesh', 'The Istio sidecar proxies rejected traffic after the mTLS change.'],
  ['component', 'application', 'Our application leaked database connections.'],
  ['component', 'monitoring', 'Prometheus monitoring consumed all node memory.'],
  ['component', 'ci-cd', 'The CI/CD pipeline deployed the broken build with Helm.'],
  ['error', 'replica-count', 'The deployment replicas were set to zero by mistake.'],
  ['error', 'labels-selectors', 'The Service selector did not match the pod labels.'],
  ['error', 'dependency', 'The garbage collector removed pods because of a wrong ownerReference.'],
  ['error', 'resources', 'The container memory limit was too low and the pods were OOMKilled.'],
  ['error', 'node-state', 'All nodes were marked NotReady after the node lease expired.'],
  ['error', 'network-config', 'The Service clusterIP and its Endpoints pointed to the wrong port.'],
  ['error', 'config-data', 'A bad ConfigMap change broke the configuration of the proxy.'],
  ['error', 'scheduling-constraints', 'A missing toleration and a strict node affinity kept pods off the new nodes.'],
  ['error', 'lifecycle-probes', 'The liveness probe timeout was too short and killed healthy containers.'],
  ['error', 'pod-status', 'The pod status updates were delayed so the pod phase stayed wrong.'],
  ['error', 'storage-state', 'The PVC stayed unbound because the volume attachment was never released.'],
  ['error', 'control-plane-config', 'The kubelet kube-api-qps flag was set too low and requests were rate limited.'],
  ['error', 'none', 'A Linux kernel bug in conntrack caused the drops; no cluster state was wrong.'],
];

describe('every SPEC.md code has a rule that recognises it', () => {
  it('covers every code of the taxonomy', () => {
    const taxonomy = loadTaxonomy();
    const covered = new Set(CASES.map(([d, c]) => `${d}/${c}`));
    const all = Object.values(taxonomy.dimensions).flatMap((d) => d.codes.map((c) => `${d.name}/${c}`));
    expect(all.filter((c) => !covered.has(c))).toEqual([]);
  });

  it.each(CASES)('%s %s: %s', (dimension, code, sentence) => {
    const result = classifyIncident({ id: 'case', title: '', text: sentence }, rules);
    expect(result.dimensions[dimension].values).toContain(code);
  });
});
