import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { readInputFile } from './decode.js';

export function registerEncode(program: Command, io: Io): void {
  program
    .command('encode')
    .description('encode a Kubernetes object (JSON or YAML) as the bytes the apiserver stores in etcd')
    .argument('<file>', 'JSON or YAML file, or - for stdin')
    .option('--key <key>', 'etcd key (/registry/pods/NS/NAME); supplies apiVersion/kind when the object lacks them')
    .addHelpText('after', '\nExample:\n  mutiny encode pod.yaml --key /registry/pods/default/web-0 | etcdctl put /registry/pods/default/web-0\n')
    .action(async (file: string, opts: { key?: string }) => {
      const [{ parse }, { encodeStoredValue }] = await Promise.all([import('yaml'), import('../../k8s/index.js')]);
      const source = file === '-' ? 'stdin' : file;
      let object: unknown;
      try {
        object = parse(readInputFile(file).toString('utf8'));
      } catch (cause) {
        throw new InvalidDataError(`${source}: not valid JSON or YAML (${(cause as Error).message.split('\n')[0]})`, { cause });
      }
      if (typeof object !== 'object' || object === null || Array.isArray(object)) {
        throw new InvalidDataError(`${source}: expected one Kubernetes object (a mapping with apiVersion, kind, metadata)`);
      }
      try {
        io.out.write(encodeStoredValue(object as Record<string, unknown>, opts.key));
      } catch (error) {
        if (error instanceof InvalidDataError) throw new InvalidDataError(`${source}: ${error.message}`, { cause: error });
        throw error;
      }
    });
}
