import { openSqlite, type Db } from '../core/sqlite.js';
import { MIGRATIONS } from './migrations.js';

export type { Db };

/** Opens (creating if needed) the incident database at its latest schema. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  return openSqlite(file, MIGRATIONS, options);
}
