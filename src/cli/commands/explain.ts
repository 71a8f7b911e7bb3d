import type { Command } from 'commander';
import { InvalidDataError } from '../../core/errors.js';
import type { Io } from '../../core/io.js';
import { databasePath, outputFormat, withFormat } from '../options.js';

const EXPLAIN_FORMATS = ['table', 'json'] as const;

/** One label to explain: value, where it came from, and its evidence. */
interface ExplainedLabel {
  dimension: string;
  value: string;
  origin: 'rule' | 'human';
  confidence: number | null;
  classifierVersion: string;
  evidence: { rule: string; field: string; section: string | null; start: number; end: number; match: string; weight: number }[];
}

/** `mutiny explain ID`: each dimension's effective value with the text that justified it. */
export function registerExplain(program: Command, io: Io): void {
  const cmd = program
    .command('explain')
    .description("show an incident's labels with their evidence highlighted and the rules that fired")
    .argument('<id>', 'incident id')
    .option('--max-evidence <n>', 'evidence spans shown per value', '3');
  withFormat(cmd, EXPLAIN_FORMATS).action(async (id: string, opts: { format?: string; json?: boolean; maxEvidence: string }, command: Command) => {
    const format = outputFormat(opts, EXPLAIN_FORMATS);
    const maxEvidence = Number.parseInt(opts.maxEvidence, 10);
    if (!Number.isInteger(maxEvidence) || maxEvidence < 0) throw new InvalidDataError(`--max-evidence ${opts.maxEvidence}: not a count; use e.g. 3`);
    const [{ openDatabase }, store] = await Promise.all([import('../../store/database.js'), import('../../classify/label-store.js')]);
    const db = openDatabase(databasePath(command), { readonly: true });
    let labels: ExplainedLabel[];
    let row;
    let live = false;
    try {
      row = store.readIncident(db, id);
      if (!row) throw new InvalidDataError(`explain: incident "${id}" is not in ${db.name}; check the id`);
      const effective = store.effectiveLabels(store.readLabels(db, id));
      labels = [...effective.values()].flat().map((r) => ({
        dimension: r.dimension,
        value: r.value,
        origin: r.origin,
        confidence: r.confidence,
        classifierVersion: r.classifier_version,
        evidence: r.evidence,
      }));
      if (!labels.some((l) => l.origin === 'rule')) {
        // Not classified yet: run the rules now (nothing is written) so explain always has rule evidence.
        const [{ loadRules }, { classifyIncident }] = await Promise.all([import('../../classify/rule-files.js'), import('../../classify/classifier.js')]);
        const result = classifyIncident(store.incidentInputFromRow(row), loadRules());
        live = true;
        const human = new Set(labels.map((l) => l.dimension));
        for (const dimension of store.LABEL_DIMENSIONS) {
          if (human.has(dimension)) continue;
          const r = result.dimensions[dimension];
          for (const value of r.values) {
            labels.push({ dimension, value, origin: 'rule', confidence: r.confidence[value] ?? 0, classifierVersion: result.classifierVersion, evidence: r.evidence[value] ?? [] });
          }
        }
      }
    } finally {
      db.close();
    }
    const order = store.LABEL_DIMENSIONS as readonly string[];
    labels.sort((a, b) => order.indexOf(a.dimension) - order.indexOf(b.dimension) || (b.confidence ?? 0) - (a.confidence ?? 0));
    if (format === 'json') {
      io.out.write(`${JSON.stringify({ id, live, labels }, null, 2)}\n`);
      return;
    }
    const color = Boolean((io.out as { isTTY?: boolean }).isTTY);
    const fields: Record<string, string> = { title: row.title, text: row.text ?? '', impact: row.impact ?? '', tags: row.tags, labels: row.tags };
    io.out.write(`${id}\n  ${row.title}\n`);
    if (live) io.out.write('  (not classified yet: rule labels computed now, not stored; run `mutiny classify --id` to store them)\n');
    for (const l of labels) {
      const conf = l.confidence === null ? '' : `, confidence ${l.confidence.toFixed(2)}`;
      io.out.write(`\n${l.dimension.padEnd(12)} ${l.value}  (${l.origin}, ${l.classifierVersion}${conf})\n`);
      for (const e of l.evidence.slice(0, maxEvidence)) {
        const where = e.section ? `${e.field}/${e.section}` : e.field;
        io.out.write(`    ${e.rule} @ ${where} (w ${e.weight}): ${highlight(fields[e.field] ?? '', e.start, e.end, color)}\n`);
      }
      if (l.evidence.length > maxEvidence) io.out.write(`    ... ${l.evidence.length - maxEvidence} more\n`);
    }
  });
}

/** The evidence span in one line of context, marked with ANSI reverse video on a terminal, [[brackets]] otherwise. */
function highlight(text: string, start: number, end: number, color: boolean): string {
  const flat = (s: string) => s.replace(/\s+/g, ' ');
  const from = Math.max(0, start - 50);
  const to = Math.min(text.length, end + 50);
  const before = `${from > 0 ? '…' : ''}${flat(text.slice(from, start))}`;
  const after = `${flat(text.slice(end, to))}${to < text.length ? '…' : ''}`;
  const match = flat(text.slice(start, end));
  return color ? `${before}\x1b[7m${match}\x1b[0m${after}` : `${before}[[${match}]]${after}`;
}
