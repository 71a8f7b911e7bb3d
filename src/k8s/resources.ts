/** What an etcd key prefix holds: the storage version the apiserver writes there. */
export interface ResourceType {
  prefix: string;
  apiVersion: string;
  kind: string;
  /** Cluster-scoped kinds have no namespace segment in their keys (`/registry/minions/<name>`). */
  clusterScoped?: true;
}

/**
 * The apiserver's etcd key prefixes (`/registry/<resource>/[<namespace>/]<name>`) for the kinds mutiny decodes.
 * Some prefixes keep names from before the resource was renamed: nodes live under `minions`, Services under
 * `services/specs`, ReplicationControllers under `controllers`.
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  { prefix: '/registry/pods/', apiVersion: 'v1', kind: 'Pod' },
  { prefix: '/registry/minions/', apiVersion: 'v1', kind: 'Node', clusterScoped: true },
  { prefix: '/registry/services/specs/', apiVersion: 'v1', kind: 'Service' },
  { prefix: '/registry/services/endpoints/', apiVersion: 'v1', kind: 'Endpoints' },
  { prefix: '/registry/namespaces/', apiVersion: 'v1', kind: 'Namespace', clusterScoped: true },
  { prefix: '/registry/configmaps/', apiVersion: 'v1', kind: 'ConfigMap' },
  { prefix: '/registry/secrets/', apiVersion: 'v1', kind: 'Secret' },
  { prefix: '/registry/serviceaccounts/', apiVersion: 'v1', kind: 'ServiceAccount' },
  { prefix: '/registry/events/', apiVersion: 'v1', kind: 'Event' },
  { prefix: '/registry/persistentvolumeclaims/', apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { prefix: '/registry/persistentvolumes/', apiVersion: 'v1', kind: 'PersistentVolume', clusterScoped: true },
  { prefix: '/registry/controllers/', apiVersion: 'v1', kind: 'ReplicationController' },
  { prefix: '/registry/resourcequotas/', apiVersion: 'v1', kind: 'ResourceQuota' },
  { prefix: '/registry/limitranges/', apiVersion: 'v1', kind: 'LimitRange' },
  { prefix: '/registry/podtemplates/', apiVersion: 'v1', kind: 'PodTemplate' },
  { prefix: '/registry/deployments/', apiVersion: 'apps/v1', kind: 'Deployment' },
  { prefix: '/registry/replicasets/', apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { prefix: '/registry/statefulsets/', apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { prefix: '/registry/daemonsets/', apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { prefix: '/registry/controllerrevisions/', apiVersion: 'apps/v1', kind: 'ControllerRevision' },
  { prefix: '/registry/jobs/', apiVersion: 'batch/v1', kind: 'Job' },
  { prefix: '/registry/cronjobs/', apiVersion: 'batch/v1', kind: 'CronJob' },
  { prefix: '/registry/endpointslices/', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { prefix: '/registry/leases/', apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
  { prefix: '/registry/storageclasses/', apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', clusterScoped: true },
  { prefix: '/registry/csinodes/', apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', clusterScoped: true },
  { prefix: '/registry/volumeattachments/', apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', clusterScoped: true },
  { prefix: '/registry/priorityclasses/', apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', clusterScoped: true },
  { prefix: '/registry/poddisruptionbudgets/', apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { prefix: '/registry/networkpolicies/', apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { prefix: '/registry/ingress/', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { prefix: '/registry/ingressclasses/', apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', clusterScoped: true },
  { prefix: '/registry/clusterroles/', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', clusterScoped: true },
  { prefix: '/registry/clusterrolebindings/', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', clusterScoped: true },
  { prefix: '/registry/roles/', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { prefix: '/registry/rolebindings/', apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { prefix: '/registry/horizontalpodautoscalers/', apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { prefix: '/registry/ranges/', apiVersion: 'v1', kind: 'RangeAllocation', clusterScoped: true },
  { prefix: '/registry/ipaddresses/', apiVersion: 'networking.k8s.io/v1', kind: 'IPAddress', clusterScoped: true },
  { prefix: '/registry/servicecidrs/', apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', clusterScoped: true },
  { prefix: '/registry/flowschemas/', apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', clusterScoped: true },
  { prefix: '/registry/prioritylevelconfigurations/', apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', clusterScoped: true },
  { prefix: '/registry/validatingwebhookconfigurations/', apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', clusterScoped: true },
  { prefix: '/registry/mutatingwebhookconfigurations/', apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', clusterScoped: true },
  { prefix: '/registry/certificatesigningrequests/', apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', clusterScoped: true },
  { prefix: '/registry/runtimeclasses/', apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', clusterScoped: true },
];

/** A DNS-1123 label: what Kubernetes accepts as a namespace name, and what mutiny takes for campaign and rule names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True for kinds whose objects belong to no namespace (Node, Namespace, ClusterRole, ...). */
export function isClusterScoped(kind: string): boolean {
  return RESOURCE_TYPES.some((t) => t.kind === kind && t.clusterScoped);
}

/** The resource type an etcd key belongs to (longest matching prefix), if mutiny knows it. */
export function resourceTypeForKey(key: string): ResourceType | undefined {
  let best: ResourceType | undefined;
  for (const type of RESOURCE_TYPES) {
    if (key.startsWith(type.prefix) && (!best || type.prefix.length > best.prefix.length)) best = type;
  }
  return best;
}
