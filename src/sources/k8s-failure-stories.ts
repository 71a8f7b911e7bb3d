import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { emptyRecord, readDocument, type Source, type SourceContext, type SourceEvent } from './source.js';

/**
 * The live list (k8s.af) on codeberg, where it moved from GitHub in Aug 2020. k8s.af's own updater read branch
 * master at first and branch main later, so both are tried, main first. MUTINY_K8SAF_URL overrides them.
 */
export const K8S_FAILURE_STORIES_URLS: readonly string[] = [
  'https://codeberg.org/hjacobs/kubernetes-failure-stories/raw/branch/main/README.md',
  'https://codeberg.org/hjacobs/kubernetes-failure-stories/raw/branch/master/README.md',
];

/** The list's URLs to try: MUTINY_K8SAF_URL when set, else the known branches. */
export function failureStoriesUrls(): string[] {
  return process.env.MUTINY_K8SAF_URL ? [process.env.MUTINY_K8SAF_URL] : [...K8S_FAILURE_STORIES_URLS];
}

/** One entry of the Kubernetes Failure Stories list as written in its README. */
export interface FailureStoryEntry {
  /** 0-based position in the list (the `k8saf-N` of the gold labels). */
  index: number;
  line: number;
  rawTitle: string;
  title: string;
  organization: string | null;
  venue: string | null;
  published: string | null;
  url: string;
  involvedRaw: string | null;
  involved: string[];
  impact: string | null;
}

/** A README line that looks like an entry but does not parse. */
export interface UnparsedLine {
  line: number;
  text: string;
  reason: string;
}

/** How a linked story can be read: a page to extract, or a talk/slides/PDF kept as a link only. */
export type LinkKind = 'page' | 'talk' | 'slides' | 'pdf';

const ENTRY = /^\* \[(.+)\]\((\S+)\)\s*$/;
const DETAIL = /^\s+\* (involved|impact):\s?(.*)$/;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * Parses the README: each `* [Title - Organization - venue year](url)` bullet with its `involved:` and
 * `impact:` sub-bullets, until the first heading after the list. Lines that look like entries but do not
 * parse are returned apart; the rest are kept.
 */
export function parseFailureStories(markdown: string): { entries: FailureStoryEntry[]; unparsed: UnparsedLine[] } {
  const entries: FailureStoryEntry[] = [];
  const unparsed: UnparsedLine[] = [];
  const lines = markdown.split(/\r?\n/);
  let inList = false;
  // The entry the next involved/impact lines belong to; null after an entry that did not parse (its detail
  // lines go with it).
  let current: FailureStoryEntry | null = null;
  for (const [i, text] of lines.entries()) {
    const lineNo = i + 1;
    if (/^#/.test(text)) {
      if (inList) break;
      continue;
    }
    if (/^\* /.test(text)) {
      inList = true;
      const m = ENTRY.exec(text);
      if (!m || !/^https?:\/\//.test(m[2])) {
        unparsed.push({ line: lineNo, text, reason: 'expected "* [Title - Organization - venue](https://...)"' });
        current = null;
        continue;
      }
      current = { index: entries.length, line: lineNo, url: m[2], involvedRaw: null, involved: [], impact: null, ...splitTitle(m[1]) };
      entries.push(current);
      continue;
    }
    const detail = DETAIL.exec(text);
    if (detail && inList) {
      if (current && detail[1] === 'involved') {
        current.involvedRaw = detail[2];
        current.involved = splitInvolved(detail[2]);
      } else if (current) {
        current.impact = detail[2].trim() || null;
      }
    } else if (inList && text.trim() !== '' && /^\s+\*/.test(text)) {
      unparsed.push({ line: lineNo, text, reason: 'expected "  * involved: ..." or "  * impact: ..."' });
    }
  }
  return { entries, unparsed };
}

/** Splits "Title - Organization - venue 2019" (the title may itself contain " - "). */
function splitTitle(raw: string): Pick<FailureStoryEntry, 'rawTitle' | 'title' | 'organization' | 'venue' | 'published'> {
  const parts = raw.split(' - ').map((p) => p.trim());
  let title = raw.trim();
  let organization: string | null = null;
  let venue: string | null = null;
  if (parts.length >= 3) {
    venue = parts.at(-1)!;
    organization = parts.at(-2)!;
    title = parts.slice(0, -2).join(' - ');
  } else if (parts.length === 2) {
    // "Title - Grafana Labs 2019": the organization is the venue without its date.
    venue = parts[1];
    organization = venue.replace(/\s*\b(19|20)\d\d(-\d\d)?\s*$/, '').trim() || null;
    title = parts[0];
  }
  return { rawTitle: raw, title, organization, venue, published: venue ? dateOfVenue(venue) : null };
}

