/**
 * The observation series a workload run produces: what the campaign stage classifies outcomes from. Plain JSON
 * (no classes, no Dates), so it can be stored in the campaign journal and read back by replay.
 */

/** The workloads of the paper: Deploy, Scale (up and back), Failover (pods recreated). */
export type WorkloadKind = 'deploy' | 'scale' | 'failover';

/** How Failover forces pods to be recreated. */
export type FailoverMode = 'delete-pods' | 'node-not-ready';

/** What a workload run was asked to do. */
export interface WorkloadSpec {
  kind: WorkloadKind;
  namespace: string;
  /** Replicas of the Deployment (Deploy, Failover) or the starting size (Scale). */
  replicas: number;
  /** Give up waiting for convergence after this long (the run then reports converged=false). */
  timeoutMs: number;
  /** Deployment and Service name (default `web`). */
  name?: string;
  /** Scale only: the size to scale up to before scaling back (default 2 x replicas). */
  scaleTo?: number;
  /** Failover only (default `delete-pods`). */
  failover?: FailoverMode;
}

/** The Deployment's status as the observer last saw it (null: it does not exist). */
export interface DeploymentSample {
  generation: number;
  observedGeneration: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  unavailable: number;
}

/** Pods of the workload (selected by its labels). */
export interface PodsSample {
  total: number;
  /** Count per status.phase (Pending, Running, Succeeded, Failed, Unknown). */
  byPhase: Record<string, number>;
  /** Pods with condition Ready=True and no deletionTimestamp. */
  ready: number;
  /** Pods with a deletionTimestamp. */
  terminating: number;
  /** Non-terminating pods per node name (`<unscheduled>` for none). */
  byNode: Record<string, number>;
}

/** Ready and not-ready addresses of the workload's Service, from Endpoints and from EndpointSlices. */
export interface ServiceEndpointsSample {
  endpointsReady: string[];
  endpointsNotReady: string[];
  sliceReady: string[];
  sliceNotReady: string[];
  /**
   * Ready EndpointSlice endpoints with the ports their slice routes to, as `ip:port` (one entry per address and
   * slice port; an address in a slice without ports has none). A client connects to exactly these. Absent in
   * observations recorded before ports were (they classify as before, from `sliceReady`).
   */
  sliceReadyPorts?: string[];
}

/**
 * The cluster DNS as the workload's clients depend on it: addresses of the kube-dns Service's EndpointSlices in
 * kube-system. No ready address means no client can resolve the workload's Service name.
 */
export interface ClusterDnsSample {
  ready: string[];
  notReady: string[];
}

/** Nodes of the cluster. */
export interface NodesSample {
  total: number;
  ready: number;
  /** Names of nodes whose Ready condition is not True. */
  notReady: string[];
}

/** One point of the time series, taken on every watch event and at least every `intervalMs`. */
export interface ObservationSample {
  /** Milliseconds since the run started. */
  t: number;
  deployment: DeploymentSample | null;
  pods: PodsSample;
  service: ServiceEndpointsSample;
  nodes: NodesSample;
  /** Absent in observations recorded before the cluster DNS was observed (they classify as before). */
  dns?: ClusterDnsSample;
}

/** One API request made by the workload or the observer's liveness probe. */
export interface ApiCallRecord {
  t: number;
  /** What was asked, e.g. `create deployment`, `probe get namespace`. */
  operation: string;
  ok: boolean;
  /** HTTP status when the server answered; absent for network errors and timeouts. */
  status?: number;
  latencyMs: number;
  error?: string;
}

/** A step of the workload (create, scale-up, scale-down, delete-pods, node-not-ready...) and when it converged. */
export interface WorkloadPhase {
  name: string;
  startedAt: number;
  /** When the phase's convergence condition first held (ms since the run started); null: it never did. */
  convergedAt: number | null;
  /** The condition, in words, e.g. `ready replicas = 3 and endpoints = 3`. */
  condition: string;
}

/** The whole record of one workload run. */
export interface Observation {
  apiVersion: 'mutiny/v1alpha1';
  kind: 'Observation';
  spec: WorkloadSpec;
  startedAt: string;
  /** Milliseconds the run took in total. */
  durationMs: number;
  /** True when every phase converged within the timeout. */
  converged: boolean;
  /** Time from the start of the run to the convergence of its last phase; null if it did not converge. */
  convergenceMs: number | null;
  phases: WorkloadPhase[];
  samples: ObservationSample[];
  apiCalls: ApiCallRecord[];
  /** Watch errors and reconnects seen by the observer. */
  watchErrors: Array<{ t: number; resource: string; message: string }>;
}
