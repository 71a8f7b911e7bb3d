import os from 'node:os';

/** One benchmark: `run` measures and returns a Markdown section (a table of figures and targets). */
export interface Benchmark {
  /** Short id used on the command line: `npm run bench -- <name>`. */
  name: string;
  title: string;
  run(): Promise<string>;
}

/** Machine facts printed at the top of bench/RESULTS.md. */
export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
