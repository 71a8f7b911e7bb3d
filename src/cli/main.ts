import { Command, CommanderError } from 'commander';
import { ExitError, MutinyError } from '../core/errors.js';
import { processIo, type Io } from '../core/io.js';
import { COMMANDS } from './commands/index.js';

/** Builds the `mutiny` program; each command module adds its subcommands and writes only to `io`. */
export function buildProgram(io: Io): Command {
  const program = new Command('mutiny')
    .description('How does Kubernetes fail, and can we make it fail that way on purpose?')
    .option('--db <file>', 'incident database (default: $MUTINY_DB or data/mutiny.sqlite)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    });
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Runs one invocation and returns the exit code; never calls process.exit (tests call this directly). */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ExitError) return error.exitCode;
    if (error instanceof MutinyError) {
      io.err.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    io.err.write(`internal error: ${(error as Error)?.stack ?? String(error)}\nthis is a bug in mutiny; please report it\n`);
    return 70;
  }
}

/** Process entry point: the only place that exits. */
export async function main(argv: string[]): Promise<void> {
  // `mutiny results | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await run(argv, processIo());
}
