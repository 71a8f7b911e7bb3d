/**
 * Short incident write-ups in the styles the classifier meets (k8s.af entries of a title, `involved` tags and an
 * impact line; postmortem summaries), written for these tests from general knowledge of how Kubernetes failures
 * are reported, not copied from the gold files. Each names the labels SPEC.md's rules of thumb give it; a
 * dimension left out is one the text does not settle. Multi-valued dimensions list codes that must be found.
 */
export interface WrittenIncident {
  title: string;
  text: string;
  impact?: string;
  tags?: string[];
  failure?: string;
  client?: string;
  fault?: string[];
  component?: string[];
  error?: string[];
}

export const WRITTEN_INCIDENTS: WrittenIncident[] = [
  {
    title: 'CoreDNS OOMKilled during a traffic peak',
    text: 'CoreDNS pods were OOMKilled when query volume tripled during a traffic peak; name resolution failed across the cluster for 20 minutes.',
    failure: 'Net', fault: ['resource-exhaustion'], component: ['dns'], error: ['resources'],
  },
  {
    title: 'Five-second DNS delays',
    text: 'Services saw intermittent 5 second delays on DNS lookups. The cause was a race in the Linux kernel conntrack code when two UDP packets of one socket were sent in parallel through DNAT; the cluster configuration itself was correct.',
    failure: 'Net', client: 'HRT', fault: ['race-condition'], component: ['node-os'], error: ['none'],
  },
  {
    title: 'ndots:5 amplified DNS traffic',
    text: 'Because of the default ndots:5 in resolv.conf every external hostname lookup walked all search domains first, multiplying DNS queries; the upstream resolver began throttling us and lookups timed out.',
    failure: 'Net', fault: ['misconfiguration'], component: ['dns'], error: ['network-config'],
  },
  {
    title: 'etcd quorum lost after instance terminations',
    text: 'Two of the three etcd members ran on EC2 instances that the cloud provider retired on the same day. etcd lost quorum and the API server returned errors for 45 minutes; kubectl was unusable.',
    failure: 'Out', fault: ['infrastructure'], component: ['etcd'],
  },
  {
    title: 'Expired kubelet client certificates',
    text: 'The kubelet client certificates expired after one year because certificate rotation was never enabled. All nodes went NotReady and workloads could no longer be managed.',
    failure: 'Out', fault: ['certificate-expiry'], component: ['kubelet'], error: ['config-data'],
  },
  {
    title: 'Admission webhook blocked pod creation',
    text: 'A validating webhook configured with failurePolicy: Fail timed out because its own pods were down, so every pod creation in the cluster was rejected until we deleted the webhook configuration.',
    failure: 'Sta', fault: ['misconfiguration'], component: ['admission-webhook'], error: ['config-data'],
  },
  {
    title: 'HPA flapping',
    text: 'The horizontal pod autoscaler kept scaling the checkout deployment between 4 and 40 replicas every few minutes because of noisy CPU metrics.',
    fault: ['scaling-policy'], component: ['autoscaler'], error: ['replica-count'],
  },
  {
    title: 'Cluster autoscaler too slow for the morning peak',
    text: 'During the morning traffic peak the cluster autoscaler took 15 minutes to provision new nodes; new pods stayed Pending until the nodes joined, then everything recovered by itself.',
    failure: 'Tim', fault: ['scaling-policy'], component: ['autoscaler'],
  },
  {
    title: 'CFS quota throttling',
    text: 'Latency-sensitive services were heavily throttled by the CFS quota: p99 latency doubled although average CPU usage was far below the configured CPU limits.',
    client: 'HRT', error: ['resources'],
  },
  {
    title: 'Node drain took down a service',
    text: 'An engineer drained three nodes for maintenance at once. Without a PodDisruptionBudget all replicas of the payments service were evicted together and the service stayed down until the pods were rescheduled.',
    failure: 'LeR', fault: ['operator-action'],
  },
  {
    title: 'Subnet IP exhaustion with the AWS VPC CNI',
    text: 'The subnets ran out of free IP addresses, so the VPC CNI could not assign IPs to new pods, which were stuck in ContainerCreating.',
    failure: 'LeR', fault: ['resource-exhaustion'], component: ['cni'],
  },
  {
    title: 'SNAT port exhaustion',
    text: 'Outbound connections from pods to a partner API timed out intermittently: the NAT gateway ran out of SNAT ports under the number of concurrent connections.',
    failure: 'Net', client: 'IA', fault: ['resource-exhaustion'],
  },
  {
    title: 'API server OOM from expensive LIST calls',
    text: 'A misbehaving operator issued unpaginated LIST calls for all pods every few seconds. The kube-apiserver instances were OOMKilled one after another and kubectl timed out for the whole cluster.',
    failure: 'Out', fault: ['overload'], component: ['kube-apiserver'],
  },
  {
    title: 'Controller manager lost its lease',
    text: 'Slow etcd disk writes made the kube-controller-manager fail to renew its leader election lease; it restarted repeatedly and no controllers ran for ten minutes, so deployments did not progress.',
    failure: 'Sta', component: ['kube-controller-manager', 'etcd'], error: ['control-plane-config'],
  },
  {
    title: 'etcd database space exceeded',
    text: 'etcd hit its 2 GiB backend quota and raised the NOSPACE alarm (mvcc: database space exceeded); every write to the API was rejected until we compacted and defragmented.',
    failure: 'Sta', fault: ['resource-exhaustion'], component: ['etcd'],
  },
  {
    title: 'Kernel cgroup bug froze nodes',
    text: 'A kernel bug in cgroup memory accounting made nodes lock up under memory pressure; they went NotReady one by one.',
    fault: ['software-bug'], component: ['node-os'],
  },
  {
    title: 'Docker daemon hangs and PLEG',
    text: 'The Docker daemon hung on busy nodes, the kubelet reported PLEG is not healthy and the nodes flapped between Ready and NotReady.',
    fault: ['software-bug'], component: ['container-runtime', 'kubelet'], error: ['node-state'],
  },
  {
    title: 'NetworkPolicy blocked DNS',
    text: 'A new default-deny NetworkPolicy did not allow egress to kube-dns on port 53, so pods in the namespace could not resolve any service name.',
    failure: 'Net', fault: ['misconfiguration'], component: ['dns'], error: ['network-config'],
  },
  {
    title: 'Ingress reloads dropped websockets',
    text: 'Every change to an Ingress made the NGINX ingress controller reload its configuration, which dropped long-lived websocket connections for all tenants.',
    failure: 'Net', client: 'IA', component: ['ingress'],
  },
  {
    title: 'Liveness probes killed healthy pods',
    text: 'Liveness probes checked the database connection, so when the database became slow the kubelet restarted every API pod and they stayed in CrashLoopBackOff.',
    failure: 'LeR', fault: ['misconfiguration'], error: ['lifecycle-probes'],
  },
  {
    title: 'Dockershim removal after the 1.24 upgrade',
    text: 'After upgrading the cluster to Kubernetes 1.24, CI jobs that mounted the Docker socket failed because dockershim was removed and the nodes now run containerd.',
    fault: ['upgrade'], component: ['container-runtime'],
  },
  {
    title: 'Production namespace deleted by mistake',
    text: 'An engineer ran kubectl delete namespace in what he thought was the staging context; every workload in the production namespace was gone until we restored the manifests from git.',
    fault: ['operator-action'],
  },
  {
    title: 'Spot instances reclaimed at once',
    text: 'The cloud provider reclaimed most of our spot instances within two minutes and the cluster lost half of its nodes; many pods stayed Pending for an hour.',
    failure: 'LeR', fault: ['infrastructure'], component: ['cloud-provider'],
  },
  {
    title: 'All replicas on one node',
    text: 'There was no pod anti-affinity or topology spread constraint, so the scheduler placed every replica of the service on the same node; when that node failed the service was down.',
    fault: ['misconfiguration'], component: ['kube-scheduler'], error: ['scheduling-constraints'],
  },
  {
    title: 'Service selector no longer matched',
    text: 'A refactor renamed the app label in the Deployment template but not in the Service selector. The Service had no endpoints and all requests to it failed.',
    failure: 'Net', client: 'SU', fault: ['misconfiguration'], error: ['labels-selectors'],
  },
  {
    title: 'kubelet memory leak',
    text: 'A memory leak in the kubelet grew until the node ran out of memory; the kernel OOM killer hit system processes and pods were evicted.',
    failure: 'LeR', fault: ['software-bug', 'resource-exhaustion'], component: ['kubelet'],
  },
  {
    title: 'Disk pressure from container logs',
    text: 'Container logs were not rotated and filled the root disk; nodes reported DiskPressure and the kubelet evicted pods.',
    failure: 'LeR', fault: ['resource-exhaustion'], component: ['kubelet'], error: ['node-state'],
  },
  {
    title: 'Multi-Attach error after node failure',
    text: 'After a node failure the EBS volume stayed attached to the dead instance, so the StatefulSet pod failed with a Multi-Attach error and could not start on another node for an hour.',
    failure: 'LeR', component: ['storage'], error: ['storage-state'],
  },
  {
    title: 'IPVS left stale real servers',
    text: 'A bug in kube-proxy IPVS mode left stale real servers after endpoints changed, so a share of connections went to pods that had already been deleted.',
    failure: 'Net', fault: ['software-bug'], component: ['kube-proxy'], error: ['network-config'],
  },
  {
    title: 'MTU mismatch on the overlay',
    text: 'The VXLAN overlay was configured with an MTU of 1500 on a network with a 1450 MTU, so large packets were silently dropped and TLS handshakes hung.',
    failure: 'Net', fault: ['misconfiguration'], component: ['cni'], error: ['network-config'],
  },
  {
    title: 'Docker Hub rate limits',
    text: 'Image pulls failed with toomanyrequests from Docker Hub after the anonymous pull rate limit was reached; new pods stayed in ImagePullBackOff.',
    failure: 'LeR', fault: ['external-dependency'],
  },
  {
    title: 'Runaway CronJob',
    text: 'A CronJob with concurrencyPolicy Allow started a new job every minute while the previous ones never finished, creating thousands of pods that filled the cluster.',
    failure: 'MoR', fault: ['misconfiguration'], component: ['kube-controller-manager'],
  },
  {
    title: 'Scheduler nil pointer panic',
    text: 'kube-scheduler crashed in a loop with a nil pointer dereference after a new scheduling plugin was enabled; no new pods were scheduled for 30 minutes.',
    failure: 'Sta', fault: ['software-bug'], component: ['kube-scheduler'],
  },
  {
    title: 'API priority and fairness rejections',
    text: 'A controller went into a hot loop and flooded the API server; API priority and fairness answered 429 Too Many Requests to other clients, and controllers could not update objects.',
    failure: 'Sta', component: ['kube-apiserver'],
  },
  {
    title: 'Sidecar not ready at startup',
    text: 'Application containers started before the Istio sidecar was ready, so their first outbound requests failed and the pods crashed at startup.',
    fault: ['race-condition'], component: ['service-mesh'],
  },
  {
    title: 'externalTrafficPolicy Local and health checks',
    text: 'With externalTrafficPolicy: Local, the cloud load balancer health checks marked nodes without a local pod unhealthy, and during a rollout all backends were briefly out of rotation.',
    failure: 'Net', component: ['load-balancer'], error: ['network-config'],
  },
  {
    title: '502s during every rollout',
    text: 'Terminating pods kept receiving traffic for a few seconds because kube-proxy removed them from iptables after the container had exited on SIGTERM; clients saw 502 errors during every deployment.',
    failure: 'Net', client: 'IA', fault: ['race-condition'], component: ['kube-proxy'],
  },
  {
    title: 'Helm chart upgrade removed resource requests',
    text: 'A Helm chart upgrade in the deployment pipeline silently dropped the resource requests of the workers, so the nodes were overcommitted and pods were OOMKilled.',
    fault: ['misconfiguration'], component: ['ci-cd'], error: ['resources'],
  },
  {
    title: 'Nodes lost the API server behind a new load balancer',
    text: 'We replaced the load balancer in front of the masters; kubelets on 300 nodes could not reach the API server and every node turned NotReady.',
    failure: 'Out', component: ['load-balancer'], error: ['node-state'],
  },
  {
    title: 'Pods stuck Terminating due to finalizers',
    text: 'A finalizer added by an uninstalled operator was never removed, so namespaces and their pods stayed stuck in Terminating for days.',
    error: ['dependency'],
  },
  {
    title: 'Black Friday traffic overwhelmed the ingress',
    text: 'Black Friday traffic reached ten times the usual request rate; the ingress pods were saturated and customers saw timeouts.',
    client: 'IA', fault: ['overload'], component: ['ingress'],
  },
  {
    title: 'Connection tracking table full',
    text: 'nf_conntrack: table full, dropping packet appeared in dmesg on busy nodes and new connections were dropped.',
    failure: 'Net', fault: ['resource-exhaustion'], component: ['node-os'],
  },
  {
    title: 'Clients at an old version after the API removal',
    text: 'After the upgrade to 1.22, deployments using the removed extensions/v1beta1 Ingress API started failing in CI because kubectl and our Helm charts still used the old API version.',
    fault: ['upgrade', 'version-skew'], component: ['ci-cd'],
  },
  {
    title: 'etcd restore lost objects',
    text: 'We restored etcd from a snapshot that was six hours old; objects created since then were lost and controllers recreated resources from stale state.',
    fault: ['data-corruption'], component: ['etcd'],
  },
  // Entries in the style of the Kubernetes Failure Stories list: a title, `involved` tags and an impact line.
  {
    title: 'How our DNS latency tripled after moving to Kubernetes (blog post)',
    text: '', tags: ['CoreDNS', 'ndots', 'search domains'], impact: 'slow responses for every outbound call',
    failure: 'Net', client: 'HRT', fault: ['misconfiguration'], component: ['dns'], error: ['network-config'],
  },
  {
    title: 'A kernel bug made our pods randomly lose packets (postmortem)',
    text: '', tags: ['conntrack', 'Linux kernel', 'UDP'], impact: 'intermittent timeouts between services',
    failure: 'Net', client: 'IA', fault: ['software-bug'], component: ['node-os'], error: ['none'],
  },
  {
    title: 'Our cluster went down because the etcd disk was too slow (talk)',
    text: '', tags: ['etcd', 'fsync latency', 'leader election'], impact: 'API server unavailable for 30 minutes',
    failure: 'Out', component: ['etcd'],
  },
  {
    title: 'The day all our certificates expired (blog post)',
    text: '', tags: ['kubeadm', 'certificates', 'kubelet'], impact: 'kubectl stopped working and nodes could not talk to the control plane',
    failure: 'Out', fault: ['certificate-expiry'], error: ['config-data'],
  },
  {
    title: 'Autoscaling gone wrong: the HPA that scaled to zero (blog post)',
    text: '', tags: ['HPA', 'custom metrics', 'Prometheus adapter'], impact: 'service had no running pods for 20 minutes',
    failure: 'LeR', client: 'SU', fault: ['scaling-policy'], component: ['autoscaler'], error: ['replica-count'],
  },
  {
    title: 'CPU limits considered harmful: throttled services (blog post)',
    text: '', tags: ['CPU limits', 'CFS quota', 'throttling'], impact: 'p99 latency spikes',
    client: 'HRT', fault: ['misconfiguration'], error: ['resources'],
  },
  {
    title: 'Draining a node took down our database (incident report)',
    text: '', tags: ['node drain', 'StatefulSet', 'PodDisruptionBudget'], impact: 'database unavailable for 15 minutes',
    fault: ['operator-action'],
  },
  {
    title: 'Pods stuck in ContainerCreating: running out of IPs on EKS (blog post)',
    text: '', tags: ['EKS', 'AWS VPC CNI', 'IP exhaustion'], impact: 'new pods could not start during deploys',
    failure: 'LeR', fault: ['resource-exhaustion'], component: ['cni'],
  },
  {
    title: 'How a webhook outage blocked every deployment (postmortem)',
    text: '', tags: ['admission webhook', 'failurePolicy', 'OPA Gatekeeper'], impact: 'no deployments possible for 2 hours',
    failure: 'Sta', fault: ['misconfiguration'], component: ['admission-webhook'],
  },
  {
    title: 'The cluster autoscaler deleted the node running our only replica (blog post)',
    text: '', tags: ['cluster-autoscaler', 'scale down', 'single replica'], impact: 'short outage of the internal API',
    fault: ['scaling-policy'], component: ['autoscaler'],
  },
  {
    title: 'Nodes going NotReady under memory pressure (blog post)',
    text: '', tags: ['kubelet', 'system-reserved', 'OOM killer'], impact: 'pods evicted and rescheduled repeatedly',
    fault: ['resource-exhaustion'], component: ['kubelet'], error: ['node-state'],
  },
  {
    title: 'A zone outage and a StatefulSet that would not move (postmortem)',
    text: '', tags: ['availability zone', 'EBS', 'StatefulSet'], impact: 'pods pending because volumes were bound to the failed zone',
    failure: 'LeR', fault: ['infrastructure'], component: ['storage'], error: ['storage-state'],
  },
  {
    title: 'Leaking iptables rules slowed kube-proxy to a crawl (blog post)',
    text: '', tags: ['kube-proxy', 'iptables', '10k services'], impact: 'endpoints took minutes to update, causing errors during rollouts',
    failure: 'Net', client: 'IA', component: ['kube-proxy'], error: ['network-config'],
  },
  {
    title: 'Split brain in our operator-managed database (postmortem)',
    text: '', tags: ['operator', 'leader election', 'network partition'], impact: 'two primaries accepted writes and some data was lost',
    fault: ['race-condition'], component: ['application'],
  },
  {
    title: 'Upgrading the cluster broke Ingress routing (blog post)',
    text: '', tags: ['GKE upgrade', 'ingress-nginx', 'annotations'], impact: 'all external traffic returned 404',
    failure: 'Net', client: 'SU', fault: ['upgrade'], component: ['ingress'],
  },
  {
    title: 'Too many pods: a Job that never stopped creating pods (blog post)',
    text: '', tags: ['Job', 'backoffLimit', 'restartPolicy'], impact: 'thousands of failed pods filled etcd',
    failure: 'MoR', fault: ['misconfiguration'], component: ['kube-controller-manager'],
  },
  // Postmortems with sections: the timeline and the follow-ups mention many things in passing.
  {
    title: 'Checkout errors on March 3',
    text: `## Summary
For 47 minutes about 30% of checkout requests failed with 503 errors.

## Root cause
A config change lowered the memory limit of the checkout pods to 256Mi. Under normal load the pods were OOMKilled every few minutes and spent long periods in CrashLoopBackOff, so the Service often had too few ready endpoints.

## Timeline
- 10:02 deploy of the config change through Argo CD
- 10:15 alerts on the error rate
- 10:49 rollback

## Action items
- We will add alerts on container restarts and review the limits of every service.`,
    failure: 'LeR', client: 'IA', fault: ['misconfiguration'], error: ['resources'],
  },
  {
    title: 'Control plane outage after etcd defragmentation',
    text: `## What happened
During routine maintenance an engineer ran etcdctl defrag on all three etcd members at the same time. Each member blocked while defragmenting, the cluster had no leader for several minutes and the API server could not serve requests.

## Impact
kubectl and all deployments failed for 12 minutes. Running workloads kept serving traffic.

## Lessons learned
Defragment one member at a time; we are adding a runbook check.`,
    failure: 'Out', client: 'NSI', fault: ['operator-action'], component: ['etcd'],
  },
  {
    title: 'Intermittent connection timeouts after enabling NodeLocal DNSCache',
    text: `## Summary
After rolling out NodeLocal DNSCache, a share of pods saw connection timeouts to the database.

## Root cause
The node-local DNS daemon set was deployed with a CPU limit of 50m. Under load it was throttled and DNS queries waited for seconds before they were answered, so applications hit their connect timeouts.

## Resolution
We removed the CPU limit from the DNS cache pods.`,
    failure: 'Net', client: 'IA', fault: ['misconfiguration'], component: ['dns'], error: ['resources'],
  },
  {
    title: 'Pods evicted cluster-wide by a runaway logging agent',
    text: `## Summary
A new version of our logging agent DaemonSet had a memory leak. On every node it grew until the node hit memory pressure, and the kubelet started evicting application pods.

## Impact
Many services ran with fewer replicas than desired for two hours; some customers saw errors.`,
    failure: 'LeR', client: 'IA', fault: ['software-bug', 'resource-exhaustion'], component: ['monitoring', 'kubelet'],
  },
  {
    title: 'Stuck rollouts because the controller manager was rate limited',
    text: `## Summary
Deployments stopped progressing in all namespaces: new ReplicaSets were created minutes late or not at all.

## Root cause
The kube-controller-manager was started with the default --kube-api-qps of 20. With 4,000 deployments the workqueues backed up and the controllers fell hours behind.`,
    failure: 'Sta', fault: ['misconfiguration'], component: ['kube-controller-manager'], error: ['control-plane-config'],
  },
  {
    title: 'Traffic blackholed after a CNI upgrade',
    text: `## Summary
We upgraded Calico from 3.19 to 3.22. On nodes that were upgraded first, pods lost connectivity to pods on the other nodes because the new version changed the default IP-in-IP encapsulation mode.

## Impact
Cross-node traffic failed for 25 minutes; about half of the requests between services timed out.`,
    failure: 'Net', client: 'IA', fault: ['upgrade'], component: ['cni'], error: ['network-config'],
  },
  // Causes and components the first batches did not exercise.
  {
    title: 'CRD deleted by helm uninstall',
    text: 'Running helm uninstall on the cert-manager release also deleted its CustomResourceDefinitions, and with them every Certificate object in the cluster.',
    fault: ['operator-action'], component: ['ci-cd'],
  },
  {
    title: 'terraform destroy in the wrong workspace',
    text: 'A terraform destroy meant for a test environment ran against the production workspace and removed two node pools.',
    fault: ['operator-action'], component: ['cloud-provider'],
  },
  {
    title: 'OIDC provider outage locked us out',
    text: 'Our identity provider for OIDC login was down, so nobody could authenticate to the cluster with kubectl for two hours, while workloads were unaffected.',
    client: 'NSI', fault: ['external-dependency'],
  },
  {
    title: 'Vault outage broke secret injection',
    text: 'HashiCorp Vault, which runs outside the cluster, became unavailable; the Vault agent init containers could not fetch secrets and new pods failed to start.',
    failure: 'LeR', fault: ['external-dependency'],
  },
  {
    title: 'Old kubelets after a partial control plane upgrade',
    text: 'The control plane was upgraded to 1.27 while node pools stayed at 1.24, beyond the supported kubelet version skew; some kubelets failed to register pods correctly.',
    fault: ['version-skew', 'upgrade'], component: ['kubelet'],
  },
  {
    title: 'etcd member with a corrupted database',
    text: 'After a host crash one etcd member came back with a corrupted bbolt database file and a hash mismatch with its peers; we removed it and added a fresh member.',
    fault: ['data-corruption'], component: ['etcd'],
  },
  {
    title: 'EC2 host degradation took nodes with it',
    text: 'AWS scheduled a retirement for degraded hardware under three of our instances; the EC2 status checks failed and the nodes became NotReady before the retirement date.',
    fault: ['infrastructure'], component: ['cloud-provider'], error: ['none'],
  },
  {
    title: 'containerd stopped starting containers',
    text: 'containerd on several nodes deadlocked after a shim crash; new containers could not start and pods stayed in ContainerCreating until the nodes were rebooted.',
    failure: 'LeR', fault: ['software-bug'], component: ['container-runtime'],
  },
  {
    title: 'systemd restarted the kubelet in a loop',
    text: 'An OS image update changed the cgroup driver of systemd but not of the kubelet; the kubelet failed to start on new nodes, which never became Ready.',
    fault: ['upgrade'], component: ['node-os', 'kubelet'],
  },
  {
    title: 'Cloud load balancer kept draining healthy nodes',
    text: 'The cloud load balancer health checks against the ingress NodePort flapped, so healthy nodes were taken out of the backend pool and customers saw connection resets.',
    failure: 'Net', client: 'IA', component: ['load-balancer'],
  },
  {
    title: 'Mutating webhook rewrote every pod spec',
    text: 'A mutating admission webhook injected a sidecar with a wrong image into every new pod; the pods failed with ImagePullBackOff.',
    failure: 'LeR', component: ['admission-webhook'],
  },
  // GitHub issues in the kubernetes/kubernetes template: the environment list names components in passing.
  {
    title: 'kube-proxy does not remove iptables rules for deleted endpoints after restart',
    text: `### What happened?

After kube-proxy restarts, the iptables rules for endpoints deleted while it was down are never removed, so traffic to the Service keeps going to pod IPs that no longer exist and clients get connection timeouts.

### What did you expect to happen?

Stale rules are cleaned up on the first sync.

### Kubernetes version

1.26.3

### Container runtime (CRI) and version (if applicable)

containerd 1.6.20`,
    failure: 'Net', fault: ['software-bug'], component: ['kube-proxy'], error: ['network-config'],
  },
  {
    title: 'Scheduler keeps binding pods to a node that was deleted',
    text: `### What happened?

After a node was deleted, the scheduler cache still had it and kept assigning new pods to it. The pods stayed Pending with nodeName set to a node that no longer exists until we restarted kube-scheduler.

### Anything else we need to know?

Looks like the informer missed the delete event.`,
    failure: 'LeR', fault: ['race-condition'], component: ['kube-scheduler'], error: ['dependency'],
  },
  {
    title: 'Garbage collector deletes dependents when owner UID changes',
    text: `### What happened?

We recreated a Deployment with the same name from a backup. The new ReplicaSets still had ownerReferences with the old UID and the garbage collector deleted them together with their pods.`,
    failure: 'LeR', component: ['kube-controller-manager'], error: ['dependency'],
  },
  {
    title: 'kubelet panics with nil pointer in volume manager, node NotReady',
    text: `### What happened?

The kubelet panicked with a nil pointer dereference in the volume manager when a CSI driver returned an empty response. It crash looped and the node stayed NotReady.`,
    fault: ['software-bug'], component: ['kubelet', 'storage'], error: ['node-state'],
  },
  {
    title: 'apiserver memory grows unbounded with many watchers on CRDs',
    text: `### What happened?

With about 5000 watchers on a custom resource the kube-apiserver memory grew until it was OOM killed; every restart repeated it and the API was unavailable.

### Kubernetes version

1.24.9`,
    failure: 'Out', fault: ['resource-exhaustion'], component: ['kube-apiserver'],
  },
  {
    title: 'StatefulSet controller creates a second pod with the same ordinal',
    text: `### What happened?

During a network partition the StatefulSet controller created web-0 on a new node while the old web-0 was still running on the partitioned node, so two copies of the same ordinal wrote to the database.`,
    failure: 'MoR', fault: ['race-condition'], component: ['kube-controller-manager'],
  },
  {
    title: 'EndpointSlice controller stops updating after etcd leader change',
    text: `### What happened?

After an etcd leader change the EndpointSlice controller watch stopped receiving events. New pods never appeared in the slices and Services routed only to old pods until kube-controller-manager was restarted.`,
    component: ['kube-controller-manager'], error: ['network-config'],
  },
  {
    title: 'Node lease not renewed under disk IO pressure, pods evicted',
    text: `### What happened?

When the node disk was saturated by IO, the kubelet could not renew its node lease in time. The node controller marked the node NotReady and evicted all pods, although the containers were still running fine.`,
    component: ['kubelet', 'kube-controller-manager'], error: ['node-state'],
  },
  // Services run on Kubernetes (notebook platforms, SaaS): the application is often the origin, and "the cluster
  // was healthy" means failure No.
  {
    title: 'Hub pod restarts lost user sessions',
    text: 'The JupyterHub hub pod was OOMKilled twice during a workshop; users lost their running servers and had to log in again.',
    client: 'IA', fault: ['resource-exhaustion'], component: ['application'],
  },
  {
    title: 'Build pods filled node disks',
    text: 'Image build pods wrote large layers to the node disk; nodes hit DiskPressure and user pods were evicted.',
    failure: 'LeR', fault: ['resource-exhaustion'], error: ['node-state'],
  },
  {
    title: 'Too many user pods',
    text: 'A popular tutorial link started thousands of user pods at once; the cluster autoscaler could not add nodes fast enough and launches failed for an hour.',
    client: 'IA', fault: ['overload'], component: ['autoscaler'],
  },
  {
    title: 'Proxy lost its routing table',
    text: 'The configurable-http-proxy restarted and lost its routing table, so every user request returned 404 until the hub re-added the routes.',
    client: 'SU',
  },
  {
    title: 'Outage after Helm chart bump',
    text: 'Bumping the Helm chart version of the hub changed a default and the hub could not start; the service was unavailable for 40 minutes until we rolled back.',
    client: 'SU', fault: ['upgrade'], component: ['ci-cd'],
  },
  {
    title: 'SSL certificate not renewed',
    text: "The Let's Encrypt certificate for the main domain was not renewed because cert-manager could not solve the HTTP challenge; browsers refused to connect.",
    client: 'SU', fault: ['certificate-expiry'],
  },
  {
    title: 'Regional cloud networking disruption',
    text: 'A networking disruption in the cloud provider region caused packet loss between nodes; pods intermittently failed health checks and some requests failed.',
    failure: 'Net', client: 'IA', fault: ['infrastructure'],
  },
  {
    title: 'Database connection pool exhaustion',
    text: 'The application exhausted its database connection pool after a slow query; Kubernetes kept the pods running and the cluster was healthy throughout.',
    failure: 'No', fault: ['resource-exhaustion'], component: ['application'], error: ['none'],
  },
  // Written as a blind check, then used to close the gaps it showed (what it still misses is left out here).
  {
    title: 'Ingress controller crash after annotation change',
    text: 'A snippet annotation with invalid syntax made every ingress-nginx pod fail to reload and then crash; all public sites behind it returned 502 for 18 minutes.',
    failure: 'Net', client: 'SU', fault: ['misconfiguration'], component: ['ingress'],
  },
  {
    title: 'Calico IPAM leak',
    text: 'Calico did not release IP addresses of deleted pods, the IP pool slowly ran dry and after three weeks new pods could not get an address.',
    failure: 'LeR', fault: ['software-bug'], component: ['cni'],
  },
  {
    title: 'Misrouted traffic after service rename',
    text: 'Renaming a Service left an old ExternalName record in place, and part of the traffic kept going to the decommissioned cluster.',
    failure: 'Net', client: 'IA', error: ['network-config'],
  },
  {
    title: 'Node pool upgrade drained too fast',
    text: 'The managed node pool upgrade drained nodes faster than pods could become ready elsewhere; capacity dipped and requests queued for several minutes before recovering.',
    failure: 'Tim', client: 'HRT', fault: ['upgrade'],
  },
  {
    title: 'Liveness probe killed slow-starting JVMs',
    text: 'The JVM services needed 90 seconds to start but the liveness probe gave them 30, so the kubelet killed them in a loop and the deployment never became available.',
    failure: 'LeR', fault: ['misconfiguration'], error: ['lifecycle-probes'],
  },
  {
    title: 'Load balancer quota hit',
    text: 'Creating the new Service of type LoadBalancer failed because the project had reached its quota of forwarding rules in the cloud provider.',
    fault: ['resource-exhaustion'],
  },
  {
    title: 'Mesh certificate rotation outage',
    text: 'The service mesh root certificate rotation replaced the CA before the sidecars trusted it, and mTLS between services failed across the cluster.',
    failure: 'Net', fault: ['certificate-expiry'], component: ['service-mesh'],
  },
];
