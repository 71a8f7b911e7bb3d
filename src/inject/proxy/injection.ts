import { z } from 'zod';
import { InvalidDataError } from '../../core/errors.js';
import { applyFault, type FaultApplication, type FaultSpec } from '../faults.js';
import { isProtectedKey, kindOfValue, parseRegistryKey } from './etcd-messages.js';

/** Where an injection acts: what etcd stores (write), what the apiserver sees (read), or a lost message (drop). */
export type Channel = 'write' | 'read' | 'drop';

/**
 * The etcd messages an injection can see. `put`: a Put request or a put inside a Txn request (apiserver -> etcd);
 * `range`: one key-value in a Range response or a Txn's range response; `event`: one Watch event.
 * write sees puts, read sees ranges and events, drop sees puts and events.
 */
export type MessageKind = 'put' | 'range' | 'event';

const CHANNEL_MESSAGES: Record<Channel, readonly MessageKind[]> = {
  write: ['put'],
  read: ['range', 'event'],
  drop: ['put', 'event'],
};

const faultSpecSchema = z.strictObject({
  model: z.enum(['bitflip', 'set', 'drop', 'delete', 'corrupt']),
  field: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
  bit: z.number().int().nonnegative().optional(),
  seed: z.number().int().optional(),
});

/** The JSON accepted by POST /arm (contracts.md), validated strictly. */
export const injectionSchema = z
  .strictObject({
    id: z.string().min(1),
    channel: z.enum(['write', 'read', 'drop']),
    match: z
      .strictObject({
        keyPrefix: z.string().optional(),
        kind: z.string().min(1).optional(),
        namespace: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        message: z.enum(['put', 'range', 'event']).optional(),
      })
      .default({}),
    trigger: z
      .strictObject({
        nth: z.number().int().positive().optional(),
        everyForMs: z.number().int().positive().optional(),
      })
      .default({}),
    fault: faultSpecSchema.optional(),
    /** Names and uids seen elsewhere in the cluster, for the other-name and other-uid set variants. */
    context: z
      .strictObject({
        names: z.array(z.string()).optional(),
        uids: z.array(z.string()).optional(),
      })
      .optional(),
  })
  .superRefine((value, ctx) => {
    if (value.channel !== 'drop' && !value.fault) {
      ctx.addIssue({ code: 'custom', path: ['fault'], message: `the ${value.channel} channel needs a fault` });
    }
    if (value.channel === 'drop' && value.fault && value.fault.model !== 'drop') {
      ctx.addIssue({ code: 'custom', path: ['fault', 'model'], message: 'the drop channel only takes model "drop" (or no fault)' });
    }
    if (value.match.message && !CHANNEL_MESSAGES[value.channel].includes(value.match.message)) {
      ctx.addIssue({
        code: 'custom',
        path: ['match', 'message'],
        message: `the ${value.channel} channel sees ${CHANNEL_MESSAGES[value.channel].join(' and ')} messages`,
      });
    }
  })
  .transform((value) => ({ ...value, fault: value.fault ?? ({ model: 'drop' } as FaultSpec) }));

/**
 * One armed fault: which messages it matches, when it fires (the nth match after arming; once, or on every match
 * for `everyForMs` from then on), and the fault applied to the stored value.
 */
export type Injection = z.output<typeof injectionSchema>;
/** An injection as sent over the wire (fault optional on the drop channel, match/trigger defaulted). */
export type InjectionInput = z.input<typeof injectionSchema>;

/** One application of an injection, as returned by GET /log. Values are base64; revision is a decimal int64. */
export interface InjectionLogEntry {
  time: string;
  injectionId: string;
  channel: Channel;
  message: MessageKind;
  key: string;
  revision: string | null;
  field: string | null;
  fault: string;
  before: string;
  after: string | null;
}

/** The state of an armed injection, for GET /healthz and the CLI. */
export interface InjectionStatus {
  id: string;
  channel: Channel;
  matched: number;
  applied: number;
  state: 'waiting' | 'firing' | 'done';
}

