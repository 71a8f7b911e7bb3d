import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LabNotReadyError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { formatDuration } from '../core/progress.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { resolveBinaries } from './binaries.js';
import { labApi, startComponent, stopComponents } from './control-plane.js';
import { captureGolden, waitSettled, writeMarker } from './golden.js';
import { writeKubeconfig } from './kubeconfig.js';
import { coreDnsObjects, kwokNode, namespace, nodeName } from './manifests.js';
import { createPki } from './pki.js';
import { freeLoopbackPorts } from './ports.js';
import { defaultLabDir, isStale, readLabStateIfPresent, writeLabState, type LabState } from './state.js';
import { KUBERNETES_VERSION } from './versions.js';
import { InterruptedError } from './wait.js';

/** Options of `upLab` (and `mutiny lab up`). */
export interface UpOptions {
  /** Lab directory (default stateDir()/lab). */
  dir?: string;
  /** Number of kwok nodes (default 3). */
  nodes?: number;
  /** Directory with prebuilt binaries (else $KUBEBUILDER_ASSETS, then the build cache). */
  binDir?: string;
  /** Start `mutiny proxy` between kube-apiserver and etcd. */
  proxy?: boolean;
  /** Point kube-apiserver's --etcd-servers here instead (an injection proxy the caller runs itself). */
  etcdServers?: string;
  /** The namespace workloads run in and reset empties (default `mutiny`). */
  experimentNamespace?: string;
  /** Progress lines go here. */
  io?: Io;
  /** Aborting stops what was started and rejects with InterruptedError. */
  signal?: AbortSignal;
}

/** The directory of kwok stage files shipped with mutiny (copied from kwok; see its README). */
const KWOK_STAGES_DIR = path.join(PACKAGE_ROOT, 'lab', 'kwok-stages');

const SETTLE_TIMEOUT_MS = 120_000;

/**
 * Removes a stale lab left by a crash (dead pids, or an interrupted `up` whose owner died): stops any of its
 * processes still running, then deletes the directory. Refuses a live lab.
 */
export async function clearStaleLab(dir: string): Promise<void> {
  const previous = readLabStateIfPresent(dir);
  if (previous && !isStale(previous)) {
    throw new LabNotReadyError(`a lab is already up in ${dir} (apiserver ${previous.apiserverUrl}); run \`mutiny lab down${dir === defaultLabDir() ? '' : ` --dir ${dir}`}\` first`);
  }
  if (previous) await stopComponents(previous);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts a lab: PKI, kubeconfig, free loopback ports, then etcd -> (proxy) -> kube-apiserver -> kube-controller-
 * manager + kube-scheduler -> kwok, each health-checked; writes the marker key, creates the kwok nodes, the
 * experiment namespace and CoreDNS, waits for the cluster to settle and records the golden state for reset.
 * On any failure or abort, every started process is stopped; the directory keeps the logs.
 */
export async function upLab(options: UpOptions = {}): Promise<LabState> {
  const started = Date.now();
  const dir = path.resolve(options.dir ?? defaultLabDir());
  const nodeCount = options.nodes ?? 3;
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 100) {
    throw new LabNotReadyError(`--nodes ${options.nodes}: must be an integer from 1 to 100`);
  }
  const say = (line: string) => options.io?.err.write(`[${formatDuration((Date.now() - started) / 1000)}] ${line}\n`);
  const binaries = resolveBinaries(options.binDir);
  await clearStaleLab(dir);
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  mkdirSync(path.join(dir, 'kwok'), { recursive: true });

  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok, proxy, proxyControl] = await freeLoopbackPorts(8);
  const pki = await createPki(dir);
  const kubeconfig = path.join(dir, 'kubeconfig');
  const apiserverUrl = `https://127.0.0.1:${apiserver}`;
  writeKubeconfig(kubeconfig, apiserverUrl, pki);
  const kwokStageFiles = readdirSync(KWOK_STAGES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const target = path.join(dir, 'kwok', f);
      copyFileSync(path.join(KWOK_STAGES_DIR, f), target);
      return target;
    });
  const etcdClientUrl = `http://127.0.0.1:${etcdClient}`;
  const state: LabState = {
    apiVersion: 'mutiny/v1alpha1',
    kind: 'LabState',
    labId: `lab-${randomBytes(4).toString('hex')}`,
    dir,
    status: 'starting',
    ownerPid: process.pid,
    createdAt: new Date().toISOString(),
    kubernetesVersion: KUBERNETES_VERSION,
    binaries,
    nodes: Array.from({ length: nodeCount }, (_, i) => nodeName(i)),
    experimentNamespace: options.experimentNamespace ?? 'mutiny',
    ports: options.proxy ? { etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok, proxy, proxyControl } : { etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok },
    kwokStageFiles,
    etcdClientUrl,
    apiserverEtcdUrl: options.proxy ? `http://127.0.0.1:${proxy}` : (options.etcdServers ?? etcdClientUrl),
    proxyControlUrl: options.proxy ? `http://127.0.0.1:${proxyControl}` : undefined,
    apiserverUrl,
    kubeconfig,
    pki,
    etcdDataDir: path.join(dir, 'etcd'),
    processes: {},
  };
  writeLabState(state);

  try {
    await startComponent(state, 'etcd', options.signal);
    await writeMarker(state);
    say(`etcd up at ${etcdClientUrl} (marker written)`);
    if (options.proxy) {
      await startComponent(state, 'proxy', options.signal);
      say(`injection proxy up at ${state.apiserverEtcdUrl} (control ${state.proxyControlUrl})`);
    }
    await startComponent(state, 'kube-apiserver', options.signal);
    say(`kube-apiserver ready at ${apiserverUrl}`);
    await Promise.all([
      startComponent(state, 'kube-controller-manager', options.signal),
      startComponent(state, 'kube-scheduler', options.signal),
    ]);
    say('kube-controller-manager and kube-scheduler healthy');
    await startComponent(state, 'kwok', options.signal);
    say(`kwok healthy (simulated nodes: no containers run)`);

    const api = labApi(state);
    for (const name of state.nodes) await api.create('/api/v1/nodes', kwokNode(name));
    await api.create('/api/v1/namespaces', namespace(state.experimentNamespace));
    for (const { path: p, body } of coreDnsObjects()) await api.create(p, body);
    await waitSettled(state, SETTLE_TIMEOUT_MS, options.signal);
    say(`${nodeCount} node(s) Ready, CoreDNS stand-in available, namespace ${state.experimentNamespace} created`);
    await captureGolden(state);
    say(`golden state captured (${state.golden?.objects} objects)`);
    state.status = 'up';
    state.startupSeconds = (Date.now() - started) / 1000;
    writeLabState(state);
    return state;
  } catch (error) {
    await stopComponents(state);
    writeLabState(state);
    if (options.signal?.aborted && !(error instanceof InterruptedError)) throw new InterruptedError('lab up');
    throw error;
  }
}
