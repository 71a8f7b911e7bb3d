import type { Command } from 'commander';
import type { Io } from '../../core/io.js';
import { Progress } from '../../core/progress.js';
import { renderMarkdownTable, renderTable, type Cell, type OutputFormat } from '../../core/table.js';
import { outputFormat, withFormat } from '../options.js';
import { readConnection, withEtcdConnection } from './inject.js';

/** Renders a listing in a non-JSON output format (table, md, csv). */
export async function renderListing(format: OutputFormat, headers: string[], rows: Cell[][]): Promise<string> {
  if (format === 'md') return renderMarkdownTable(headers, rows);
  if (format === 'csv') {
    const { stringify } = await import('csv-stringify/sync');
    return stringify([headers, ...rows]);
  }
  return renderTable(headers, rows);
}

export function registerFields(program: Command, io: Io): void {
  withFormat(
    withEtcdConnection(
      program
        .command('fields')
        .description('list, per kind, every populated field of the values in etcd with its type, an example and its SPEC error code'),
    )
      .option('--prefix <prefix>', 'key prefix to read', '/registry/')
      .option('--kind <kind>', 'only this kind (e.g. Pod)')
      .addHelpText('after', '\nExample:\n  mutiny fields --endpoints http://127.0.0.1:2379 --prefix /registry/pods/ --format md\n'),
  ).action(async (opts) => {
    const format = outputFormat(opts);
    const [{ connectEtcd, readPrefix }, { inventoryFields }] = await Promise.all([import('../../inject/etcd-client.js'), import('../../k8s/inventory.js')]);
    const connection = readConnection(opts);
    const client = await connectEtcd(connection);
    let pairs;
    try {
      pairs = await readPrefix(client, connection.endpoints.join(','), opts.prefix);
    } finally {
      client.close();
    }
    const progress = new Progress(io, 'decoding values', pairs.length, 500);
    const inventory = inventoryFields(pairs, () => progress.tick());
    progress.finish();
    const rows = inventory.rows.filter((r) => !opts.kind || r.kind === opts.kind);
    if (format === 'json') {
      io.out.write(`${JSON.stringify({ values: inventory.values, skipped: inventory.skipped, fields: rows }, null, 2)}\n`);
    } else {
      const headers = ['KIND', 'FIELD', 'TYPE', 'ERROR', 'COUNT', 'EXAMPLE'];
      io.out.write(await renderListing(format, headers, rows.map((r) => [r.kind, r.path, r.type, r.errorCode ?? '-', r.count, r.example])));
    }
    const kinds = new Set(rows.map((r) => r.kind)).size;
    io.err.write(`${inventory.values} values, ${kinds} kinds, ${rows.length} fields${inventory.skipped.length ? `; ${inventory.skipped.length} values skipped (first: ${inventory.skipped[0].reason})` : ''}\n`);
  });
}
