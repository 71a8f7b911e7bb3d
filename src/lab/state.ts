import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InvalidDataError, LabNotReadyError } from '../core/errors.js';
import { stateDir } from '../core/paths.js';
import { isRunning, type ProcessRecord } from './processes.js';

/** The components of a lab, in start order (stopped in reverse). `proxy` runs only with `lab up --proxy`. */
export const COMPONENTS = ['etcd', 'proxy', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Component = (typeof COMPONENTS)[number];

const processSchema = z.strictObject({
  pid: z.number().int().positive(),
  command: z.string(),
  args: z.array(z.string()),
  log: z.string(),
  startedAt: z.string(),
});

const labStateSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('LabState'),
  labId: z.string(),
  dir: z.string(),
  /** `starting` until every component is healthy; a `starting` lab whose owner died is stale. */
  status: z.enum(['starting', 'up']),
  /** The pid of the `mutiny` process that ran `lab up`. */
  ownerPid: z.number().int(),
  createdAt: z.string(),
  kubernetesVersion: z.string(),
  binaries: z.strictObject({
    etcd: z.string(),
    etcdctl: z.string(),
    'kube-apiserver': z.string(),
    'kube-controller-manager': z.string(),
    'kube-scheduler': z.string(),
    kwok: z.string(),
  }),
  nodes: z.array(z.string()),
  /** The namespace workloads run in; reset returns it to empty. */
  experimentNamespace: z.string(),
  ports: z.strictObject({
    etcdClient: z.number().int(),
    etcdPeer: z.number().int(),
    apiserver: z.number().int(),
    controllerManager: z.number().int(),
    scheduler: z.number().int(),
    kwok: z.number().int(),
    proxy: z.number().int().optional(),
    proxyControl: z.number().int().optional(),
  }),
  kwokStageFiles: z.array(z.string()),
  /** etcd's own client URL: snapshots, the marker key and direct injection use it. */
  etcdClientUrl: z.string(),
  /** What kube-apiserver's --etcd-servers points at: etcd itself, or the injection proxy. */
  apiserverEtcdUrl: z.string(),
  proxyControlUrl: z.string().optional(),
  apiserverUrl: z.string(),
  kubeconfig: z.string(),
  pki: z.strictObject({
    caCert: z.string(),
    caKey: z.string(),
    apiserverCert: z.string(),
    apiserverKey: z.string(),
    adminCert: z.string(),
    adminKey: z.string(),
    serviceAccountKey: z.string(),
    serviceAccountPublicKey: z.string(),
  }),
  etcdDataDir: z.string(),
  processes: z.partialRecord(z.enum(COMPONENTS), processSchema),
  /** The golden state `lab reset` returns to, captured at the end of `lab up`. */
  golden: z
    .strictObject({
      snapshot: z.string(),
      /** JSON file with the per-object hashes of the golden state, for naming what differs after a reset. */
      digestFile: z.string(),
      digest: z.string(),
      objects: z.number().int(),
    })
    .optional(),
  startupSeconds: z.number().optional(),
});

/** Everything `lab up` started and where: the content of DIR/lab.json. */
export type LabState = z.infer<typeof labStateSchema>;

/** The default lab directory: stateDir()/lab. */
export function defaultLabDir(): string {
  return path.join(stateDir(), 'lab');
}

export function labStateFile(dir: string): string {
  return path.join(dir, 'lab.json');
}

/** Reads DIR/lab.json, or undefined when there is none. Throws on a file that does not validate. */
export function readLabStateIfPresent(dir: string): LabState | undefined {
  const file = labStateFile(dir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InvalidDataError(`${file}: not JSON (${(error as Error).message}); run \`mutiny lab down --dir ${dir}\``, { cause: error });
  }
  const parsed = labStateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${file}: ${issue.path.join('.')}: ${issue.message}; run \`mutiny lab down --dir ${dir}\``);
  }
  return parsed.data;
}

/** Reads the state of the lab in `dir`; throws LabNotReadyError when there is no lab there. */
export function readLabState(dir = defaultLabDir()): LabState {
  const state = readLabStateIfPresent(dir);
  if (!state) throw new LabNotReadyError(`no lab in ${dir}; run \`mutiny lab up\`${dir === defaultLabDir() ? '' : ` --dir ${dir}`}`);
  return state;
}

/** Writes DIR/lab.json atomically (temp file + rename), so a crash never leaves half a state file. */
export function writeLabState(state: LabState): void {
  const file = labStateFile(state.dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The started processes of a lab as [component, record] pairs in start order. */
export function labProcesses(state: LabState): Array<[Component, ProcessRecord]> {
  return COMPONENTS.flatMap((c) => (state.processes[c] ? [[c, state.processes[c]] as [Component, ProcessRecord]] : []));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A lab is stale when none of its processes run any more, or when it never finished starting and the `mutiny`
 * process that was starting it is gone (killed mid-`up`). A stale lab is cleaned by the next `lab up`.
 */
export function isStale(state: LabState): boolean {
  const running = labProcesses(state).some(([, p]) => isRunning(p));
  if (!running) return true;
  return state.status === 'starting' && state.ownerPid !== process.pid && !pidAlive(state.ownerPid);
}
