import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { InvalidDataError } from './errors.js';

export type Db = Database.Database;

/**
 * A numbered schema migration. Applied in order inside one transaction each; `PRAGMA user_version` records
 * the last one applied. Never edit a migration that has shipped: add the next number.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Opens (creating if needed) a SQLite database and applies pending migrations. WAL mode keeps committed
 * transactions safe when the process is killed mid-way.
 */
export function openSqlite(file: string, migrations: Migration[], options: { readonly?: boolean } = {}): Db {
  const readonly = options.readonly ?? false;
  if (!readonly && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot open the database (${(cause as Error).message}); check the path or pass --db`, { cause });
  }
  db.pragma('foreign_keys = ON');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
  }
  return db;
}

/** Applies the migrations newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new InvalidDataError(`${db.name}: schema version ${current} is newer than this mutiny knows (${latest}); upgrade mutiny`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
