import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LabNotReadyError } from '../core/errors.js';
import type { Io } from '../core/io.js';
import { formatDuration } from '../core/progress.js';
import { cacheDir, PACKAGE_ROOT } from '../core/paths.js';
import { KUBERNETES_BINARIES, KUBERNETES_BUILD_DATE, KUBERNETES_VERSION, KWOK_VERSION, LAB_BINARIES, type LabBinary } from './versions.js';

/** The Go wrapper module that pins k8s.io/kubernetes (lab/go.mod). */
export const WRAPPER_MODULE_DIR = path.join(PACKAGE_ROOT, 'lab');

/** Absolute paths of every program the lab runs. */
export interface LabBinaries {
  etcd: string;
  etcdctl: string;
  'kube-apiserver': string;
  'kube-controller-manager': string;
  'kube-scheduler': string;
  kwok: string;
}

/** Where `lab build` puts binaries: one directory per Kubernetes version, outside the repo. */
export function binaryCacheDir(version = KUBERNETES_VERSION): string {
  return path.join(cacheDir(), 'lab', version);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * The directories searched for each binary, first match wins: `--bin-dir`, $KUBEBUILDER_ASSETS (an envtest
 * layout has kube-apiserver and etcd only; the rest then come from the cache), then the build cache.
 */
export function binarySearchPath(binDir?: string): string[] {
  return [binDir, process.env.KUBEBUILDER_ASSETS, binaryCacheDir()].filter((d): d is string => Boolean(d)).map((d) => path.resolve(d));
}

/** The binaries of LAB_BINARIES found nowhere in the search path. */
export function missingBinaries(binDir?: string): LabBinary[] {
  const dirs = binarySearchPath(binDir);
  return LAB_BINARIES.filter((b) => !dirs.some((d) => isExecutable(path.join(d, b))));
}

/** Finds every lab binary or throws one line saying which are missing and how to get them. */
export function resolveBinaries(binDir?: string): LabBinaries {
  const dirs = binarySearchPath(binDir);
  const find = (name: string, fallbackToPath: boolean): string | undefined =>
    dirs.map((d) => path.join(d, name)).find(isExecutable) ?? (fallbackToPath ? onPath(name) : undefined);
  const missing: string[] = [];
  const need = (name: string, fallbackToPath = false): string => {
    const found = find(name, fallbackToPath);
    if (!found) missing.push(name);
    return found ?? '';
  };
  const binaries: LabBinaries = {
    etcd: need('etcd', true),
    etcdctl: need('etcdctl', true),
    'kube-apiserver': need('kube-apiserver'),
    'kube-controller-manager': need('kube-controller-manager'),
    'kube-scheduler': need('kube-scheduler'),
    kwok: need('kwok'),
  };
  if (missing.length > 0) {
    throw new LabNotReadyError(
      `lab binaries not found (${missing.join(', ')}) in ${dirs.join(', ')}; run \`mutiny lab build\` (etcd/etcdctl: apt-get install etcd-server etcd-client)`,
    );
  }
  return binaries;
}

/** One finished build step, for the build report. */
export interface BuiltBinary {
  name: LabBinary;
  path: string;
  seconds: number;
  /** False when the binary was already present and reused. */
  built: boolean;
}

/** The environment every `go` invocation of the build uses: local toolchain only, static binaries. */
function goEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', ...extra };
}

/** -ldflags for the Kubernetes binaries: stripped, with the version variables `--version` and /version report. */
export function kubernetesLdflags(version = KUBERNETES_VERSION): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const pkg = 'k8s.io/component-base/version';
  const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: 'clean', buildDate: KUBERNETES_BUILD_DATE };
  return ['-s', '-w', ...Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`)].join(' ');
}

function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv, io: Io, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      tail.push(chunk.toString('utf8'));
      if (tail.length > 40) tail.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      reject(new LabNotReadyError(`cannot run \`go\` (${error.message}); install Go 1.26 or pass --bin-dir with prebuilt binaries`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      io.err.write(tail.join(''));
      reject(new LabNotReadyError(`\`go ${args.join(' ')}\` failed in ${cwd} (exit ${code}); see the output above`));
    });
  });
}

/**
 * Builds the missing lab binaries into binaryCacheDir(), one at a time with `-p 2` so a 2-core machine stays
 * within memory; present binaries are reused unless `force`. Writes one progress line per binary.
 */
export async function buildBinaries(io: Io, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<BuiltBinary[]> {
  const outDir = binaryCacheDir();
  if (!existsSync(path.join(WRAPPER_MODULE_DIR, 'go.mod'))) {
    throw new LabNotReadyError(`${WRAPPER_MODULE_DIR}/go.mod not found (an install without the lab module); pass --bin-dir with prebuilt binaries`);
  }
  mkdirSync(outDir, { recursive: true });
  const results: BuiltBinary[] = [];
  const steps = LAB_BINARIES.length;
  for (const [index, name] of LAB_BINARIES.entries()) {
    const target = path.join(outDir, name);
    const label = `[${index + 1}/${steps}] ${name}`;
    if (!options.force && isExecutable(target)) {
      io.err.write(`${label}: cached at ${target}\n`);
      results.push({ name, path: target, seconds: 0, built: false });
      continue;
    }
    io.err.write(`${label}: building ${name === 'kwok' ? `sigs.k8s.io/kwok ${KWOK_VERSION}` : `k8s.io/kubernetes ${KUBERNETES_VERSION}`}...\n`);
    const started = Date.now();
    const partial = `${target}.partial`;
    rmSync(partial, { force: true });
    if ((KUBERNETES_BINARIES as readonly string[]).includes(name)) {
      await runGo(
        ['build', '-p', '2', '-trimpath', '-ldflags', kubernetesLdflags(), '-o', partial, `k8s.io/kubernetes/cmd/${name}`],
        WRAPPER_MODULE_DIR,
        goEnvironment({ GOFLAGS: '-mod=mod' }),
        io,
        options.signal,
      );
    } else {
      // kwok has no replace lines, so `go install pkg@version` builds it from its own go.sum; GOBIN is a scratch dir.
      const gobin = path.join(outDir, '.gobin');
      await runGo(
        ['install', '-p', '2', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`],
        outDir,
        goEnvironment({ GOFLAGS: '', GOBIN: gobin }),
        io,
        options.signal,
      );
      renameSync(path.join(gobin, 'kwok'), partial);
      rmSync(gobin, { recursive: true, force: true });
    }
    renameSync(partial, target);
    const seconds = (Date.now() - started) / 1000;
    io.err.write(`${label}: built in ${formatDuration(seconds)}\n`);
    results.push({ name, path: target, seconds, built: true });
  }
  return results;
}

