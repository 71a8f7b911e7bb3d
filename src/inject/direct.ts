import type { Etcd3 } from 'etcd3';
import { InvalidDataError, MutinyError } from '../core/errors.js';
import { LAB_MARKER_KEY } from '../core/lab-marker.js';
import { decodeStoredValue, type JsonObject } from '../k8s/index.js';
import { RESOURCE_TYPES, resourceTypeForKey } from '../k8s/resources.js';
import { diffObjects, type DiffLine } from './diff.js';
import { connectEtcd, etcdCall, readPrefix, type EtcdConnection } from './etcd-client.js';
import { applyFault, type FaultContext, type FaultSpec } from './faults.js';
import { Journal, type JournalEntry } from './journal.js';

export type { EtcdConnection } from './etcd-client.js';

/** A concurrent write changed the key between our read and our transaction, more times than we retry. */
export class InjectionConflictError extends MutinyError {}

/** The etcd is not a mutiny lab and --allow-foreign-cluster was not given. */
export class ForeignClusterError extends MutinyError {}

export interface InjectOptions {
  /** Print what would change, write nothing (no journal row either). */
  dryRun?: boolean;
  /** How many times to re-read and re-apply after a concurrent write (default 3; 0 aborts on the first). */
  retries?: number;
  /** Candidate names/uids for other-name/other-uid; gathered from etcd when not given. */
  context?: FaultContext;
  /** Called after the journal row is written and before the transaction (crash-recovery tests, campaign hooks). */
  afterJournal?: (id: number) => Promise<void> | void;
}

/** What an injection did (or, with dryRun, would do). */
export interface InjectionResult {
  /** Journal id; null for a dry run. */
  id: number | null;
  key: string;
  description: string;
  fieldPath?: string;
  before?: unknown;
  after?: unknown;
  originalModRevision: number;
  /** The key's mod_revision after our write (null for a dry run). */
  writtenModRevision: number | null;
  attempts: number;
  dryRun: boolean;
  /** Decoded-object changes (leaf paths), or the decode error of the faulty value. */
  diff: DiffLine[] | string;
}

export type RestoreOutcome = 'restored' | 'never-written' | 'conflict' | 'nothing-to-do';

export interface RestoreResult {
  id: number;
  key: string;
  outcome: RestoreOutcome;
  message: string;
  modRevision?: number;
}

