/** Output formats every listing command accepts (`--json` is the same as `--format json`). */
export type OutputFormat = 'table' | 'json' | 'csv' | 'md';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv', 'md'];

export type Cell = string | number | null | undefined;

/** Renders rows as an aligned plain-text table; numbers are right-aligned. */
export function renderTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(fmt)];
  return `${lines.join('\n')}\n`;
}

/** Renders rows as a GitHub-flavoured Markdown table, escaping pipes and HTML in cells. */
export function renderMarkdownTable(headers: string[], rows: Cell[][]): string {
  const esc = (c: Cell) => escapeMarkdownCell(c === null || c === undefined ? '' : String(c));
  const lines = [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${headers.map((_, i) => (rows.every((r) => typeof r[i] === 'number') ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Escapes text from incidents so that it cannot break out of a Markdown table cell or inject HTML. */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}
