import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** One process the lab started: enough to find it again, check it is still ours, and stop its process group. */
export interface ProcessRecord {
  pid: number;
  command: string;
  args: string[];
  log: string;
  startedAt: string;
}

/**
 * Starts `command` as the leader of a new process group (so Ctrl-C in the terminal does not reach it and `stop`
 * can signal everything it forked), with stdout and stderr appended to `log`. The child outlives this process:
 * the lab's state file is what finds it again.
 */
export function startProcess(command: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): ProcessRecord {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.on('error', () => {
      // Reported through the health check and the log; an unhandled 'error' event would crash the caller.
    });
    child.unref();
    return { pid: child.pid, command, args, log, startedAt: new Date().toISOString() };
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `record.pid` is alive AND still runs `record.command` (read from /proc), so a recycled pid of an
 * unrelated process is never treated as, or signalled as, a lab component. A zombie counts as dead.
 */
export function isRunning(record: ProcessRecord): boolean {
  try {
    const status = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z /.test(status)) return false;
    const argv0 = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === record.command;
  } catch {
    return false;
  }
}

function signalGroup(record: ProcessRecord, signal: NodeJS.Signals): void {
  try {
    process.kill(-record.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the process group led by `record.pid` if that pid is still ours: SIGTERM, then SIGKILL after `graceMs`.
 * Resolves when the leader has exited. A record whose pid is dead or reused is left alone.
 */
export async function stopProcess(record: ProcessRecord, graceMs = 5000): Promise<void> {
  if (!isRunning(record)) return;
  signalGroup(record, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record) && Date.now() < deadline) await sleep(25);
  if (isRunning(record) || groupAlive(record.pid)) signalGroup(record, 'SIGKILL');
  while (isRunning(record)) await sleep(10);
}

/** The last `lines` lines of a component log (for error messages and `lab logs --tail`). */
export function tailLog(log: string, lines: number): string {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return '';
  }
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}