/** Parses and validates an injection from untrusted JSON; the error names the first bad path. */
export function parseInjection(input: unknown): Injection {
  const result = injectionSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidDataError(`injection${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
  }
  return result.data;
}

/** One occurrence of a Kubernetes value in a message passing through the proxy. */
export interface Occurrence {
  message: MessageKind;
  key: string;
  /** The value the fault alters (for a DELETE watch event, the previous value). */
  value: Buffer;
  /** mod_revision for range and event occurrences; filled in later for puts (from the response header). */
  revision: string | null;
}

/**
 * What happens to an occurrence: keep it, replace its value, remove it (a lost write, a vanished key-value, a
 * dropped event) or turn it into a deletion (`delete` fault model).
 */
export type Decision =
  | { action: 'keep' }
  | { action: 'replace'; value: Buffer; entries: InjectionLogEntry[] }
  | { action: 'remove' | 'delete'; entries: InjectionLogEntry[] };

const KEEP: Decision = { action: 'keep' };
const MAX_FAULT_ERRORS = 100;

/** A fault that could not be applied to a matching value (the occurrence was passed through unchanged). */
export interface FaultError {
  time: string;
  injectionId: string;
  key: string;
  error: string;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

class ArmedInjection {
  matched = 0;
  applied = 0;
  firstFiredAt: number | undefined;
  disarmed = false;
  private readonly namespacePattern: RegExp | undefined;
  private readonly namePattern: RegExp | undefined;
  private readonly nth: number;

  constructor(readonly injection: Injection) {
    this.namespacePattern = injection.match.namespace ? globToRegExp(injection.match.namespace) : undefined;
    this.namePattern = injection.match.name ? globToRegExp(injection.match.name) : undefined;
    this.nth = injection.trigger.nth ?? 1;
  }

  done(now: number): boolean {
    if (this.disarmed) return true;
    if (this.firstFiredAt === undefined) return false;
    const window = this.injection.trigger.everyForMs;
    return window === undefined || now >= this.firstFiredAt + window;
  }

  sees(message: MessageKind): boolean {
    const { channel, match } = this.injection;
    return CHANNEL_MESSAGES[channel].includes(message) && (match.message === undefined || match.message === message);
  }

  matches(occurrence: Occurrence): boolean {
    const { match } = this.injection;
    if (match.keyPrefix !== undefined && !occurrence.key.startsWith(match.keyPrefix)) return false;
    if (this.namespacePattern || this.namePattern) {
      const where = parseRegistryKey(occurrence.key);
      if (this.namespacePattern && !(where.namespace !== undefined && this.namespacePattern.test(where.namespace))) return false;
      if (this.namePattern && !(where.name !== undefined && this.namePattern.test(where.name))) return false;
    }
    if (match.kind !== undefined && kindOfValue(occurrence.value, occurrence.key) !== match.kind) return false;
    return true;
  }

  /** Counts a match and says whether the trigger fires on it. */
  fires(now: number): boolean {
    this.matched++;
    if (this.firstFiredAt !== undefined) return !this.done(now);
    if (this.matched < this.nth) return false;
    this.firstFiredAt = now;
    return true;
  }

  status(now: number): InjectionStatus {
    const state = this.done(now) ? 'done' : this.firstFiredAt === undefined ? 'waiting' : 'firing';
    return { id: this.injection.id, channel: this.injection.channel, matched: this.matched, applied: this.applied, state };
  }
}

/**
 * The armed injections of one proxy and the log of their applications. The proxy asks `decide` for every
 * value occurrence only while `watchesWrites` / `watchesReads` say an unfinished injection could want it, so an
 * idle proxy decodes nothing.
 */
export class Injector {
  private injections: ArmedInjection[] = [];
  private readonly entries: InjectionLogEntry[] = [];
  /** The most recent faults that did not apply, for GET /healthz. */
  readonly faultErrors: FaultError[] = [];
  private writes = false;
  private reads = false;
  /** When the next everyForMs window closes (the flags must then be re-evaluated); Infinity when none is open. */
  private flagsValidUntil = Infinity;

  constructor(private readonly clock: () => number = Date.now) {}

  /** True while an unfinished injection could want a put (write or drop channel): the hot-path check. */
  get watchesWrites(): boolean {
    if (this.flagsValidUntil !== Infinity) this.refreshFlagsIfExpired();
    return this.writes;
  }

  /** True while an unfinished injection could want a Range key-value or a Watch event (read or drop channel). */
  get watchesReads(): boolean {
    if (this.flagsValidUntil !== Infinity) this.refreshFlagsIfExpired();
    return this.reads;
  }

  /** Arms an injection; its counters start now. Throws InvalidDataError if the id is armed and not done. */
  arm(input: unknown): Injection {
    const injection = parseInjection(input);
    const now = this.clock();
    if (this.injections.some((armed) => armed.injection.id === injection.id && !armed.done(now))) {
      throw new InvalidDataError(`injection ${injection.id}: already armed; disarm it first or use another id`);
    }
    this.injections = this.injections.filter((armed) => armed.injection.id !== injection.id);
    this.injections.push(new ArmedInjection(injection));
    this.refreshFlags(now);
    return injection;
  }

  /** Disarms one injection, or all when `id` is omitted; returns how many were still active. */
  disarm(id?: string): number {
    const now = this.clock();
    let count = 0;
    for (const armed of this.injections) {
      if (id !== undefined && armed.injection.id !== id) continue;
      if (!armed.done(now)) count++;
      armed.disarmed = true;
    }
    this.refreshFlags(now);
    return count;
  }

  /** The status of every injection armed since start (done ones included, so a runner can see what fired). */
  status(): InjectionStatus[] {
    const now = this.clock();
    return this.injections.map((armed) => armed.status(now));
  }

  /** Log entries from index `since` on (GET /log?since=N lets a poller read only new ones). */
  log(since = 0): InjectionLogEntry[] {
    return this.entries.slice(since);
  }

  /** Decides the fate of one value occurrence; appends to the log for every injection that fired on it. */
  decide(occurrence: Occurrence): Decision {
    if (isProtectedKey(occurrence.key)) return KEEP;
    const now = this.clock();
    let value: Buffer = occurrence.value;
    const applied: InjectionLogEntry[] = [];
    let flagsChanged = false;
    for (const armed of this.injections) {
      if (armed.done(now) || !armed.sees(occurrence.message) || !armed.matches({ ...occurrence, value })) continue;
      const firstFiredBefore = armed.firstFiredAt;
      if (!armed.fires(now)) continue;
      const { injection } = armed;
      let result: FaultApplication;
      try {
        result = injection.channel === 'drop' ? { bytes: null, description: `drop ${occurrence.message} of ${occurrence.key}` } : applyFault(value, occurrence.key, injection.fault, injection.context);
      } catch (error) {
        // The fault does not apply to this value (say, the field is absent): it does not count as a match.
        armed.matched--;
        armed.firstFiredAt = firstFiredBefore;
        this.faultErrors.push({ time: new Date(now).toISOString(), injectionId: injection.id, key: occurrence.key, error: (error as Error).message });
        if (this.faultErrors.length > MAX_FAULT_ERRORS) this.faultErrors.shift();
        continue;
      }
      armed.applied++;
      // Finished (one-shot), or a window just opened: either way the flags' validity changes.
      if (armed.done(now) || armed.applied === 1) flagsChanged = true;
      const after = result.bytes === null ? null : Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
      const entry: InjectionLogEntry = {
        time: new Date(now).toISOString(),
        injectionId: injection.id,
        channel: injection.channel,
        message: occurrence.message,
        key: occurrence.key,
        revision: occurrence.revision,
        field: result.fieldPath ?? injection.fault.field ?? null,
        fault: result.description,
        before: value.toString('base64'),
        after: after === null ? null : after.toString('base64'),
      };
      this.entries.push(entry);
      applied.push(entry);
      if (after === null) {
        if (flagsChanged) this.refreshFlags(now);
        const action = injection.channel !== 'drop' && injection.fault.model === 'delete' ? 'delete' : 'remove';
        return { action, entries: applied };
      }
      value = after;
    }
    if (flagsChanged) this.refreshFlags(now);
    return applied.length === 0 ? KEEP : { action: 'replace', value, entries: applied };
  }

  private refreshFlagsIfExpired(): void {
    const now = this.clock();
    if (now >= this.flagsValidUntil) this.refreshFlags(now);
  }

  /** Re-evaluates the hot-path flags and when they next need it (the earliest closing everyForMs window). */
  private refreshFlags(now = this.clock()): void {
    const active = this.injections.filter((armed) => !armed.done(now));
    this.writes = active.some((armed) => armed.sees('put'));
    this.reads = active.some((armed) => armed.sees('range') || armed.sees('event'));
    this.flagsValidUntil = Math.min(
      Infinity,
      ...active.map((armed) => (armed.firstFiredAt !== undefined && armed.injection.trigger.everyForMs !== undefined ? armed.firstFiredAt + armed.injection.trigger.everyForMs : Infinity)),
    );
  }
}
