import path from 'node:path';
import { InvalidDataError } from '../core/errors.js';
import { stateDir } from '../core/paths.js';
import { openSqlite, type Db, type Migration } from '../core/sqlite.js';
import type { FaultSpec } from './faults.js';

/**
 * The injection journal's own schema (a separate SQLite file from the incident database). A row is written
 * `pending` before etcd is touched, so a crash at any point leaves enough to put the original back.
 */
export const JOURNAL_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'injections',
    sql: `
      CREATE TABLE injections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        key TEXT NOT NULL,
        fault TEXT NOT NULL,
        description TEXT NOT NULL,
        field_path TEXT,
        original BLOB NOT NULL,
        original_mod_revision INTEGER NOT NULL,
        injected BLOB,
        injected_mod_revision INTEGER,
        state TEXT NOT NULL CHECK (state IN ('pending', 'written', 'restored', 'aborted')),
        restored_mod_revision INTEGER,
        note TEXT
      );
      CREATE INDEX injections_state ON injections(state);
    `,
  },
];

/**
 * pending: journaled, the write may or may not have happened; written: etcd holds the injected value;
 * restored: the original was put back; aborted: nothing was written (conflict, error, or found unwritten).
 */
export type InjectionState = 'pending' | 'written' | 'restored' | 'aborted';

/** One journaled injection. `injected` null means the fault deleted the key. */
export interface JournalEntry {
  id: number;
  createdAt: string;
  updatedAt: string;
  endpoint: string;
  key: string;
  fault: FaultSpec;
  description: string;
  fieldPath: string | null;
  original: Uint8Array;
  originalModRevision: number;
  injected: Uint8Array | null;
  injectedModRevision: number | null;
  state: InjectionState;
  restoredModRevision: number | null;
  note: string | null;
}

interface Row {
  id: number;
  created_at: string;
  updated_at: string;
  endpoint: string;
  key: string;
  fault: string;
  description: string;
  field_path: string | null;
  original: Buffer;
  original_mod_revision: number;
  injected: Buffer | null;
  injected_mod_revision: number | null;
  state: InjectionState;
  restored_mod_revision: number | null;
  note: string | null;
}

function fromRow(row: Row): JournalEntry {
  return {
    id: row.id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endpoint: row.endpoint,
    key: row.key,
    fault: JSON.parse(row.fault) as FaultSpec,
    description: row.description,
    fieldPath: row.field_path,
    original: new Uint8Array(row.original),
    originalModRevision: row.original_mod_revision,
    injected: row.injected ? new Uint8Array(row.injected) : null,
    injectedModRevision: row.injected_mod_revision,
    state: row.state,
    restoredModRevision: row.restored_mod_revision,
    note: row.note,
  };
}

/** Where the journal lives unless --journal says otherwise. */
export function defaultJournalPath(): string {
  return path.join(stateDir(), 'journal.sqlite');
}

/** The injection journal: record before writing, then move each row through its states. */
export class Journal {
  private readonly db: Db;

  constructor(file: string = defaultJournalPath()) {
    this.db = openSqlite(file, JOURNAL_MIGRATIONS);
  }

  /** Records an injection about to be written; returns its id. */
  begin(entry: { endpoint: string; key: string; fault: FaultSpec; description: string; fieldPath?: string; original: Uint8Array; originalModRevision: number; injected: Uint8Array | null }): number {
    const now = new Date().toISOString();
    const result = this.db
      .prepare(
        `INSERT INTO injections (created_at, updated_at, endpoint, key, fault, description, field_path, original, original_mod_revision, injected, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
      )
      .run(now, now, entry.endpoint, entry.key, JSON.stringify(entry.fault), entry.description, entry.fieldPath ?? null, Buffer.from(entry.original), entry.originalModRevision, entry.injected ? Buffer.from(entry.injected) : null);
    return Number(result.lastInsertRowid);
  }

  markWritten(id: number, modRevision: number): void {
    this.update(id, `state = 'written', injected_mod_revision = ?`, modRevision);
  }

  markAborted(id: number, note: string): void {
    this.update(id, `state = 'aborted', note = ?`, note);
  }

  markRestored(id: number, modRevision: number | null, note?: string): void {
    this.db.prepare(`UPDATE injections SET state = 'restored', restored_mod_revision = ?, note = ?, updated_at = ? WHERE id = ?`).run(modRevision, note ?? null, new Date().toISOString(), id);
  }

  /** Records why a restore did not happen, keeping the state. */
  note(id: number, note: string): void {
    this.update(id, 'note = ?', note);
  }

  private update(id: number, assignments: string, value: unknown): void {
    this.db.prepare(`UPDATE injections SET ${assignments}, updated_at = ? WHERE id = ?`).run(value, new Date().toISOString(), id);
  }

  get(id: number): JournalEntry {
    const row = this.db.prepare('SELECT * FROM injections WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new InvalidDataError(`injection ${id}: not in the journal ${this.db.name}; list them with mutiny restore --list`);
    return fromRow(row);
  }

  /** Entries in the given states, oldest first. */
  list(states?: readonly InjectionState[]): JournalEntry[] {
    const rows = states
      ? (this.db.prepare(`SELECT * FROM injections WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY id`).all(...states) as Row[])
      : (this.db.prepare('SELECT * FROM injections ORDER BY id').all() as Row[]);
    return rows.map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}
