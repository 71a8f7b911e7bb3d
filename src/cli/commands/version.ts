import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Io } from '../../core/io.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

export function registerVersion(program: Command, io: Io): void {
  program
    .command('version')
    .description('print the mutiny version')
    .action(() => {
      const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
      io.out.write(`mutiny ${pkg.version}\n`);
    });
}
