import { rmSync } from 'node:fs';
import path from 'node:path';
import { stopComponents } from './control-plane.js';
import { defaultLabDir, labProcesses, readLabStateIfPresent, writeLabState, type Component } from './state.js';

/** What `downLab` did. */
export interface DownResult {
  dir: string;
  stopped: Component[];
  removed: boolean;
}

/**
 * Stops exactly the processes the lab in `dir` started (by pid, whole process groups, only if each pid still runs
 * the recorded binary) and deletes the directory unless `keep`. A missing lab is not an error.
 */
export async function downLab(dir = defaultLabDir(), options: { keep?: boolean } = {}): Promise<DownResult> {
  const resolved = path.resolve(dir);
  const state = readLabStateIfPresent(resolved);
  const stopped = state ? labProcesses(state).map(([c]) => c) : [];
  if (state) {
    await stopComponents(state);
    if (options.keep) writeLabState(state);
  }
  if (!options.keep) rmSync(resolved, { recursive: true, force: true });
  return { dir: resolved, stopped, removed: !options.keep };
}
