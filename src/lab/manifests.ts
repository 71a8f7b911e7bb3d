/**
 * The objects `lab up` creates besides what the control plane makes itself: kwok nodes, the experiment namespace,
 * and a cluster DNS stand-in. kwok runs no containers, so the CoreDNS pods become Ready without serving DNS; they
 * exist so the kube-system state (Deployment, Service kube-dns, endpoints) looks like a real cluster's.
 */

/** Label carried by every kwok node, used by workloads' node selectors and by the digest. */
export const KWOK_NODE_LABEL = { key: 'type', value: 'kwok' } as const;

/** Label that makes kwok's node-not-ready stage turn a node NotReady (Failover by node). */
export const NODE_NOT_READY_LABEL = 'node-not-ready.stage.kwok.x-k8s.io';

/** Name of the i-th kwok node (0-based). */
export function nodeName(index: number): string {
  return `kwok-node-${index}`;
}

/** A fake Node kwok manages (annotation kwok.x-k8s.io/node=fake); kwok's node-initialize stage fills its status. */
export function kwokNode(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
  };
}

export function namespace(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'mutiny.dev/lab': 'experiment' } } };
}

/** The ClusterIP of kube-dns, as in kubeadm clusters (10th address of the service range). */
export const CLUSTER_DNS_IP = '10.96.0.10';
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.1';

/** CoreDNS as kubeadm installs it: ServiceAccount, RBAC, ConfigMap, Deployment (2 replicas), Service kube-dns. */
export function coreDnsObjects(): Array<{ path: string; body: object }> {
  const labels = { 'k8s-app': 'kube-dns' };
  const ns = 'kube-system';
  const corefile = [
    '.:53 {',
    '    errors',
    '    health { lameduck 5s }',
    '    ready',
    '    kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }',
    '    forward . /etc/resolv.conf',
    '    cache 30',
    '    loop',
    '    reload',
    '    loadbalance',
    '}',
    '',
  ].join('\n');
  return [
    { path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } } },
    {
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:coredns' },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
    },
    {
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'system:coredns' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
        subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: ns }],
      },
    },
    { path: `/api/v1/namespaces/${ns}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: ns }, data: { Corefile: corefile } } },
    {
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'coredns', namespace: ns, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: 'coredns',
              priorityClassName: 'system-cluster-critical',
              containers: [
                {
                  name: 'coredns',
                  image: COREDNS_IMAGE,
                  args: ['-conf', '/etc/coredns/Corefile'],
                  ports: [
                    { name: 'dns', containerPort: 53, protocol: 'UDP' },
                    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  ],
                  volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
                },
              ],
              volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
            },
          },
        },
      },
    },
    {
      path: `/api/v1/namespaces/${ns}/services`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: ns, labels: { ...labels, 'kubernetes.io/name': 'CoreDNS' } },
        spec: {
          selector: labels,
          clusterIP: CLUSTER_DNS_IP,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          ],
        },
      },
    },
  ];
}