function bytesEqual(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (!a || !b) return a === b || (!a && !b);
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function decodeOrError(bytes: Uint8Array | null, key: string): JsonObject | string | null {
  if (bytes === null) return null;
  try {
    return decodeStoredValue(bytes, key);
  } catch (error) {
    return `<undecodable: ${(error as Error).message}>`;
  }
}

/**
 * Direct injection into a running etcd: read a value and its mod_revision, apply a fault, journal it, then write
 * with a transaction that compares mod_revision, so a concurrent writer is never clobbered. Restores put the
 * journaled originals back the same way. One Injector keeps one connection and one journal open; close it.
 */
export class Injector {
  private constructor(
    private readonly client: Etcd3,
    readonly journal: Journal,
    readonly endpoint: string,
  ) {}

  /**
   * Connects and checks the lab marker (/mutiny/lab) unless allowForeignCluster. The journal defaults to
   * stateDir()/journal.sqlite.
   */
  static async open(connection: EtcdConnection, options: { journalPath?: string; allowForeignCluster?: boolean } = {}): Promise<Injector> {
    const client = await connectEtcd(connection);
    const endpoint = connection.endpoints.join(',');
    let journal: Journal | undefined;
    try {
      const marker = await etcdCall(endpoint, () => client.get(LAB_MARKER_KEY).buffer());
      if (marker === null && !options.allowForeignCluster) {
        throw new ForeignClusterError(`etcd at ${endpoint} has no ${LAB_MARKER_KEY} marker, so it is not a mutiny lab; pass --allow-foreign-cluster to write to it anyway`);
      }
      journal = new Journal(options.journalPath);
    } catch (error) {
      client.close();
      throw error;
    }
    return new Injector(client, journal, endpoint);
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return etcdCall(this.endpoint, operation);
  }

  private async read(key: string): Promise<{ value: Uint8Array; modRevision: number } | null> {
    const response = await this.call(() => this.client.get(key).exec());
    const kv = response.kvs[0];
    return kv ? { value: new Uint8Array(kv.value), modRevision: Number(kv.mod_revision) } : null;
  }

  /** Applies `fault` to the value at `key`: journal first, then a mod_revision-guarded transaction. */
  async inject(key: string, fault: FaultSpec, options: InjectOptions = {}): Promise<InjectionResult> {
    if (fault.model === 'drop') {
      throw new InvalidDataError(`fault drop on ${key}: drop loses a write in flight, which only the proxy can do; for a value at rest use delete`);
    }
    const retries = options.retries ?? 3;
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(key);
      if (!current) throw new InvalidDataError(`${key}: not found in etcd at ${this.endpoint}; list keys with etcdctl get --prefix --keys-only /registry/`);
      const context = options.context ?? (fault.model === 'set' ? await this.gatherCandidates(key, fault, current.value) : {});
      const application = applyFault(current.value, key, fault, context);
      const beforeObject = decodeOrError(current.value, key);
      const afterObject = decodeOrError(application.bytes, key);
      const diff = typeof beforeObject === 'object' && beforeObject !== null && typeof afterObject === 'object'
        ? diffObjects(beforeObject, afterObject ?? undefined)
        : String(afterObject);
      const result: InjectionResult = {
        id: null,
        key,
        description: application.description,
        fieldPath: application.fieldPath,
        before: application.before,
        after: application.after,
        originalModRevision: current.modRevision,
        writtenModRevision: null,
        attempts: attempt,
        dryRun: options.dryRun === true,
        diff,
      };
      if (options.dryRun) return result;

      const id = this.journal.begin({
        endpoint: this.endpoint,
        key,
        fault,
        description: application.description,
        fieldPath: application.fieldPath,
        original: current.value,
        originalModRevision: current.modRevision,
        injected: application.bytes,
      });
      result.id = id;
      await options.afterJournal?.(id);
      const write = application.bytes ? this.client.put(key).value(Buffer.from(application.bytes)) : this.client.delete().key(key);
      // A failure here leaves the row pending: the write may or may not have landed; restore finds out.
      const txn = await this.call(() => this.client.if(key, 'Mod', '==', current.modRevision).then(write).commit());
      if (txn.succeeded) {
        result.writtenModRevision = Number(txn.header.revision);
        this.journal.markWritten(id, result.writtenModRevision);
        return result;
      }
      this.journal.markAborted(id, `conflict: ${key} changed after mod_revision ${current.modRevision} (attempt ${attempt})`);
      if (attempt > retries) {
        throw new InjectionConflictError(`${key}: changed by another writer ${attempt} time(s) between read and write; nothing was overwritten (journal id ${id}); retry when the cluster is quieter or raise --retries`);
      }
    }
  }

  /** Names and uids of other objects the `other-name`/`other-uid` variants may pick, read from etcd. */
  private async gatherCandidates(key: string, fault: FaultSpec, value: Uint8Array): Promise<FaultContext> {
    if (fault.variant !== undefined && fault.variant !== 'other-name' && fault.variant !== 'other-uid') return {};
    const prefix = candidatePrefix(key, fault.field ?? '', value);
    const names: string[] = [];
    const uids: string[] = [];
    // A sample is enough to find other valid names; reading every pod of a large cluster is not.
    for (const pair of await readPrefix(this.client, this.endpoint, prefix, { max: 1000 })) {
      const otherKey = pair.key;
      names.push(otherKey.slice(otherKey.lastIndexOf('/') + 1));
      try {
        const uid = (decodeStoredValue(pair.value, otherKey).metadata as JsonObject | undefined)?.uid;
        if (typeof uid === 'string') uids.push(uid);
      } catch {
        // Undecodable neighbours (encrypted, corrupt) just offer no uid.
      }
    }
    return { names, uids };
  }

  /** Puts the original back for one journal entry, by compare-and-swap against what etcd holds now. */
  async restore(id: number, options: { force?: boolean } = {}): Promise<RestoreResult> {
    const entry = this.journal.get(id);
    if (entry.state === 'restored' || entry.state === 'aborted') {
      return { id, key: entry.key, outcome: 'nothing-to-do', message: `injection ${id} is already ${entry.state}` };
    }
    const current = await this.read(entry.key);
    const holdsOriginal = current !== null && current.modRevision === entry.originalModRevision && bytesEqual(current.value, entry.original);
    if (entry.state === 'pending' && holdsOriginal) {
      this.journal.markAborted(id, 'never written: etcd still holds the original at its revision');
      return { id, key: entry.key, outcome: 'never-written', message: `injection ${id} was never written; ${entry.key} still holds the original` };
    }
    const holdsInjected = entry.injected === null ? current === null : current !== null && bytesEqual(current.value, entry.injected);
    if (!holdsInjected && !options.force) {
      const now = current ? `mod_revision ${current.modRevision}` : 'deleted';
      const message = `${entry.key} changed since injection ${id} (now ${now}); not restored, so the newer write is kept; use --force to put the original back anyway`;
      this.journal.note(id, message);
      return { id, key: entry.key, outcome: 'conflict', message };
    }
    const guard = current ? this.client.if(entry.key, 'Mod', '==', current.modRevision) : this.client.if(entry.key, 'Create', '==', 0);
    const txn = await this.call(() => guard.then(this.client.put(entry.key).value(Buffer.from(entry.original))).commit());
    if (!txn.succeeded) {
      const message = `${entry.key} changed while restoring injection ${id}; not restored; run restore again`;
      this.journal.note(id, message);
      return { id, key: entry.key, outcome: 'conflict', message };
    }
    const modRevision = Number(txn.header.revision);
    this.journal.markRestored(id, modRevision, holdsInjected ? undefined : 'forced over a newer write');
    return { id, key: entry.key, outcome: 'restored', message: `restored ${entry.key} (injection ${id}) at mod_revision ${modRevision}`, modRevision };
  }

  /** Restores every pending or written injection, oldest last so stacked injections unwind in order. */
  async restorePending(options: { force?: boolean } = {}): Promise<RestoreResult[]> {
    const entries: JournalEntry[] = this.journal.list(['pending', 'written']).reverse();
    const results: RestoreResult[] = [];
    for (const entry of entries) results.push(await this.restore(entry.id, options));
    return results;
  }

  close(): void {
    this.client.close();
    this.journal.close();
  }
}

