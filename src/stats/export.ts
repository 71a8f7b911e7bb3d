import { createWriteStream, existsSync, linkSync, renameSync, unlinkSync } from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { InvalidDataError } from '../core/errors.js';
import type { StatsFilters } from './filters.js';
import { EXPORT_COLUMNS, exportRows, type ExportRow } from './incidents.js';
import type { StatsContext } from './queries.js';

export type ExportFormat = 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl'];

/**
 * Writes the incidents matching `filters` to `file` (columns EXPORT_COLUMNS, ordered by id) and returns how
 * many it wrote. The file appears only when complete (written beside it, then moved into place); an existing
 * file is kept unless `force`. CSV joins multi-valued fields with `;` and prefixes a `'` to a cell that starts
 * like a spreadsheet formula (= + - @), since titles come from the internet.
 */
export async function writeExport(ctx: StatsContext, filters: StatsFilters, format: ExportFormat, file: string, force: boolean): Promise<number> {
  if (!force && existsSync(file)) throw new InvalidDataError(`${file}: already exists; pass --force to overwrite it`);
  const partial = `${file}.partial-${process.pid}`;
  let count = 0;
  try {
    const out = createWriteStream(partial, { flags: 'wx' });
    try {
      await once(out, 'open');
    } catch (cause) {
      throw new InvalidDataError(`${file}: cannot write there (${(cause as Error).message}); check that its directory exists and is writable`, { cause });
    }
    const sink = format === 'csv' ? stringify({ header: true, columns: [...EXPORT_COLUMNS] }) : undefined;
    const finished = once(out, 'finish');
    sink?.pipe(out);
    const target = sink ?? out;
    for (const row of exportRows(ctx, filters)) {
      const ok = format === 'csv' ? target.write(csvRecord(row)) : target.write(`${JSON.stringify(row)}\n`);
      count++;
      if (!ok) await once(target, 'drain');
    }
    target.end();
    await finished;
    if (force) renameSync(partial, file);
    else {
      // link() fails if the file appeared meanwhile, so an export never replaces a file it was not told to.
      try {
        linkSync(partial, file);
      } catch (cause) {
        throw new InvalidDataError(`${file}: cannot create it (${(cause as Error).message}); pass --force to overwrite or choose another --out`, { cause });
      }
      unlinkSync(partial);
    }
  } finally {
    if (existsSync(partial)) unlinkSync(partial);
  }
  return count;
}

function csvRecord(row: ExportRow): (string | number | null)[] {
  return EXPORT_COLUMNS.map((column) => {
    const value = row[column];
    const text = Array.isArray(value) ? value.join(';') : value;
    return typeof text === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  });
}
