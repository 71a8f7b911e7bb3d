import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { kubernetesTerms } from './kubernetes-relevance.js';
import { emptyRecord, firstSentence, readDocument, type Source, type SourceContext, type SourceEvent } from './source.js';

/** danluu/post-mortems README on GitHub (default branch master). */
export const DANLUU_URL = 'https://raw.githubusercontent.com/danluu/post-mortems/master/README.md';
const OFFLINE_PATH = 'post-mortems/README.md';

/** One entry of the list: `[Organization](url), [see also](url). One-paragraph summary.` under a category. */
export interface DanluuEntry {
  line: number;
  category: string;
  organization: string;
  url: string;
  alsoUrls: string[];
  summary: string;
}

const ENTRY = /^\[([^\]]+)\]\((\S+?)\)((?:,\s*\[[^\]]*\]\(\S+?\))*)[.:,]?\s*(.*)$/;
const ALSO = /\[[^\]]*\]\((\S+?)\)/g;
// Sections after the incident categories list other collections and essays, not incidents.
const NOT_INCIDENT_SECTIONS = /^(table of contents|other lists of postmortems|analysis|contributors)$/i;

/** Parses the README: entries under each category heading; malformed entry lines are returned apart. */
export function parseDanluu(markdown: string): { entries: DanluuEntry[]; unparsed: Array<{ line: number; reason: string }> } {
  const entries: DanluuEntry[] = [];
  const unparsed: Array<{ line: number; reason: string }> = [];
  let category: string | null = null;
  for (const [i, text] of markdown.split(/\r?\n/).entries()) {
    const heading = /^##\s+(.+?)\s*$/.exec(text);
    if (heading) {
      category = NOT_INCIDENT_SECTIONS.test(heading[1]) ? null : heading[1];
      continue;
    }
    if (category === null || !text.startsWith('[')) continue;
    const m = ENTRY.exec(text);
    if (!m || !/^https?:\/\//.test(m[2]) || m[4].trim() === '') {
      unparsed.push({ line: i + 1, reason: 'expected "[Organization](https://...). Summary."' });
      continue;
    }
    entries.push({
      line: i + 1,
      category,
      organization: m[1].trim(),
      url: m[2],
      alsoUrls: [...m[3].matchAll(ALSO)].map((a) => a[1]),
      summary: m[4].trim(),
    });
  }
  return { entries, unparsed };
}

/** A date in the URL (/2018/08/, 2023-03-08), the only date the list gives. */
function dateInUrl(url: string): string | null {
  const m = /(?:^|[/_-])((?:19|20)\d\d)[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=[/_.-]|$)/.exec(url.replace(/^https?:\/\/web\.archive\.org\/web\/\d+\//, ''));
  if (!m) return null;
  return m[3] ? `${m[1]}-${m[2]}-${m[3]}` : `${m[1]}-${m[2]}`;
}

/** The record of an entry: the list has no licence, so its one-paragraph factual summary is the only text. */
export function danluuRecord(entry: DanluuEntry): IncidentRecord {
  const published = dateInUrl(entry.url);
  return {
    ...emptyRecord(canonicalIncidentId(entry.url), 'danluu-post-mortems', `${entry.organization}: ${firstSentence(entry.summary)}`),
    url: entry.url,
    organization: entry.organization,
    venue: 'postmortem',
    published,
    year: published ? Number(published.slice(0, 4)) : null,
    text: entry.summary,
    textKind: 'summary',
    tags: [entry.category],
    extra: { category: entry.category, ...(entry.alsoUrls.length > 0 ? { alsoUrls: entry.alsoUrls } : {}) },
  };
}

/** Source 4a: danluu/post-mortems, Kubernetes-related entries only (see kubernetes-relevance.ts). */
export function danluuSource(url = DANLUU_URL): Source {
  return {
    name: 'danluu-post-mortems',
    description: 'danluu/post-mortems README: one-paragraph summaries under category headings (Kubernetes-related only)',
    offlinePath: OFFLINE_PATH,
    liveUrl: url,
    license: null,
    run: (ctx) => runDanluu(ctx, url),
  };
}

async function* runDanluu(ctx: SourceContext, url: string): AsyncIterable<SourceEvent> {
  const doc = await readDocument(ctx, OFFLINE_PATH, url);
  if ('notModified' in doc) return;
  const { entries, unparsed } = parseDanluu(doc.text);
  yield { type: 'total', count: entries.length + unparsed.length };
  for (const bad of unparsed) yield { type: 'failed', ref: `README.md:${bad.line}`, reason: bad.reason };
  for (const entry of entries) {
    const terms = kubernetesTerms(entry.organization, entry.summary);
    if (terms.length === 0) {
      yield { type: 'skipped', ref: entry.url, reason: 'not Kubernetes-related' };
      continue;
    }
    const record = danluuRecord(entry);
    yield { type: 'incident', record: { ...record, extra: { ...record.extra, kubernetesTerms: terms } } };
  }
  if (doc.fetched) yield { type: 'fetched', entry: doc.fetched };
}
