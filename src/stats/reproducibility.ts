import { UNKNOWN } from '../core/taxonomy.js';
import type { StatsFilters } from './filters.js';
import { exportRows, type ExportRow } from './incidents.js';
import type { Share, StatsContext } from './queries.js';
import { wilsonInterval } from '../core/statistics.js';

/** The error code that says the failure came from outside the cluster state (SPEC.md). */
export const NO_STATE_ERROR = 'none';

/** How an incident's error set relates to state injection. */
export type Reproducibility = 'reproducible' | 'not-reproducible' | 'unknown';

/**
 * SPEC.md: an incident is reproducible by state injection when its error set holds any code but `none`;
 * `none` alone means it is not; no known error code means we cannot tell.
 */
export function classifyReproducibility(errors: string[]): Reproducibility {
  if (errors.some((e) => e !== NO_STATE_ERROR && e !== UNKNOWN)) return 'reproducible';
  if (errors.includes(NO_STATE_ERROR)) return 'not-reproducible';
  return 'unknown';
}

/** Reproducibility of the incidents of one failure class (or of all incidents, failure `all`). */
export interface ReproducibilityRow {
  failure: string;
  incidents: number;
  /** Share of the class's incidents, with its Wilson 95% interval. */
  reproducible: Share;
  notReproducible: number;
  unknown: number;
}

/** The incidents matching `filters` with their effective labels and reproducibility, ordered by id. */
export function readReproducibility(ctx: StatsContext, filters: StatsFilters): (ExportRow & { reproducibility: Reproducibility })[] {
  return [...exportRows(ctx, filters)].map((row) => ({ ...row, reproducibility: classifyReproducibility(row.error as string[]) }));
}

/**
 * Reproducibility per failure class in severity order (classes with no incident left out), then `all`.
 * This is the field side of the comparison with injection campaign results.
 */
export function reproducibilityByFailure(ctx: StatsContext, filters: StatsFilters): ReproducibilityRow[] {
  const incidents = readReproducibility(ctx, filters);
  const summarize = (failure: string, rows: typeof incidents): ReproducibilityRow => {
    const reproducible = rows.filter((r) => r.reproducibility === 'reproducible').length;
    const [low, high] = wilsonInterval(reproducible, rows.length);
    return {
      failure,
      incidents: rows.length,
      reproducible: { count: reproducible, share: rows.length > 0 ? reproducible / rows.length : 0, low, high },
      notReproducible: rows.filter((r) => r.reproducibility === 'not-reproducible').length,
      unknown: rows.filter((r) => r.reproducibility === 'unknown').length,
    };
  };
  const result = ctx.codecs.failure.values
    .map((failure) => summarize(failure, incidents.filter((r) => r.failure === failure)))
    .filter((row) => row.incidents > 0);
  result.push(summarize('all', incidents));
  return result;
}
