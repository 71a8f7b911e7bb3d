import { SourceError } from '../core/errors.js';
import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { extractArticle } from './html-article.js';
import { failureStoriesUrls, linkKind, parseFailureStories } from './k8s-failure-stories.js';
import { emptyRecord, firstSentence, yearOf, type Source, type SourceContext, type SourceEvent } from './source.js';

/** Longest summary kept from a page without a licence (its own description, else its first sentences). */
export const PAGE_SUMMARY_MAX = 300;

/**
 * The record of a fetched postmortem page. Blog posts carry no licence, so by default only facts and a short
 * summary are kept; `keepFullText` (a private database) keeps the extracted article.
 */
export async function pageRecord(
  listedUrl: string,
  page: { url: string; html: string; truncated: boolean; charset: string },
  keepFullText: boolean,
): Promise<IncidentRecord> {
  const article = await extractArticle(page.html);
  const summarySource = article.description ?? article.text;
  const summary = summarySource ? clip(summarySource.replace(/\s+/g, ' ').trim(), PAGE_SUMMARY_MAX) : null;
  const full = keepFullText && article.text.length > 0;
  return {
    ...emptyRecord(canonicalIncidentId(listedUrl), 'postmortem-pages', article.title ?? listedUrl),
    url: listedUrl,
    published: article.published,
    year: yearOf(article.published),
    text: full ? article.text : summary,
    textKind: full ? 'article' : summary ? 'summary' : 'none',
    license: full ? 'unknown (private copy, do not redistribute)' : null,
    extra: {
      pageTitle: article.title,
      articleChars: article.text.length,
      ...(page.url !== listedUrl ? { finalUrl: page.url } : {}),
      ...(page.truncated ? { truncated: true } : {}),
      ...(page.charset !== 'utf-8' ? { charset: page.charset } : {}),
    },
  };
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const sentence = firstSentence(text, max);
  return sentence.length >= max / 3 ? sentence : `${text.slice(0, max - 1)}…`;
}

/**
 * Source 2: the postmortem pages the Kubernetes Failure Stories list links to. Talks, slides and PDFs stay
 * links; pages are fetched politely (robots.txt, conditional) and their title, date and summary kept. Offline
 * there are no page snapshots, so nothing is fetched and the list's entries stay as they are.
 */
export function postmortemPagesSource(listUrls: string | string[] = failureStoriesUrls()): Source {
  const candidates = Array.isArray(listUrls) ? listUrls : [listUrls];
  return {
    name: 'postmortem-pages',
    description: 'HTML postmortems linked from k8s.af: title, date, summary (talks/slides/PDFs stay links)',
    offlinePath: '(none: no HTML snapshots offline)',
    liveUrl: candidates[0],
    license: null,
    run: (ctx) => runPages(ctx, candidates),
  };
}

async function* runPages(ctx: SourceContext, listUrls: string[]): AsyncIterable<SourceEvent> {
  if (ctx.offlineDir !== null) {
    yield { type: 'total', count: 0 };
    return;
  }
  const http = await ctx.http();
  // The list itself is read unconditionally: a 304 (k8s-failure-stories just cached it) would hide its links.
  let listText: string | null = null;
  for (const url of listUrls) {
    const response = await http.get(url, { acceptStatus: [404] });
    if (response.status !== 404) {
      listText = response.text;
      break;
    }
  }
  if (listText === null) throw new SourceError(`${listUrls.join(', ')}: HTTP 404 Not Found; the list moved, set MUTINY_K8SAF_URL to its raw README`);
  const { entries } = parseFailureStories(listText);
  yield { type: 'total', count: entries.length };
  for (const entry of entries) {
    const kind = linkKind(entry.url);
    if (kind !== 'page') {
      yield { type: 'skipped', ref: entry.url, reason: `${kind}: kept as a link` };
      continue;
    }
    try {
      const response = await http.get(entry.url, { conditional: true, robots: true, headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5' } });
      if (response.notModified) {
        yield { type: 'skipped', ref: entry.url, reason: 'not modified since the last refresh' };
        continue;
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (/application\/pdf/i.test(contentType)) {
        yield { type: 'skipped', ref: entry.url, reason: 'pdf: kept as a link' };
      } else {
        const record = await pageRecord(entry.url, { url: response.url, html: response.text, truncated: response.truncated, charset: response.charset }, ctx.keepUnlicensedText);
        yield { type: 'incident', record };
      }
      yield { type: 'fetched', entry: response.cacheEntry };
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      yield { type: 'failed', ref: entry.url, reason: error.message };
    }
  }
}
