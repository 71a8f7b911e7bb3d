import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidDataError, SourceError } from '../core/errors.js';
import type { FetchCacheEntry, FetchCacheReader, HumanLabels, IncidentRecord } from '../core/incident.js';
import type { HttpClient } from './http-client.js';

/** What a source yields while it runs; the refresh writes each event in order, one transaction each. */
export type SourceEvent =
  /** How many items the source expects to yield (for the progress bar). */
  | { type: 'total'; count: number }
  /** An incident, with gold labels when the source carries them, and the cursor reached once it is stored. */
  | { type: 'incident'; record: IncidentRecord; humanLabels?: HumanLabels; cursor?: string }
  /** An item that could not be read; the rest of the source goes on. */
  | { type: 'failed'; ref: string; reason: string }
  /** An item deliberately left out (not Kubernetes-related, a CI flake, ...). */
  | { type: 'skipped'; ref: string; reason: string }
  /** A fetched document whose records were all yielded before this event: its validators may now be cached. */
  | { type: 'fetched'; entry: FetchCacheEntry }
  /** The source finished a resumable unit of work. */
  | { type: 'cursor'; cursor: string };

/** What a running source may use. */
export interface SourceContext {
  /** A folder laid out like ../shared/datasets, or null for the network. */
  offlineDir: string | null;
  /** Only items created or updated since this date (network sources that can filter). */
  since: Date | null;
  /** The cursor this source committed last (resume point), if any. */
  cursor: string | undefined;
  /** Validators of earlier fetches, for conditional requests. */
  cache: FetchCacheReader;
  /** The shared HTTP client (built on first use; never called offline). */
  http(): Promise<HttpClient>;
  /** Keep full article text of pages that carry no licence (a private database only; never commit it). */
  keepUnlicensedText: boolean;
}

/** One incident source: a module under src/sources registered in registry.ts. */
export interface Source {
  /** Name used by `mutiny refresh --source NAME` and stored in incidents.source. */
  name: string;
  description: string;
  /** The folder (or file) this source reads under an --offline directory. */
  offlinePath: string;
  /** Where the source reads from on the network. */
  liveUrl: string;
  /** The licence of the source's text as recorded on incidents (null: no licence, facts only). */
  license: string | null;
  run(ctx: SourceContext): AsyncIterable<SourceEvent>;
}

/** The text of a document: from the offline folder, or fetched (conditionally) from the network. */
export type DocumentText = { text: string; fetched: FetchCacheEntry | null } | { notModified: true };

/**
 * Reads one document a source is built on: `offlineDir/offlinePath` offline; online the first of `liveUrls`
 * that exists (a list that moved or renamed its branch answers 404 at the old address), conditionally, so
 * that a 304 against the cached validators means nothing changed since the last complete run.
 */
export async function readDocument(ctx: SourceContext, offlinePath: string, liveUrls: string | string[]): Promise<DocumentText> {
  if (ctx.offlineDir !== null) return { text: await readOfflineFile(ctx.offlineDir, offlinePath), fetched: null };
  const http = await ctx.http();
  const candidates = Array.isArray(liveUrls) ? liveUrls : [liveUrls];
  for (const url of candidates) {
    const response = await http.get(url, { conditional: true, acceptStatus: [404] });
    if (response.status === 404) continue;
    if (response.notModified) return { notModified: true };
    return { text: response.text, fetched: response.cacheEntry };
  }
  throw new SourceError(`${candidates.join(', ')}: HTTP 404 Not Found; the document moved; pass its current URL (docs/dataset.md lists the overrides)`);
}

/** Reads a file of an offline dataset folder, naming the missing path and the fix when it is absent. */
export async function readOfflineFile(offlineDir: string, relative: string): Promise<string> {
  const file = path.join(offlineDir, relative);
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new InvalidDataError(`${file}: cannot read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); --offline must name a folder laid out like shared/datasets`, {
      cause,
    });
  }
}

/** A record with every optional fact empty; sources spread their facts over it. */
export function emptyRecord(id: string, source: string, title: string): IncidentRecord {
  return {
    id,
    source,
    url: null,
    title,
    organization: null,
    venue: null,
    published: null,
    year: null,
    text: null,
    textKind: 'none',
    license: null,
    tags: [],
    impact: null,
    multiIncident: false,
    extra: {},
  };
}

/** The year of an ISO-like date (YYYY, YYYY-MM, YYYY-MM-DD...), or null. */
export function yearOf(date: string | null): number | null {
  const m = date ? /^(\d{4})/.exec(date) : null;
  return m ? Number(m[1]) : null;
}

/** The first sentence of a text, cut at a word boundary to at most `max` characters. */
export function firstSentence(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2))}…`;
}
