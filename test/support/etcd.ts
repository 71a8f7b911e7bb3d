import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running throwaway etcd: its client URL and a way to stop it (kills it, removes its data dir). */
export interface EtcdInstance {
  /** Client URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  /** Data directory (removed by stop()). */
  dataDir: string;
  /** Process id of the etcd server. */
  pid: number;
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** How long to wait for /health to answer true (default 20 s). */
  timeoutMs?: number;
}

let etcdChecked = false;

function ensureEtcdBinary(): void {
  if (etcdChecked) return;
  const probe = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'etcd binary not found on PATH; install it (Debian/Ubuntu: `apt-get install etcd-server`) to run tests that need a real etcd',
    );
  }
  etcdChecked = true;
}

/** Asks the kernel for a free loopback port. Another process may take it before etcd binds; startEtcd retries. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!response.ok) return false;
    const body = (await response.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(timeoutMs: number): Promise<EtcdInstance> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-etcd-'));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    'etcd',
    [
      '--name', 'mutiny-test',
      '--data-dir', dataDir,
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `mutiny-test=${peerUrl}`,
      '--initial-cluster-state', 'new',
      '--log-level', 'error',
      '--logger', 'zap',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // If this test process dies without calling stop() (a killed vitest worker, a crash), a detached watchdog
  // kills etcd and removes its data dir, so no orphaned etcd outlives the run.
  if (child.pid !== undefined) {
    const watchdog = spawn(
      'sh',
      ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill -9 "$2" 2>/dev/null; rm -rf "$3"', 'etcd-watchdog', String(process.pid), String(child.pid), dataDir],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGKILL');
      await waitForExit(child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await healthy(endpoint)) {
      return { endpoint, dataDir, pid: child.pid ?? -1, stop };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`etcd on ${endpoint} did not become healthy within ${timeoutMs} ms${exited ? ' (it exited)' : ''}: ${stderr.trim()}`);
}

/**
 * Starts a real single-member etcd on free loopback ports with a temporary data dir and waits until /health
 * says true. Use in beforeAll and call stop() in afterAll. Throws (never skips) when `etcd` is not installed.
 *
 *   const etcd = await startEtcd();
 *   const client = new Etcd3({ hosts: etcd.endpoint });
 *   ...
 *   await etcd.stop();
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdInstance> {
  ensureEtcdBinary();
  const timeoutMs = options.timeoutMs ?? 20_000;
  let lastError: unknown;
  // A port picked by freePort can be taken before etcd binds it; a fresh pair almost always works.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
