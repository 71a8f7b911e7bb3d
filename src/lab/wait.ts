import { LabNotReadyError, MutinyError } from '../core/errors.js';
import { isRunning, tailLog, type ProcessRecord } from './processes.js';

/** Thrown when the user interrupts `lab up` or `lab reset` (Ctrl-C); exit code 130 like a shell. */
export class InterruptedError extends MutinyError {
  constructor(what: string) {
    super(`${what} interrupted; started processes were stopped`, { exitCode: 130 });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value other than undefined/false. Fails fast when `process` (the component
 * being waited for) has exited, quoting the end of its log; fails after `timeoutMs` naming `what`.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number; process?: { component: string; record: ProcessRecord }; signal?: AbortSignal },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError(what);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (options.process && !isRunning(options.process.record)) {
      const tail = tailLog(options.process.record.log, 15);
      throw new LabNotReadyError(`${options.process.component} exited while waiting for ${what}; its log ${options.process.record.log} ends:\n${tail}`);
    }
    if (Date.now() > deadline) {
      throw new LabNotReadyError(`timed out after ${options.timeoutMs / 1000}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}; see \`mutiny lab logs\``);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
