import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import type { EtcdConnection } from '../../inject/etcd-client.js';
import type { FaultModel } from '../../inject/faults.js';

/** Adds the etcd connection options shared by inject, restore and fields. */
export function withEtcdConnection(cmd: Command, required = true): Command {
  const endpoints = required
    ? cmd.requiredOption('--endpoints <urls>', 'etcd client URLs, comma-separated (e.g. http://127.0.0.1:2379)')
    : cmd.option('--endpoints <urls>', 'etcd client URLs, comma-separated (default: the endpoint recorded in the journal)');
  return endpoints
    .option('--cacert <file>', 'CA certificate for etcd TLS')
    .option('--cert <file>', 'client certificate for etcd TLS')
    .option('--key-file <file>', 'client private key for etcd TLS');
}

/** The connection the etcd options describe; `fallback` supplies endpoints when --endpoints is absent. */
export function readConnection(opts: { endpoints?: string; cacert?: string; cert?: string; keyFile?: string }, fallback?: string): EtcdConnection {
  const endpoints = (opts.endpoints ?? fallback ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  return { endpoints, cacert: opts.cacert, cert: opts.cert, keyFile: opts.keyFile };
}

function parseInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new InvalidDataError(`${flag} ${value}: expected an integer`);
  return Number(value);
}

export function registerInject(program: Command, io: Io): void {
  withEtcdConnection(
    program
      .command('inject')
      .description('apply a fault to one value in a running etcd: journaled first, written with a mod_revision check'),
  )
    .requiredOption('--key <key>', 'etcd key of the object, e.g. /registry/pods/default/web-0')
    .option('--field <path>', 'field path in Kubernetes JSON names, e.g. metadata.ownerReferences[0].uid')
    .requiredOption('--fault <model>', 'fault model: bitflip|set|drop|delete|corrupt')
    .option('--variant <variant>', 'set: zero, minus-one, max-int32, off-by-one, empty, random-same-length, other-name, invalid-dns, flip, random-uid, huge, past, future, drop-entry, duplicate-entry, clear, unset, ...; corrupt: truncate|garbage|magic')
    .option('--bit <n>', 'bitflip: which bit of the field value (default: chosen by the seed)')
    .option('--seed <n>', 'seed for every random choice (default 0)')
    .option('--retries <n>', 're-read and retry this many times after a concurrent write (0 aborts at once)', '3')
    .option('--dry-run', 'print the decoded before/after difference and write nothing')
    .option('--allow-foreign-cluster', 'write even though etcd has no /mutiny/lab marker')
    .option('--journal <file>', 'injection journal (default: $MUTINY_HOME/journal.sqlite)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  mutiny inject --endpoints http://127.0.0.1:2379 --key /registry/deployments/default/web \\\n    --field spec.replicas --fault set --variant zero --dry-run\n')
    .action(async (opts) => {
      const [{ Injector }, { FAULT_MODELS }] = await Promise.all([import('../../inject/direct.js'), import('../../inject/faults.js')]);
      const model = opts.fault as FaultModel;
      if (!FAULT_MODELS.includes(model)) throw new InvalidDataError(`--fault ${opts.fault}: unknown; use one of ${FAULT_MODELS.join(', ')}`);
      const injector = await Injector.open(readConnection(opts), { journalPath: opts.journal, allowForeignCluster: Boolean(opts.allowForeignCluster) });
      try {
        const result = await injector.inject(
          opts.key,
          { model, field: opts.field, variant: opts.variant, bit: parseInteger('--bit', opts.bit), seed: parseInteger('--seed', opts.seed) },
          { dryRun: Boolean(opts.dryRun), retries: parseInteger('--retries', opts.retries) },
        );
        if (opts.json) {
          io.out.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        const { formatDiff } = await import('../../inject/diff.js');
        io.out.write(`${result.description}\n`);
        io.out.write(typeof result.diff === 'string' ? `the faulty value does not decode: ${result.diff}\n` : formatDiff(result.diff));
        if (result.dryRun) io.out.write(`dry run: nothing written (${opts.key} is at mod_revision ${result.originalModRevision})\n`);
        else io.out.write(`injection ${result.id}: mod_revision ${result.originalModRevision} -> ${result.writtenModRevision}; undo with: mutiny restore ${result.id}${opts.journal ? ` --journal ${opts.journal}` : ''}\n`);
      } finally {
        injector.close();
      }
    });
}
