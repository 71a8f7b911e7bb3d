import { MutinyError } from '../core/errors.js';
import type { RefreshSink } from '../core/incident.js';
import { HttpClient, type HttpClientOptions } from './http-client.js';
import type { Source, SourceContext } from './source.js';

/** The outcome of one source in a refresh. */
export interface SourceSummary {
  source: string;
  new: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  /** One line per failure: `ref: reason` (a source that stopped early says so last). */
  failures: string[];
  /** Why items were skipped, with counts ("not Kubernetes-related" x 187). */
  skippedReasons: Record<string, number>;
  seconds: number;
}

/** Options of a refresh. */
export interface RefreshOptions {
  offlineDir: string | null;
  since: Date | null;
  keepUnlicensedText?: boolean;
  http?: HttpClientOptions;
  /** Called after each item (progress bars). */
  onItem?: (source: string, summary: SourceSummary) => void;
  onTotal?: (source: string, total: number) => void;
}

/**
 * Runs the sources one after another, writing every event to the sink as it arrives (each write its own
 * transaction), and returns per-source counts. A source that throws is recorded as failed and the next one runs.
 */
export async function runRefresh(sources: Source[], sink: RefreshSink, options: RefreshOptions): Promise<SourceSummary[]> {
  let client: HttpClient | undefined;
  const http = async () => (client ??= new HttpClient({ cache: sink, ...options.http }));
  const summaries: SourceSummary[] = [];
  for (const source of sources) {
    const started = Date.now();
    const summary: SourceSummary = { source: source.name, new: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, failures: [], skippedReasons: {}, seconds: 0 };
    const ctx: SourceContext = {
      offlineDir: options.offlineDir,
      since: options.since,
      cursor: sink.readCursor(source.name),
      cache: sink,
      http,
      keepUnlicensedText: options.keepUnlicensedText ?? false,
    };
    // A list that names one incident twice would otherwise overwrite itself on every run (never "unchanged").
    const seen = new Set<string>();
    try {
      for await (const event of source.run(ctx)) {
        switch (event.type) {
          case 'total':
            options.onTotal?.(source.name, event.count);
            continue;
          case 'incident':
            if (seen.has(event.record.id)) {
              summary.failed++;
              summary.failures.push(`${event.record.id}: listed twice by this source; kept the first`);
              break;
            }
            seen.add(event.record.id);
            summary[sink.writeIncident(event.record, { humanLabels: event.humanLabels, cursor: event.cursor })]++;
            break;
          case 'failed':
            summary.failed++;
            summary.failures.push(`${event.ref}: ${event.reason}`);
            break;
          case 'skipped':
            summary.skipped++;
            summary.skippedReasons[event.reason] = (summary.skippedReasons[event.reason] ?? 0) + 1;
            break;
          case 'fetched':
            sink.writeFetchCache(event.entry);
            continue;
          case 'cursor':
            sink.writeCursor(source.name, event.cursor);
            continue;
        }
        options.onItem?.(source.name, summary);
      }
    } catch (error) {
      if (!(error instanceof MutinyError)) throw error;
      summary.failed++;
      summary.failures.push(`stopped: ${error.message}`);
    }
    summary.seconds = (Date.now() - started) / 1000;
    summaries.push(summary);
  }
  return summaries;
}