/** "KubeCon 2019" -> 2019, "meetup slides 2019-06" -> 2019-06, "Medium post January 2019" -> 2019-01. */
function dateOfVenue(venue: string): string | null {
  const ym = /\b((?:19|20)\d\d)-(\d\d)\b/.exec(venue);
  if (ym) return `${ym[1]}-${ym[2]}`;
  const monthYear = new RegExp(`\\b(${MONTHS.join('|')}|${MONTHS.map((m) => m.slice(0, 3)).join('|')})\\s+((?:19|20)\\d\\d)\\b`, 'i').exec(venue);
  if (monthYear) {
    const month = MONTHS.findIndex((m) => m.startsWith(monthYear[1].toLowerCase().slice(0, 3))) + 1;
    return `${monthYear[2]}-${String(month).padStart(2, '0')}`;
  }
  return /\b((?:19|20)\d\d)\b/.exec(venue)?.[1] ?? null;
}

/** "AWS, `OOMKill`, \"graceful shutdown\"," -> ["AWS", "OOMKill", "graceful shutdown"]. */
function splitInvolved(raw: string): string[] {
  return raw
    .split(',')
    .map((t) => t.trim().replace(/^[`"']+|[`"']+$/g, '').trim())
    .filter((t) => t.length > 0);
}

/** Talks, slides and PDFs cannot be extracted as articles; they are recorded as links. */
export function linkKind(url: string): LinkKind {
  const host = (() => {
    try {
      return new URL(url).hostname.toLowerCase();
    } catch {
      return '';
    }
  })();
  if (/(^|\.)(youtube\.com|youtu\.be|vimeo\.com)$/.test(host)) return 'talk';
  if (/(^|\.)(slideshare\.net|speakerdeck\.com)$/.test(host)) return 'slides';
  if (/\.pdf(?:$|[?#])/i.test(url)) return 'pdf';
  return 'page';
}

// A talk or slide deck whose title or impact speaks of several stories covers several incidents.
const SEVERAL_STORIES_TITLE = /\b(ways|stories|lessons|playbook|failures|bad and the ugly)\b/i;
const SEVERAL_STORIES_IMPACT = /\b(outages|multiple|other outages)\b/i;

/** Whether an entry reports several incidents (a talk or slides about many failures) rather than one. */
export function isMultiIncident(entry: FailureStoryEntry): boolean {
  const kind = linkKind(entry.url);
  if (kind !== 'talk' && kind !== 'slides') return false;
  return SEVERAL_STORIES_TITLE.test(entry.title) || SEVERAL_STORIES_IMPACT.test(entry.impact ?? '');
}

/**
 * The incident record of an entry. The list has no licence, so the record keeps facts and the list's own
 * short summary (title, involved and impact lines), never the linked article.
 */
export function failureStoryRecord(entry: FailureStoryEntry, source = 'k8s-failure-stories'): IncidentRecord {
  const summary = [entry.rawTitle, entry.involvedRaw !== null ? `involved: ${entry.involvedRaw}` : null, entry.impact !== null ? `impact: ${entry.impact}` : null]
    .filter((l): l is string => l !== null)
    .join('\n');
  const label = [entry.organization, entry.venue].filter(Boolean).join(', ');
  return {
    ...emptyRecord(canonicalIncidentId(entry.url), source, label ? `${entry.title} (${label})` : entry.title),
    url: entry.url,
    organization: entry.organization,
    venue: entry.venue,
    published: entry.published,
    year: entry.published ? Number(entry.published.slice(0, 4)) : null,
    text: summary,
    textKind: 'summary',
    tags: entry.involved,
    impact: entry.impact,
    multiIncident: isMultiIncident(entry),
    extra: { k8safIndex: entry.index, linkKind: linkKind(entry.url), listTitle: entry.title },
  };
}

/** Source 1: the Kubernetes Failure Stories list (k8s.af), read from the first of `urls` that exists. */
export function k8sFailureStoriesSource(urls: string | string[] = failureStoriesUrls()): Source {
  const candidates = Array.isArray(urls) ? urls : [urls];
  return {
    name: 'k8s-failure-stories',
    description: 'Kubernetes Failure Stories (k8s.af): title, organization, venue, involved tags, impact',
    offlinePath: K8S_FAILURE_STORIES_OFFLINE_PATH,
    liveUrl: candidates[0],
    license: null,
    run: (ctx) => runFailureStories(ctx, candidates),
  };
}

/** Where the list lives under an --offline folder. */
export const K8S_FAILURE_STORIES_OFFLINE_PATH = 'k8s-failure-stories/README.md';

async function* runFailureStories(ctx: SourceContext, urls: string[]): AsyncIterable<SourceEvent> {
  const doc = await readDocument(ctx, K8S_FAILURE_STORIES_OFFLINE_PATH, urls);
  if ('notModified' in doc) return;
  const { entries, unparsed } = parseFailureStories(doc.text);
  yield { type: 'total', count: entries.length + unparsed.length };
  for (const bad of unparsed) yield { type: 'failed', ref: `README.md:${bad.line}`, reason: bad.reason };
  for (const entry of entries) yield { type: 'incident', record: failureStoryRecord(entry) };
  if (doc.fetched) yield { type: 'fetched', entry: doc.fetched };
}
