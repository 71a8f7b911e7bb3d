/** One changed leaf between two decoded objects. */
export interface DiffLine {
  path: string;
  before: unknown;
  after: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The leaves that differ between two JSON values, with paths in field-path syntax (a.b[0].c, a.labels[k]). */
export function diffObjects(before: unknown, after: unknown, path = ''): DiffLine[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const lines: DiffLine[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) lines.push(...diffObjects(before[i], after[i], `${path}[${i}]`));
    return lines;
  }
  if (isObject(before) && isObject(after)) {
    const lines: DiffLine[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const child = /^[A-Za-z_$][\w$-]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${key}]`;
      lines.push(...diffObjects(before[key], after[key], child));
    }
    return lines;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path || '(root)', before, after }];
}

/** Renders diff lines as `- path: before` / `+ path: after` text. */
export function formatDiff(lines: readonly DiffLine[]): string {
  const show = (value: unknown): string => (value === undefined ? '(unset)' : JSON.stringify(value));
  return lines.map((l) => `- ${l.path}: ${show(l.before)}\n+ ${l.path}: ${show(l.after)}\n`).join('');
}
