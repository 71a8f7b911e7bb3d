import { stringify } from 'csv-stringify/sync';
import { escapeMarkdownCell, renderMarkdownTable, renderTable, type Cell, type OutputFormat } from '../core/table.js';
import type { IncidentDetail } from './incidents.js';
import type { CrossTable, Distribution, Share, Trend } from './queries.js';

/** A share as a percentage with one decimal, e.g. `12.5%`. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** A Wilson interval as percentages, e.g. `8.1–17.9%`. */
export function formatInterval(s: Share): string {
  return `${(s.low * 100).toFixed(1)}–${(s.high * 100).toFixed(1)}%`;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Renders counts per value of one dimension; `notes` follow a table or Markdown output and go into JSON. */
export function renderDistribution(d: Distribution, format: OutputFormat, notes: string[]): string {
  if (format === 'json') return `${JSON.stringify({ ...d, notes }, null, 2)}\n`;
  if (format === 'csv') {
    return stringify(d.rows.map((r) => [d.dimension, r.value, r.count, round(r.share), round(r.low), round(r.high)]), {
      header: true,
      columns: ['dimension', 'value', 'incidents', 'share', 'ci95_low', 'ci95_high'],
    });
  }
  const headers = [d.dimension, 'incidents', 'share', '95% CI'];
  const rows: Cell[][] = d.rows.map((r) => [r.value, r.count, formatPercent(r.share), formatInterval(r)]);
  return withNotes(format, headers, rows, notes);
}

/** Renders a cross-table: one row per row value, `count (share)` cells, and totals. */
export function renderCrossTable(t: CrossTable, format: OutputFormat, notes: string[]): string {
  if (format === 'json') return `${JSON.stringify({ ...t, notes }, null, 2)}\n`;
  if (format === 'csv') {
    const records: (string | number)[][] = [];
    t.rows.forEach((r, i) =>
      t.columns.forEach((c, j) => {
        const s = t.cells[i][j];
        records.push([r, c, s.count, round(s.share), round(s.low), round(s.high)]);
      }),
    );
    return stringify(records, { header: true, columns: [t.rowDimension, t.columnDimension, 'incidents', 'share', 'ci95_low', 'ci95_high'] });
  }
  const cell = (s: Share) => (s.count === 0 ? '0' : `${s.count} (${formatPercent(s.share)})`);
  const headers = [`${t.rowDimension} \\ ${t.columnDimension}`, ...t.columns, 'total'];
  const rows: string[][] = t.rows.map((r, i) => [r, ...t.cells[i].map(cell), cell(t.rowTotals[i])]);
  rows.push(['total', ...t.columnTotals.map(cell), `${t.total}`]);
  if (format === 'table') {
    // Right-align the count columns (renderTable right-aligns only numbers, and these cells are text).
    const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
    for (const row of rows) for (let j = 1; j < row.length; j++) row[j] = row[j].padStart(widths[j]);
    return withNotes(format, headers.map((h, j) => (j === 0 ? h : h.padStart(widths[j]))), rows, notes);
  }
  return withNotes(format, headers, rows, notes);
}

/** Renders a trend: one row per period, one column per value, and the period's incident count. */
export function renderTrend(t: Trend, format: OutputFormat, notes: string[]): string {
  if (format === 'json') return `${JSON.stringify({ ...t, notes }, null, 2)}\n`;
  if (format === 'csv') {
    const records: (string | number)[][] = [];
    t.periods.forEach((p, i) => t.values.forEach((v, j) => records.push([p, v, t.counts[i][j]])));
    return stringify(records, { header: true, columns: [t.per, t.dimension, 'incidents'] });
  }
  const headers = [t.per, ...t.values, 'incidents'];
  const rows: Cell[][] = t.periods.map((p, i) => [p, ...t.counts[i], t.totals[i]]);
  return withNotes(format, headers, rows, notes);
}

function withNotes(format: OutputFormat, headers: string[], rows: Cell[][], notes: string[]): string {
  const table = format === 'md' ? renderMarkdownTable(headers, rows) : renderTable(headers, rows);
  const text = notes.filter(Boolean);
  if (text.length === 0) return table;
  return `${table}\n${text.join(format === 'md' ? '\n\n' : '\n')}\n`;
}

/** Incident text made safe for a terminal: control characters (escape sequences included) become spaces. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ');
}

/** Renders one incident with its labels and evidence as text (`table`) or Markdown (`md`, escaped). */
export function renderIncident(incident: IncidentDetail, format: 'table' | 'md', withText = false): string {
  const facts: [string, string | number | null][] = [
    ['id', incident.id],
    ['key', incident.key],
    ['title', incident.title],
    ['source', incident.source],
    ['url', incident.url],
    ['organization', incident.organization],
    ['venue', incident.venue],
    ['published', incident.published],
    ['text', `${incident.textKind}${incident.text ? ` (${incident.text.length} characters)` : ''}`],
    ['license', incident.license],
    ['tags', incident.tags.join(', ') || null],
    ['impact', incident.impact],
    ['multi-incident', incident.multiIncident ? 'yes (left out of statistics by default)' : 'no'],
  ];
  const present = facts.filter(([, v]) => v !== null && v !== '');
  const labelRows: Cell[][] = incident.labels.map((l) => [
    l.dimension,
    l.value,
    l.origin,
    l.confidence === null ? null : l.confidence.toFixed(2),
    l.effective ? 'yes' : 'overridden',
    l.classifierVersion,
  ]);
  const labelHeaders = ['dimension', 'value', 'origin', 'confidence', 'effective', 'classifier'];
  const evidence = incident.labels.flatMap((l) =>
    l.evidence.map((e) => ({ label: `${l.dimension}=${l.value} (${l.origin})`, where: `${e.field}${e.section ? ` § ${e.section}` : ''} [${e.start}..${e.end}]`, rule: e.rule, weight: e.weight, match: e.match })),
  );
  if (format === 'md') {
    const lines = [`# ${escapeMarkdownCell(incident.title)}`, '', renderMarkdownTable(['field', 'value'], present.map(([k, v]) => [k, v]))];
    lines.push('## Labels', '', incident.labels.length > 0 ? renderMarkdownTable(labelHeaders, labelRows) : 'No labels yet.\n');
    if (evidence.length > 0) {
      lines.push('## Evidence', '', renderMarkdownTable(['label', 'rule', 'weight', 'where', 'match'], evidence.map((e) => [e.label, e.rule, e.weight, e.where, e.match])));
    }
    if (withText && incident.text) lines.push('## Text', '', incident.text.split(/\r?\n/).map(escapeMarkdownCell).join('\n'), '');
    return lines.join('\n');
  }
  const width = Math.max(...present.map(([k]) => k.length));
  const lines = present.map(([k, v]) => `${k.padEnd(width)}  ${terminalSafe(String(v))}`);
  lines.push('', incident.labels.length > 0 ? renderTable(labelHeaders, labelRows).trimEnd() : 'no labels yet');
  if (evidence.length > 0) {
    lines.push('', 'evidence');
    for (const e of evidence) lines.push(`  ${e.label}  ${e.rule} (weight ${e.weight})  ${e.where}: "${terminalSafe(e.match)}"`);
  }
  if (withText && incident.text) lines.push('', 'text', terminalSafe(incident.text.replace(/\r\n?/g, '\n')).replace(/^/gm, '  '));
  return `${lines.join('\n')}\n`;
}
