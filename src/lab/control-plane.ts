import path from 'node:path';
import { PACKAGE_ROOT } from '../core/paths.js';
import { apiserverArgs, controllerManagerArgs, etcdArgs, kwokArgs, schedulerArgs, type ComponentPlan } from './components.js';
import { ApiClient, adminTls, httpRequest } from './http.js';
import { isRunning, startProcess, stopProcess, type ProcessRecord } from './processes.js';
import { writeLabState, type Component, type LabState, labProcesses } from './state.js';
import { waitFor } from './wait.js';

/** How long one component may take to become healthy on a loaded 2-core machine. */
const HEALTH_TIMEOUT_MS = 90_000;

/** The argument-builder inputs of an existing lab. */
export function planOf(state: LabState): ComponentPlan {
  return {
    dir: state.dir,
    binaries: state.binaries,
    pki: state.pki,
    ports: state.ports,
    kubeconfig: state.kubeconfig,
    apiserverEtcdUrl: state.apiserverEtcdUrl,
    kwokStageFiles: state.kwokStageFiles,
  };
}

/** The log file of a component. */
export function logFile(state: Pick<LabState, 'dir'>, component: Component): string {
  return path.join(state.dir, 'logs', `${component}.log`);
}

function commandOf(state: LabState, component: Component): { command: string; args: string[] } {
  const plan = planOf(state);
  switch (component) {
    case 'etcd':
      return { command: state.binaries.etcd, args: etcdArgs(plan) };
    case 'proxy':
      // The injection proxy is `mutiny proxy` (src/inject/proxy); it runs as its own process so it can be
      // restarted or killed independently of the lab tooling.
      return {
        command: process.execPath,
        args: [
          path.join(PACKAGE_ROOT, 'bin', 'mutiny.js'),
          'proxy',
          `--listen=127.0.0.1:${state.ports.proxy}`,
          `--upstream=${state.etcdClientUrl}`,
          `--control=127.0.0.1:${state.ports.proxyControl}`,
        ],
      };
    case 'kube-apiserver':
      return { command: state.binaries['kube-apiserver'], args: apiserverArgs(plan) };
    case 'kube-controller-manager':
      return { command: state.binaries['kube-controller-manager'], args: controllerManagerArgs(plan) };
    case 'kube-scheduler':
      return { command: state.binaries['kube-scheduler'], args: schedulerArgs(plan) };
    case 'kwok':
      return { command: state.binaries.kwok, args: kwokArgs(plan) };
  }
}

/** True when the component answers its health endpoint (etcd /health, apiserver /readyz, the others /healthz). */
export async function componentHealthy(state: LabState, component: Component): Promise<boolean> {
  const ok = (r: { status: number; text: string }) => r.status === 200 && r.text.trim() === 'ok';
  switch (component) {
    case 'etcd': {
      const r = await httpRequest(`${state.etcdClientUrl}/health`, { timeoutMs: 2000 });
      return r.status === 200 && (JSON.parse(r.text) as { health: string }).health === 'true';
    }
    case 'proxy':
      return (await httpRequest(`${state.proxyControlUrl}/healthz`, { timeoutMs: 2000 })).status === 200;
    case 'kube-apiserver':
      return ok(await httpRequest(`${state.apiserverUrl}/readyz`, { tls: adminTls(state), timeoutMs: 5000 }));
    case 'kube-controller-manager':
      return ok(await httpRequest(`https://127.0.0.1:${state.ports.controllerManager}/healthz`, { tls: { insecure: true }, timeoutMs: 2000 }));
    case 'kube-scheduler':
      return ok(await httpRequest(`https://127.0.0.1:${state.ports.scheduler}/healthz`, { tls: { insecure: true }, timeoutMs: 2000 }));
    case 'kwok':
      return (await httpRequest(`http://127.0.0.1:${state.ports.kwok}/healthz`, { timeoutMs: 2000 })).status === 200;
  }
}

/**
 * Starts one component, records its pid in lab.json at once (so an interrupted start never loses a pid), and
 * waits for its health endpoint.
 */
export async function startComponent(state: LabState, component: Component, signal?: AbortSignal): Promise<ProcessRecord> {
  const { command, args } = commandOf(state, component);
  const record = startProcess(command, args, logFile(state, component));
  state.processes[component] = record;
  writeLabState(state);
  await waitFor(`${component} to become healthy`, () => componentHealthy(state, component), {
    timeoutMs: HEALTH_TIMEOUT_MS,
    process: { component, record },
    signal,
  });
  return record;
}

/**
 * Stops the given components (default: all) and forgets their pids: the Kubernetes components together, then
 * the proxy, then etcd last, so nothing loses its backend while still shutting down cleanly.
 */
export async function stopComponents(state: LabState, components?: readonly Component[]): Promise<void> {
  const targets = labProcesses(state).filter(([c]) => !components || components.includes(c));
  const waves: Component[][] = [['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver'], ['proxy'], ['etcd']];
  for (const wave of waves) {
    await Promise.all(
      targets
        .filter(([c]) => wave.includes(c))
        .map(async ([component, record]) => {
          await stopProcess(record);
          delete state.processes[component];
        }),
    );
  }
}

/** Components whose recorded process is no longer running (e.g. a control loop that exited on a lost lease). */
export function exitedComponents(state: LabState): Component[] {
  return labProcesses(state)
    .filter(([, record]) => !isRunning(record))
    .map(([component]) => component);
}

/** An admin API client for the lab. */
export function labApi(state: LabState): ApiClient {
  return ApiClient.forLab(state);
}
