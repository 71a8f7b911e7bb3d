import type * as K8s from '@kubernetes/client-node';
import type {
  ApiCallRecord,
  ClusterDnsSample,
  DeploymentSample,
  NodesSample,
  ObservationSample,
  PodsSample,
  ServiceEndpointsSample,
} from './observation.js';

type ClientNode = typeof K8s;

/** Options of the observer: how often to sample and probe, and a callback per new sample (live display). */
export interface ObserverOptions {
  /** Sample (and probe the API) at least this often, in ms (default 250). */
  intervalMs?: number;
  onSample?: (sample: ObservationSample) => void;
}

const RECORDED = Symbol('mutiny.recordedApiFailure');

/** True for an error thrown by WorkloadObserver.timed: an API request that failed and is already recorded. */
export function isRecordedApiFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RECORDED in error;
}

interface Waiter {
  condition: (sample: ObservationSample) => boolean;
  resolve: (t: number | null) => void;
  timer: NodeJS.Timeout;
}

function isPodReady(pod: K8s.V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
}

const unique = (values: string[]) => [...new Set(values)].sort();

/** An EndpointSlice endpoint counts as ready unless its ready condition is false (the API's own reading of unset). */
const isEndpointReady = (endpoint: K8s.V1Endpoint) => endpoint.conditions?.ready !== false;

/** The cluster DNS Service, as kubeadm names it and the lab creates it (src/lab/manifests.ts coreDnsObjects). */
export const CLUSTER_DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' } as const;

/**
 * Watches one workload (Deployment `name`, its pods by label app=name, Service endpoints and EndpointSlices
 * with their ports), the nodes and the cluster DNS Service's EndpointSlices through list+watch informers, and
 * turns every change into an ObservationSample. It also probes
 * the API every interval (GET the namespace) and records each request's success and latency.
 */
export class WorkloadObserver {
  readonly samples: ObservationSample[] = [];
  readonly apiCalls: ApiCallRecord[] = [];
  readonly watchErrors: Array<{ t: number; resource: string; message: string }> = [];
  private readonly started = Date.now();
  private readonly informers: Array<K8s.Informer<K8s.KubernetesObject> & K8s.ObjectCache<K8s.KubernetesObject>> = [];
  private readonly waiters = new Set<Waiter>();
  private lastKey = '';
  private ticker: NodeJS.Timeout | undefined;
  private probing = false;
  private deployments!: K8s.ObjectCache<K8s.V1Deployment>;
  private pods!: K8s.ObjectCache<K8s.V1Pod>;
  private endpoints!: K8s.ObjectCache<K8s.V1Endpoints>;
  private slices!: K8s.ObjectCache<K8s.V1EndpointSlice>;
  private nodes!: K8s.ObjectCache<K8s.V1Node>;
  private dnsSlices!: K8s.ObjectCache<K8s.V1EndpointSlice>;

  constructor(
    private readonly k8s: ClientNode,
    private readonly kubeConfig: K8s.KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    private readonly options: ObserverOptions = {},
  ) {}

  /** Milliseconds since the observer was created (the run's time base). */
  now(): number {
    return Date.now() - this.started;
  }

