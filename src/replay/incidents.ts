import { InvalidDataError } from '../core/errors.js';
import { exportRows, type ExportRow, type StatsContext, type StatsFilters } from '../stats/index.js';
import type { ReplayIncident } from './rules.js';

/** Which incidents a replay covers: named ids (multi-incident reports allowed), or every incident matching filters. */
export interface IncidentSelection {
  ids: string[];
  filters: StatsFilters;
}

/**
 * Reads incidents with their effective labels (human over rule), ordered by id. Named ids must all exist;
 * an unknown one is an error naming it.
 */
export function readReplayIncidents(ctx: StatsContext, selection: IncidentSelection): ReplayIncident[] {
  if (selection.ids.length === 0) return [...exportRows(ctx, selection.filters)].map(toReplayIncident);
  const wanted = new Set(selection.ids);
  const rows = [...exportRows(ctx, { ...selection.filters, includeMultiIncident: true })].filter((r) => wanted.has(r.id as string));
  const missing = selection.ids.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length > 0) throw new InvalidDataError(`--id ${missing[0]}: no such incident (or filtered out); find ids with \`mutiny search TEXT\``);
  return rows.map(toReplayIncident);
}

function toReplayIncident(row: ExportRow): ReplayIncident {
  return {
    id: row.id as string,
    title: row.title as string,
    url: row.url as string | null,
    failure: row.failure as string,
    client: row.client as string,
    error: row.error as string[],
    component: row.component as string[],
  };
}
