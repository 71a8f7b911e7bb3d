import type { Writable } from 'node:stream';

/** Where a command writes. Commands never touch process.stdout directly, so tests can capture output. */
export interface Io {
  out: Writable;
  err: Writable;
  /** True when `err` is a terminal: progress bars animate; otherwise progress is plain lines. */
  isTTY: boolean;
}

export function processIo(): Io {
  return { out: process.stdout, err: process.stderr, isTTY: Boolean(process.stderr.isTTY) };
}

/** An Io that collects everything written, for tests. */
export function memoryIo(): Io & { stdout(): string; stderr(): string } {
  const outChunks: string[] = [];
  const errChunks: string[] = [];
  const sink = (chunks: string[]) =>
    ({
      write(chunk: string | Uint8Array) {
        chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    }) as unknown as Writable;
  return {
    out: sink(outChunks),
    err: sink(errChunks),
    isTTY: false,
    stdout: () => outChunks.join(''),
    stderr: () => errChunks.join(''),
  };
}
