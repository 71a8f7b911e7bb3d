import type { StatsContext } from '../../src/stats/index.js';

/** What a notebook gets: the statistics context and where to write; `databaseLabel` names the DB in the report. */
export interface NotebookInput {
  ctx: StatsContext;
  outDir: string;
  databaseLabel: string;
}

/** A reproducible analysis: reads the incident database, writes `outDir/REPORT.md` and its SVG charts. */
export interface Notebook {
  name: string;
  title: string;
  /** Writes the report and charts; returns the file names written (relative to outDir), sorted. */
  run(input: NotebookInput): Promise<string[]>;
}

/** A short sentence on what the database holds, shared by the notebooks' introductions. */
export function describeDatabase(ctx: StatsContext, databaseLabel: string): string {
  const incidents = ctx.db.prepare('SELECT count(*) FROM incidents').pluck().get() as number;
  const labeled = ctx.db.prepare('SELECT count(DISTINCT incident_id) FROM labels').pluck().get() as number;
  const human = ctx.db.prepare(`SELECT count(DISTINCT incident_id) FROM labels WHERE origin = 'human'`).pluck().get() as number;
  const multi = ctx.db.prepare('SELECT count(*) FROM incidents WHERE multi_incident = 1').pluck().get() as number;
  return (
    `Built from \`${databaseLabel}\`: ${incidents} incidents, ${labeled} of them labeled (${human} with human labels, ` +
    `which override the classifier's for their dimension). ${multi} reports that cover several incidents (talks, lists) ` +
    `are left out of every count. An incident without a label for a dimension counts as \`unknown\`.`
  );
}
