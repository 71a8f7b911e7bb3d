import { readFileSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import { EtcdUnavailableError, InvalidDataError, MutinyError } from '../core/errors.js';

/** How to reach etcd. TLS material is read from files; it is never logged. */
export interface EtcdConnection {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** CA certificate file (turns on TLS). */
  cacert?: string;
  /** Client certificate file. */
  cert?: string;
  /** Client private key file. */
  keyFile?: string;
}

function readPem(file: string | undefined, flag: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new InvalidDataError(`${flag} ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? 'error'}); check the path`, { cause });
  }
}

/** Opens an etcd3 client (loaded lazily, so CLI start-up stays fast); every call gets a 5 s deadline. */
export async function connectEtcd(connection: EtcdConnection): Promise<Etcd3> {
  if (connection.endpoints.length === 0) throw new InvalidDataError('--endpoints: give at least one etcd client URL, e.g. http://127.0.0.1:2379');
  const { Etcd3 } = await import('etcd3');
  const rootCertificate = readPem(connection.cacert, '--cacert');
  const credentials = rootCertificate
    ? { rootCertificate, privateKey: readPem(connection.keyFile, '--key-file'), certChain: readPem(connection.cert, '--cert') }
    : undefined;
  return new Etcd3({ hosts: connection.endpoints, credentials, defaultCallOptions: () => ({ deadline: Date.now() + 5000 }) });
}

/** Runs an etcd call, turning transport errors into one-line EtcdUnavailableErrors naming the endpoint. */
export async function etcdCall<T>(endpoint: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (cause) {
    if (cause instanceof MutinyError) throw cause;
    throw new EtcdUnavailableError(`etcd at ${endpoint}: ${(cause as Error).message}; check --endpoints and that etcd is running`, { cause });
  }
}

/** One stored key-value pair. */
export interface StoredPair {
  key: string;
  value: Uint8Array;
  modRevision: number;
}

/** Reads the keys under `prefix` (at most `max`), in key order, in pages of `pageSize`. */
export async function readPrefix(client: Etcd3, endpoint: string, prefix: string, options: { pageSize?: number; max?: number } = {}): Promise<StoredPair[]> {
  const pageSize = options.pageSize ?? 500;
  const max = options.max ?? Infinity;
  const pairs: StoredPair[] = [];
  const end = Buffer.from(prefix);
  // The range end of a prefix: the prefix with its last byte incremented.
  end[end.length - 1] += 1;
  let from = prefix;
  for (;;) {
    const response = await etcdCall(endpoint, () => client.getAll().inRange({ start: from, end }).limit(pageSize).sort('Key', 'Ascend').exec());
    for (const kv of response.kvs) pairs.push({ key: kv.key.toString(), value: new Uint8Array(kv.value), modRevision: Number(kv.mod_revision) });
    if (!response.more || response.kvs.length === 0 || pairs.length >= max) return pairs.slice(0, max);
    from = `${response.kvs.at(-1)!.key.toString()}\u0000`;
  }
}
