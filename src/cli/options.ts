import type { Command } from 'commander';
import { InvalidDataError } from '../core/errors.js';
import { defaultDatabasePath } from '../core/paths.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../core/table.js';

/** Adds `--format` and its alias `--json` to a listing command. */
export function withFormat(cmd: Command, formats: readonly OutputFormat[] = OUTPUT_FORMATS): Command {
  return cmd
    .option('--format <format>', `output format: ${formats.join('|')}`, 'table')
    .option('--json', 'same as --format json');
}

/** Reads the chosen output format, rejecting values the command does not support. */
export function outputFormat(opts: { format?: string; json?: boolean }, formats: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const format = opts.json ? 'json' : (opts.format ?? 'table');
  if (!(formats as readonly string[]).includes(format)) {
    throw new InvalidDataError(`--format ${format}: not supported here; use one of ${formats.join(', ')}`);
  }
  return format as OutputFormat;
}

/** The database path from the global `--db` option. */
export function databasePath(cmd: Command): string {
  const global = cmd.optsWithGlobals() as { db?: string };
  return global.db ?? defaultDatabasePath();
}
