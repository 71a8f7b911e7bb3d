import { escapeMarkdownCell } from '../../src/core/table.js';

/**
 * Incident text escaped for Markdown (prose or a table cell): Markdown syntax characters are backslashed,
 * HTML is entity-encoded and line breaks become spaces, so text from the internet renders as text.
 */
export function escapeMarkdownText(text: string): string {
  return escapeMarkdownCell(text.replace(/([\\`*_[\]#!~])/g, '\\$1'));
}

/**
 * A Markdown link to an incident, or the escaped text alone when the URL is not http(s): URLs come from
 * the internet, and a `javascript:` link must never reach a rendered report.
 */
export function markdownLink(text: string, url: string | null): string {
  const label = escapeMarkdownText(text);
  if (!url || !/^https?:\/\//i.test(url)) return label;
  const safeUrl = url.replace(/[\s()<>"'\\|[\]`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${label}](${safeUrl})`;
}

/** A Markdown table of cells that are already Markdown (escape incident text with escapeMarkdownText first). */
export function markdownTable(headers: string[], rows: (string | number)[][], numeric: boolean[] = []): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(headers), line(headers.map((_, i) => (numeric[i] ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

/** A share with its Wilson 95% interval, e.g. `29.8% (18.7–43.9%)`. */
export function shareWithInterval(s: { share: number; low: number; high: number }): string {
  return `${(s.share * 100).toFixed(1)}% (${(s.low * 100).toFixed(1)}–${(s.high * 100).toFixed(1)}%)`;
}
