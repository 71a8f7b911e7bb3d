import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultDatabasePath, PACKAGE_ROOT } from '../src/core/paths.js';
import { loadTaxonomy } from '../src/core/taxonomy.js';
import { openStats } from '../src/stats/index.js';
import fieldStudy from './field-study.js';
import reproducibility from './reproducibility.js';
import type { Notebook } from './support/notebook.js';

/** Every notebook `npm run notebooks` regenerates, in order. */
export const NOTEBOOKS: Notebook[] = [fieldStudy, reproducibility];

/**
 * Regenerates notebooks into `outRoot/<name>/` from the database at `databaseFile`: old REPORT.md and SVG files
 * there are removed first so a chart that is no longer drawn does not linger. Returns the files written.
 */
export async function runNotebooks(databaseFile: string, outRoot: string, names: string[] = []): Promise<string[]> {
  const unknown = names.filter((n) => !NOTEBOOKS.some((nb) => nb.name === n));
  if (unknown.length > 0) throw new Error(`unknown notebook ${unknown.join(', ')}; valid: ${NOTEBOOKS.map((n) => n.name).join(', ')}`);
  const ctx = openStats(databaseFile, loadTaxonomy());
  const relative = path.relative(PACKAGE_ROOT, path.resolve(databaseFile));
  const databaseLabel = relative.startsWith('..') ? path.basename(databaseFile) : relative.split(path.sep).join('/');
  const written: string[] = [];
  try {
    for (const notebook of NOTEBOOKS.filter((n) => names.length === 0 || names.includes(n.name))) {
      const outDir = path.join(outRoot, notebook.name);
      mkdirSync(outDir, { recursive: true });
      for (const file of readdirSync(outDir)) if (file === 'REPORT.md' || file.endsWith('.svg')) rmSync(path.join(outDir, file));
      const files = await notebook.run({ ctx, outDir, databaseLabel });
      written.push(...files.map((f) => path.join(outDir, f)));
    }
  } finally {
    ctx.db.close();
  }
  return written;
}

// `npm run notebooks [-- [--db FILE] [NAME...]]`
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ options: { db: { type: 'string' } }, allowPositionals: true });
  const notebooksDir = path.dirname(fileURLToPath(import.meta.url));
  try {
    const files = await runNotebooks(values.db ?? defaultDatabasePath(), notebooksDir, positionals);
    for (const file of files) process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
