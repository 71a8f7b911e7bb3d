import type { Command } from 'commander';
import { ExitError, InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import type { JournalEntry } from '../../inject/journal.js';
import type { RestoreResult } from '../../inject/direct.js';
import type { OutputFormat } from '../../core/table.js';
import { outputFormat, withFormat } from '../options.js';
import { renderListing } from './fields.js';
import { readConnection, withEtcdConnection } from './inject.js';

export function registerRestore(program: Command, io: Io): void {
  withFormat(
    withEtcdConnection(
      program
        .command('restore')
        .description('put journaled originals back by compare-and-swap (a newer write is reported, not overwritten)')
        .argument('[id]', 'journal id printed by mutiny inject'),
      false,
    )
      .option('--all-pending', 'restore every injection that is pending or written, newest first')
      .option('--list', 'list the journal instead of restoring')
      .option('--force', 'put the original back even over a newer write')
      .option('--allow-foreign-cluster', 'write even though etcd has no /mutiny/lab marker')
      .option('--journal <file>', 'injection journal (default: $MUTINY_HOME/journal.sqlite)')
      .addHelpText('after', '\nExamples:\n  mutiny restore 12\n  mutiny restore --all-pending\n  mutiny restore --list --json\n'),
  ).action(async (id: string | undefined, opts) => {
    const format = outputFormat(opts);
    const { Journal } = await import('../../inject/journal.js');
    if (opts.list) {
      const journal = new Journal(opts.journal);
      try {
        await printEntries(io, journal.list(), format);
      } finally {
        journal.close();
      }
      return;
    }
    if ((id === undefined) === !opts.allPending) throw new InvalidDataError('restore: give one journal id or --all-pending (see mutiny restore --list)');
    const journal = new Journal(opts.journal);
    let entries: JournalEntry[];
    try {
      entries = id === undefined ? journal.list(['pending', 'written']).reverse() : [journal.get(parseId(id))];
    } finally {
      journal.close();
    }
    const { Injector } = await import('../../inject/direct.js');
    const results: RestoreResult[] = [];
    // Entries may come from different etcds; restore each against its own endpoint unless --endpoints says otherwise.
    const byEndpoint = new Map<string, JournalEntry[]>();
    for (const entry of entries) byEndpoint.set(opts.endpoints ?? entry.endpoint, [...(byEndpoint.get(opts.endpoints ?? entry.endpoint) ?? []), entry]);
    for (const [endpoint, group] of byEndpoint) {
      const injector = await Injector.open(readConnection(opts, endpoint), { journalPath: opts.journal, allowForeignCluster: Boolean(opts.allowForeignCluster) });
      try {
        for (const entry of group) results.push(await injector.restore(entry.id, { force: Boolean(opts.force) }));
      } finally {
        injector.close();
      }
    }
    if (format === 'json') io.out.write(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) io.out.write(`${r.outcome}: ${r.message}\n`);
    if (results.length === 0) io.err.write('nothing to restore: no pending or written injections in the journal\n');
    if (results.some((r) => r.outcome === 'conflict')) throw new ExitError(3);
  });
}

function parseId(id: string): number {
  if (!/^\d+$/.test(id)) throw new InvalidDataError(`restore ${id}: expected a numeric journal id (see mutiny restore --list)`);
  return Number(id);
}

async function printEntries(io: Io, entries: JournalEntry[], format: OutputFormat): Promise<void> {
  if (format === 'json') {
    const plain = entries.map(({ original, injected, ...rest }) => ({ ...rest, originalBytes: original.length, injectedBytes: injected?.length ?? null }));
    io.out.write(`${JSON.stringify(plain, null, 2)}\n`);
    return;
  }
  const headers = ['ID', 'STATE', 'CREATED', 'KEY', 'FAULT', 'REVISIONS', 'NOTE'];
  const rows = entries.map((e) => [
    e.id,
    e.state,
    e.createdAt,
    e.key,
    [e.fault.model, e.fault.field, e.fault.variant].filter(Boolean).join(' '),
    `${e.originalModRevision}->${e.injectedModRevision ?? '?'}${e.restoredModRevision ? `->${e.restoredModRevision}` : ''}`,
    e.note ?? '',
  ]);
  io.out.write(await renderListing(format, headers, rows));
}
