/**
 * Failure statistics over the incident database: effective labels, counts with Wilson intervals,
 * cross-tables, trends, full-text search, exports. Commands import this lazily.
 */
export { dimensionCodecs, refreshStatsFacts, datedPeriod, type DimensionCodec, type RefreshSummary } from './facts.js';
export {
  ALL_INCIDENTS,
  parseFilters,
  parseGroupDimensions,
  parseWhere,
  parseDateBound,
  queryParts,
  type QueryPart,
  type FilterOptions,
  type GroupDimension,
  type StatsFilters,
  type WhereFilter,
} from './filters.js';
export {
  prepareStats,
  openStats,
  distribution,
  crossTable,
  trend,
  countLeftOutReports,
  countingNotes,
  UNDATED,
  type StatsContext,
  type Share,
  type Distribution,
  type CrossTable,
  type Trend,
  type TrendPeriod,
} from './queries.js';
export { readIncident, searchIncidents, exportRows, EXPORT_COLUMNS, type IncidentDetail, type IncidentLabel, type Evidence, type SearchHit, type ExportRow } from './incidents.js';
export { writeExport, EXPORT_FORMATS, type ExportFormat } from './export.js';
export { renderDistribution, renderCrossTable, renderTrend, renderIncident, terminalSafe, formatPercent, formatInterval } from './render.js';
export {
  classifyReproducibility,
  readReproducibility,
  reproducibilityByFailure,
  NO_STATE_ERROR,
  type Reproducibility,
  type ReproducibilityRow,
} from './reproducibility.js';
