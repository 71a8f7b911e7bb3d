/** The parts of a k8s.af list entry: its first line (the title again), `involved:` tags and `impact:` line. */
export interface EntrySummary {
  tags: string[];
  impact: string | null;
}

const ENTRY_LINE = /^(involved|impact):\s*(.*)$/i;

/**
 * Recognizes the short k8s.af entry format (a title line, then `involved:` and `impact:` lines) and returns its
 * tags and impact; undefined for any other text. Such a text only repeats the title, tags and impact fields, so
 * the classifier reads those fields instead of counting the same words twice.
 */
export function parseEntrySummary(text: string | null | undefined): EntrySummary | undefined {
  if (!text) return undefined;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2 || lines.length > 4) return undefined;
  const rest = lines.slice(1).map((l) => ENTRY_LINE.exec(l.trim()));
  if (rest.some((m) => m === null) || !rest.some((m) => m![1].toLowerCase() === 'involved')) return undefined;
  let tags: string[] = [];
  let impact: string | null = null;
  for (const m of rest) {
    if (m![1].toLowerCase() === 'involved') tags = m![2].split(',').map((t) => t.trim()).filter(Boolean);
    else impact = m![2].trim() || null;
  }
  return { tags, impact };
}
