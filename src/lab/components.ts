import path from 'node:path';
import type { LabBinaries } from './binaries.js';
import type { LabPki } from './pki.js';

/** Loopback ports of one lab. */
export interface LabPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
  proxy?: number;
  proxyControl?: number;
}

/** Inputs of the argument builders: pure data, so the command lines are testable without starting anything. */
export interface ComponentPlan {
  dir: string;
  binaries: LabBinaries;
  pki: LabPki;
  ports: LabPorts;
  kubeconfig: string;
  /** What the apiserver's --etcd-servers points at (etcd, or the injection proxy in front of it). */
  apiserverEtcdUrl: string;
  kwokStageFiles: string[];
}

/** The in-cluster service network; 10.96.0.1 is the `kubernetes` Service and is in the serving cert. */
export const SERVICE_CIDR = '10.96.0.0/16';
/** The pod network kwok assigns pod IPs from. */
export const POD_CIDR = '10.244.0.0/16';

/**
 * Seconds a pod tolerates its node being NotReady/unreachable before eviction. The default is 300 s; the lab
 * uses 5 s so Failover converges in seconds (admission plugin DefaultTolerationSeconds adds these tolerations).
 */
export const NOT_READY_TOLERATION_SECONDS = 5;
/**
 * kcm's node-monitor grace period: a node whose lease stops being renewed turns Unknown after this. Eight lease
 * renewals (every 2.5 s) must be missed, so a starved kwok on a loaded 2-core machine does not flap nodes.
 */
export const NODE_MONITOR_GRACE = '20s';
/** kwok's node lease duration; kwok renews at a fraction of it, well inside NODE_MONITOR_GRACE. */
export const NODE_LEASE_SECONDS = 10;

/** etcd 3.4: one member on loopback, data in DIR/etcd. */
export function etcdArgs(plan: ComponentPlan): string[] {
  const client = `http://127.0.0.1:${plan.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${plan.ports.etcdPeer}`;
  return [
    '--name=lab',
    `--data-dir=${path.join(plan.dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=lab=${peer}`,
    '--initial-cluster-state=new',
    '--quota-backend-bytes=2147483648',
    '--snapshot-count=10000',
    '--log-level=warn',
    '--logger=zap',
  ];
}

/** kube-apiserver on 127.0.0.1 with the lab PKI, RBAC, and short default tolerations. */
export function apiserverArgs(plan: ComponentPlan): string[] {
  const { pki } = plan;
  return [
    `--etcd-servers=${plan.apiserverEtcdUrl}`,
    '--etcd-prefix=/registry',
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${plan.ports.apiserver}`,
    `--cert-dir=${path.join(plan.dir, 'pki', 'apiserver-generated')}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    // One apiserver on loopback: the lease reconciler would refuse 127.0.0.1 as the kubernetes endpoint.
    '--endpoint-reconciler-type=none',
    `--default-not-ready-toleration-seconds=${NOT_READY_TOLERATION_SECONDS}`,
    `--default-unreachable-toleration-seconds=${NOT_READY_TOLERATION_SECONDS}`,
    // etcd 3.4.23 lacks progress requests (3.4.31+), so the apiserver cannot serve watch-list streams: it would
    // accept them and then end each with an error event, which client-go's reflectors retry forever without
    // falling back (kwok's leases then go stale). With the gate off such requests are refused with 422 up front
    // and every client falls back to plain LIST+WATCH.
    '--feature-gates=WatchList=false',
    '--profiling=false',
    '--v=1',
  ];
}

/**
 * Leader election as kubeadm runs it (a Lease in kube-system per component), so the lease state the field's
 * control-plane incidents name exists in the lab, with shorter timings than the 15 s/10 s/2 s defaults: a
 * component whose lease was taken exits (it always does on a lost lease) within a run's observation window.
 */
const LEADER_ELECTION_ARGS = ['--leader-elect=true', '--leader-elect-lease-duration=8s', '--leader-elect-renew-deadline=6s', '--leader-elect-retry-period=2s'];

/** The leader-election Leases (kube-system) of the lab's control loops, named after their components. */
export const LEADER_LEASES = ['kube-controller-manager', 'kube-scheduler'] as const;

/**
 * What kube-controller-manager and kube-scheduler share: the admin kubeconfig for API, authentication and
 * authorization, unauthenticated health/metrics, a self-signed serving cert on a loopback port, leader election.
 */
function controlLoopServingArgs(plan: ComponentPlan, port: number, certDirName: string): string[] {
  return [
    `--kubeconfig=${plan.kubeconfig}`,
    `--authentication-kubeconfig=${plan.kubeconfig}`,
    `--authorization-kubeconfig=${plan.kubeconfig}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${path.join(plan.dir, 'pki', certDirName)}`,
    ...LEADER_ELECTION_ARGS,
  ];
}

/** kube-controller-manager with the admin kubeconfig and fast node monitoring. */
export function controllerManagerArgs(plan: ComponentPlan): string[] {
  return [
    ...controlLoopServingArgs(plan, plan.ports.controllerManager, 'kcm-generated'),
    `--root-ca-file=${plan.pki.caCert}`,
    `--service-account-private-key-file=${plan.pki.serviceAccountKey}`,
    `--cluster-cidr=${POD_CIDR}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--use-service-account-credentials=false',
    '--node-monitor-period=1s',
    `--node-monitor-grace-period=${NODE_MONITOR_GRACE}`,
    '--profiling=false',
    '--v=1',
  ];
}

/** kube-scheduler with the admin kubeconfig. */
export function schedulerArgs(plan: ComponentPlan): string[] {
  return [
    ...controlLoopServingArgs(plan, plan.ports.scheduler, 'scheduler-generated'),
    '--profiling=false',
    '--v=1',
  ];
}

/** kwok managing every node, with the stage files `lab up` wrote (kwok has no built-in stages). */
export function kwokArgs(plan: ComponentPlan): string[] {
  return [
    `--kubeconfig=${plan.kubeconfig}`,
    '--manage-all-nodes=true',
    ...plan.kwokStageFiles.map((f) => `--config=${f}`),
    `--server-address=127.0.0.1:${plan.ports.kwok}`,
    `--cidr=${POD_CIDR}`,
    '--node-ip=127.0.0.1',
    `--node-lease-duration-seconds=${NODE_LEASE_SECONDS}`,
  ];
}
