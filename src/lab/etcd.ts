import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EtcdUnavailableError } from '../core/errors.js';

const execFileAsync = promisify(execFile);

/** Runs etcdctl (API v3) against one endpoint; failures name the endpoint and keep etcdctl's message. */
export async function etcdctl(etcdctlPath: string, endpoint: string, args: string[], timeoutMs = 30_000): Promise<string> {
  try {
    const { stdout } = await execFileAsync(etcdctlPath, [`--endpoints=${endpoint}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
    throw new EtcdUnavailableError(`etcdctl ${args[0]} at ${endpoint} failed: ${stderr.split('\n').pop()}; check \`mutiny lab logs etcd\``, { cause: error });
  }
}

/** Restores a snapshot into a fresh data dir for the single-member lab cluster (etcd must be stopped). */
export async function restoreSnapshot(etcdctlPath: string, snapshot: string, dataDir: string, peerUrl: string): Promise<void> {
  try {
    await execFileAsync(
      etcdctlPath,
      ['snapshot', 'restore', snapshot, `--data-dir=${dataDir}`, '--name=lab', `--initial-cluster=lab=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 60_000 },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
    throw new EtcdUnavailableError(`etcdctl snapshot restore of ${snapshot} failed: ${stderr.split('\n').pop()}`, { cause: error });
  }
}
