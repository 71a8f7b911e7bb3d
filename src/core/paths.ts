import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

/** The package root (where package.json, data/ and taxonomy/ live), from src/ or dist/ alike. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The committed incident database, unless MUTINY_DB or --db says otherwise. */
export function defaultDatabasePath(): string {
  return process.env.MUTINY_DB ?? path.join(PACKAGE_ROOT, 'data', 'mutiny.sqlite');
}

export const TAXONOMY_DIR = path.join(PACKAGE_ROOT, 'taxonomy');

/** Per-user state outside the repo: lab clusters, built binaries, the injection journal. */
export function stateDir(): string {
  return process.env.MUTINY_HOME ?? path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'mutiny');
}

export function cacheDir(): string {
  return process.env.MUTINY_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mutiny');
}