  /** Starts the informers (each lists, then watches) and the sampling/probe ticker. */
  async start(): Promise<void> {
    const { k8s, kubeConfig: kc, namespace: ns, name } = this;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    const add = <T extends K8s.KubernetesObject>(resource: string, path: string, list: K8s.ListPromise<T>, labelSelector?: string) => {
      const informer = k8s.makeInformer<T>(kc, path, list, labelSelector);
      informer.on('change', () => this.sample());
      informer.on('error', (error: unknown) => {
        this.watchErrors.push({ t: this.now(), resource, message: (error as Error)?.message ?? String(error) });
      });
      this.informers.push(informer as unknown as K8s.Informer<K8s.KubernetesObject> & K8s.ObjectCache<K8s.KubernetesObject>);
      return informer;
    };
    this.deployments = add('deployments', `/apis/apps/v1/namespaces/${ns}/deployments`, () => apps.listNamespacedDeployment({ namespace: ns }));
    this.pods = add('pods', `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns, labelSelector: `app=${name}` }), `app=${name}`);
    this.endpoints = add('endpoints', `/api/v1/namespaces/${ns}/endpoints`, () => core.listNamespacedEndpoints({ namespace: ns }));
    const sliceSelector = `kubernetes.io/service-name=${name}`;
    this.slices = add(
      'endpointslices',
      `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`,
      () => discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: sliceSelector }),
      sliceSelector,
    );
    this.nodes = add('nodes', '/api/v1/nodes', () => core.listNode());
    const dns = CLUSTER_DNS_SERVICE;
    const dnsSelector = `kubernetes.io/service-name=${dns.name}`;
    this.dnsSlices = add(
      'dns endpointslices',
      `/apis/discovery.k8s.io/v1/namespaces/${dns.namespace}/endpointslices`,
      () => discovery.listNamespacedEndpointSlice({ namespace: dns.namespace, labelSelector: dnsSelector }),
      dnsSelector,
    );
    await Promise.all(this.informers.map((i) => i.start()));
    this.sample();
    const interval = this.options.intervalMs ?? 250;
    this.ticker = setInterval(() => {
      this.sample(true);
      void this.probe(core);
    }, interval);
  }

  private async probe(core: K8s.CoreV1Api): Promise<void> {
    if (this.probing) return; // one probe in flight at a time: a hung apiserver shows as one long request
    this.probing = true;
    try {
      await this.timed('probe get namespace', () => core.readNamespace({ name: this.namespace }));
    } catch {
      // Recorded by timed().
    } finally {
      this.probing = false;
    }
  }

  /**
   * Runs one API request, recording success, HTTP status and latency; rethrows its error. An error whose status
   * is in `expectedStatuses` (e.g. 409 for "create if absent") is recorded as a success and resolves undefined.
   */
  async timed<T>(operation: string, request: () => Promise<T>, expectedStatuses: number[] = []): Promise<T | undefined> {
    const t = this.now();
    const begin = performance.now();
    const latency = () => Math.round((performance.now() - begin) * 10) / 10;
    try {
      const result = await request();
      this.apiCalls.push({ t, operation, ok: true, latencyMs: latency() });
      return result;
    } catch (error) {
      const status = (error as { code?: number }).code;
      if (typeof status === 'number' && expectedStatuses.includes(status)) {
        this.apiCalls.push({ t, operation, ok: true, status, latencyMs: latency() });
        return undefined;
      }
      this.apiCalls.push({
        t,
        operation,
        ok: false,
        ...(typeof status === 'number' ? { status } : {}),
        latencyMs: latency(),
        error: String((error as Error)?.message ?? error).split('\n')[0].slice(0, 200),
      });
      if (typeof error === 'object' && error !== null) Object.defineProperty(error, RECORDED, { value: true });
      throw error;
    }
  }

  /** The current state, from the informer caches. */
  current(): ObservationSample {
    return {
      t: this.now(),
      deployment: this.deploymentSample(),
      pods: this.podsSample(),
      service: this.serviceSample(),
      nodes: this.nodesSample(),
      dns: this.dnsSample(),
    };
  }

  /** Pods of the workload as the observer sees them now. */
  podList(): K8s.V1Pod[] {
    return [...this.pods.list(this.namespace)];
  }

  private sample(tick = false): void {
    if (this.informers.length === 0) return;
    const sample = this.current();
    const { t: _t, ...content } = sample;
    const key = JSON.stringify(content);
    if (key !== this.lastKey || (tick && this.samples.length > 0 && sample.t - this.samples[this.samples.length - 1].t >= 1000)) {
      this.lastKey = key;
      this.samples.push(sample);
      this.options.onSample?.(sample);
    }
    for (const waiter of this.waiters) {
      if (waiter.condition(sample)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(sample.t);
      }
    }
  }

  /** Resolves with the time (ms since start) at which `condition` first holds, or null after `timeoutMs`. */
  waitUntil(condition: (sample: ObservationSample) => boolean, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = { condition, resolve, timer: setTimeout(() => (this.waiters.delete(waiter), resolve(null)), timeoutMs) };
      this.waiters.add(waiter);
      this.sample();
    });
  }

  /** Stops sampling, probing and every watch. */
  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(null);
    }
    this.waiters.clear();
    await Promise.all(this.informers.map((i) => i.stop()));
    this.informers.length = 0;
  }

  private deploymentSample(): DeploymentSample | null {
    const d = this.deployments.get(this.name, this.namespace);
    if (!d) return null;
    const s = d.status ?? {};
    return {
      generation: d.metadata?.generation ?? 0,
      observedGeneration: s.observedGeneration ?? 0,
      desired: d.spec?.replicas ?? 1,
      updated: s.updatedReplicas ?? 0,
      ready: s.readyReplicas ?? 0,
      available: s.availableReplicas ?? 0,
      unavailable: s.unavailableReplicas ?? 0,
    };
  }

  private podsSample(): PodsSample {
    const pods = this.pods.list(this.namespace);
    const byPhase: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    let ready = 0;
    let terminating = 0;
    for (const pod of pods) {
      const phase = pod.status?.phase ?? 'Unknown';
      byPhase[phase] = (byPhase[phase] ?? 0) + 1;
      if (pod.metadata?.deletionTimestamp) {
        terminating++;
        continue;
      }
      const node = pod.spec?.nodeName ?? '<unscheduled>';
      byNode[node] = (byNode[node] ?? 0) + 1;
      if (isPodReady(pod)) ready++;
    }
    return { total: pods.length, byPhase, ready, terminating, byNode };
  }

  private serviceSample(): ServiceEndpointsSample {
    const endpoints = this.endpoints.get(this.name, this.namespace);
    const subsets = endpoints?.subsets ?? [];
    const slices = this.slices.list(this.namespace);
    const sliceEndpoints = slices.flatMap((s) => s.endpoints ?? []);
    // kube-proxy routes a Service port to each ready address on each numbered port of that address's slice.
    const readyPorts = slices.flatMap((s) => {
      const ports = (s.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [p.port]));
      return (s.endpoints ?? []).filter(isEndpointReady).flatMap((e) => e.addresses.flatMap((a) => ports.map((p) => `${a}:${p}`)));
    });
    return {
      endpointsReady: unique(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip))),
      endpointsNotReady: unique(subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip))),
      sliceReady: unique(sliceEndpoints.filter(isEndpointReady).flatMap((e) => e.addresses)),
      sliceNotReady: unique(sliceEndpoints.filter((e) => !isEndpointReady(e)).flatMap((e) => e.addresses)),
      sliceReadyPorts: unique(readyPorts),
    };
  }

  private dnsSample(): ClusterDnsSample {
    const endpoints = this.dnsSlices.list(CLUSTER_DNS_SERVICE.namespace).flatMap((s) => s.endpoints ?? []);
    return {
      ready: unique(endpoints.filter(isEndpointReady).flatMap((e) => e.addresses)),
      notReady: unique(endpoints.filter((e) => !isEndpointReady(e)).flatMap((e) => e.addresses)),
    };
  }

  private nodesSample(): NodesSample {
    const nodes = this.nodes.list();
    const notReady = nodes
      .filter((n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata?.name ?? '')
      .sort();
    return { total: nodes.length, ready: nodes.length - notReady.length, notReady };
  }
}