/**
 * Where other valid names for a field live: node names for nodeName, the owner's kind for owner references,
 * config maps/secrets/service accounts/claims for references to them, else the key's own resource type.
 */
function candidatePrefix(key: string, fieldPath: string, value: Uint8Array): string {
  const byKind = (kind: string): string | undefined => RESOURCE_TYPES.find((t) => t.kind === kind)?.prefix;
  const owner = /^metadata\.ownerReferences\[(\d+)\]/.exec(fieldPath);
  if (owner) {
    try {
      const refs = (decodeStoredValue(value, key).metadata as JsonObject).ownerReferences as JsonObject[];
      const prefix = byKind(String(refs[Number(owner[1])]?.kind));
      if (prefix) return prefix;
    } catch {
      // Fall through to the key's own type.
    }
  }
  const leaf = fieldPath.slice(fieldPath.lastIndexOf('.') + 1).replace(/\[.*$/, '');
  const byField: Record<string, string> = {
    nodeName: 'Node',
    serviceAccountName: 'ServiceAccount',
    claimName: 'PersistentVolumeClaim',
    secretName: 'Secret',
    priorityClassName: 'PriorityClass',
  };
  if (byField[leaf]) return byKind(byField[leaf])!;
  if (/configMap/i.test(fieldPath)) return byKind('ConfigMap')!;
  if (/secret/i.test(fieldPath)) return byKind('Secret')!;
  return resourceTypeForKey(key)?.prefix ?? key.slice(0, key.lastIndexOf('/') + 1);
}
