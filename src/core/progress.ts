import type { Io } from './io.js';

/**
 * Progress for long work: a redrawn bar with counts and ETA on a TTY, one plain line every
 * `plainEvery` items (and at the end) otherwise. `detail` is a short text such as per-outcome counts.
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly io: Io,
    private readonly label: string,
    private total: number | undefined,
    private readonly plainEvery = 50,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  tick(detail = '', by = 1): void {
    this.done += by;
    const now = Date.now();
    if (this.io.isTTY) {
      if (now - this.lastDraw < 100 && this.done !== this.total) return;
      this.lastDraw = now;
      this.io.err.write(`\r\x1b[2K${this.line(detail)}`);
    } else if (this.done % this.plainEvery === 0 || this.done === this.total) {
      this.io.err.write(`${this.line(detail)}\n`);
    }
  }

  finish(detail = ''): void {
    if (this.io.isTTY) this.io.err.write(`\r\x1b[2K${this.line(detail)}\n`);
    else if (this.done % this.plainEvery !== 0 && this.done !== this.total) this.io.err.write(`${this.line(detail)}\n`);
  }

  private line(detail: string): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const parts = [this.label];
    if (this.total !== undefined && this.total > 0) {
      const ratio = Math.min(1, this.done / this.total);
      const width = 24;
      const filled = Math.round(ratio * width);
      if (this.io.isTTY) parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`);
      parts.push(`${this.done}/${this.total}`);
      if (this.done > 0 && this.done < this.total) {
        const eta = (elapsed / this.done) * (this.total - this.done);
        parts.push(`ETA ${formatDuration(eta)}`);
      }
    } else {
      parts.push(`${this.done}`);
    }
    parts.push(`${formatDuration(elapsed)} elapsed`);
    if (detail) parts.push(detail);
    return parts.join('  ');
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
