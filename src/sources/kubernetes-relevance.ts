/**
 * The rule that decides whether an entry of a general postmortem collection (danluu, icco, mybinder) is about
 * Kubernetes: a case-insensitive, word-boundary match of one of these terms in its title, text or tags.
 * Terms name Kubernetes itself, its components and managed offerings, or objects only Kubernetes has; generic
 * words (container, node, cluster, docker) are left out because outages of other systems use them too.
 */
export const KUBERNETES_TERMS: ReadonlyArray<{ term: string; pattern: RegExp }> = [
  { term: 'kubernetes', pattern: /\bkubernetes\b/i },
  { term: 'k8s', pattern: /\bk8s\b/i },
  { term: 'kube-*', pattern: /\bkube-(?:apiserver|scheduler|controller-manager|proxy|dns|state-metrics|system|aws|router)\b/i },
  { term: 'kubelet', pattern: /\bkubelet\b/i },
  { term: 'kubectl', pattern: /\bkubectl\b/i },
  { term: 'kubeadm', pattern: /\bkubeadm\b/i },
  { term: 'kubespawner', pattern: /\bkubespawner\b/i },
  { term: 'etcd', pattern: /\betcd\b/i },
  // Managed Kubernetes offerings; upper-case only so that ordinary words never match.
  { term: 'GKE', pattern: /\bGKE\b/ },
  { term: 'EKS', pattern: /\bEKS\b/ },
  { term: 'AKS', pattern: /\bAKS\b/ },
  { term: 'openshift', pattern: /\bopenshift\b/i },
  { term: 'pod(s)', pattern: /\bpods?\b/i },
  { term: 'coredns', pattern: /\bcoredns\b/i },
  { term: 'ingress-nginx', pattern: /\bingress-nginx\b/i },
  { term: 'container orchestration', pattern: /\bcontainer orchestration\b/i },
];

/** The Kubernetes terms found in the given texts (empty: not Kubernetes-related). */
export function kubernetesTerms(...texts: Array<string | null | undefined>): string[] {
  const joined = texts.filter((t): t is string => Boolean(t)).join('\n');
  return KUBERNETES_TERMS.filter(({ pattern }) => pattern.test(joined)).map(({ term }) => term);
}
