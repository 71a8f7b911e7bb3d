/**
 * String fields that Kubernetes treats as enums (the .proto files type them as plain strings), keyed by
 * `<declaring message>.<json name>`. The `set` fault's `other-value` variant picks another value from here.
 */
export const ENUM_VALUES: Readonly<Record<string, readonly string[]>> = {
  'Container.imagePullPolicy': ['Always', 'IfNotPresent', 'Never'],
  'Container.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  'PodSpec.restartPolicy': ['Always', 'OnFailure', 'Never'],
  'PodSpec.dnsPolicy': ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  'PodSpec.preemptionPolicy': ['PreemptLowerPriority', 'Never'],
  'PodStatus.phase': ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'],
  'PodStatus.qosClass': ['Guaranteed', 'Burstable', 'BestEffort'],
  'PodCondition.type': ['PodScheduled', 'PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready'],
  'PodCondition.status': ['True', 'False', 'Unknown'],
  'NodeCondition.type': ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'],
  'NodeCondition.status': ['True', 'False', 'Unknown'],
  'DeploymentCondition.status': ['True', 'False', 'Unknown'],
  'ReplicaSetCondition.status': ['True', 'False', 'Unknown'],
  'JobCondition.status': ['True', 'False', 'Unknown'],
  'Condition.status': ['True', 'False', 'Unknown'],
  'NamespaceStatus.phase': ['Active', 'Terminating'],
  'ServiceSpec.type': ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
  'ServiceSpec.sessionAffinity': ['None', 'ClientIP'],
  'ServiceSpec.externalTrafficPolicy': ['Cluster', 'Local'],
  'ServiceSpec.internalTrafficPolicy': ['Cluster', 'Local'],
  'ContainerPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'ServicePort.protocol': ['TCP', 'UDP', 'SCTP'],
  'EndpointPort.protocol': ['TCP', 'UDP', 'SCTP'],
  'EndpointSlice.addressType': ['IPv4', 'IPv6', 'FQDN'],
  'Toleration.operator': ['Exists', 'Equal'],
  'Toleration.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'Taint.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'DeploymentStrategy.type': ['Recreate', 'RollingUpdate'],
  'DaemonSetUpdateStrategy.type': ['RollingUpdate', 'OnDelete'],
  'StatefulSetUpdateStrategy.type': ['RollingUpdate', 'OnDelete'],
  'StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'JobSpec.completionMode': ['NonIndexed', 'Indexed'],
  'LabelSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist'],
  'NodeSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'],
  'Secret.type': ['Opaque', 'kubernetes.io/service-account-token', 'kubernetes.io/dockerconfigjson', 'kubernetes.io/tls', 'kubernetes.io/basic-auth'],
  'Event.type': ['Normal', 'Warning'],
  'NodeAddress.type': ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'],
};

/** The enum values of a field, if Kubernetes treats it as an enum. */
export function enumValuesFor(parentMessage: string, jsonName: string): readonly string[] | undefined {
  return ENUM_VALUES[`${parentMessage}.${jsonName}`];
}
