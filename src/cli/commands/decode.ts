import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';

/** Reads a command's input file, or stdin for `-`. */
export function readInputFile(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? 'error'}); check the path`, { cause });
  }
}

export function registerDecode(program: Command, io: Io): void {
  program
    .command('decode')
    .description('print a value stored in etcd (as `etcdctl get --print-value-only` writes it) as Kubernetes JSON or YAML')
    .argument('<file>', 'file holding the stored value, or - for stdin')
    .option('--key <key>', 'etcd key (/registry/pods/NS/NAME); picks the type when the value does not name it')
    .option('--format <format>', 'output format: json|yaml', 'json')
    .addHelpText('after', '\nExample:\n  etcdctl get /registry/pods/default/web-0 --print-value-only | mutiny decode --format yaml -\n')
    .action(async (file: string, opts: { key?: string; format: string }) => {
      if (opts.format !== 'json' && opts.format !== 'yaml') throw new InvalidDataError(`--format ${opts.format}: not supported here; use json or yaml`);
      const { decodeEtcdctlCapture } = await import('../../k8s/index.js');
      let object: unknown;
      try {
        object = decodeEtcdctlCapture(readInputFile(file), opts.key).object;
      } catch (error) {
        if (error instanceof InvalidDataError) throw new InvalidDataError(`${file === '-' ? 'stdin' : file}: ${error.message}`, { cause: error });
        throw error;
      }
      if (opts.format === 'yaml') {
        const { stringify } = await import('yaml');
        io.out.write(stringify(object));
      } else {
        io.out.write(`${JSON.stringify(object, null, 2)}\n`);
      }
    });
}
