import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InvalidDataError, SourceError } from '../core/errors.js';
import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { listGitHubFolder } from './github-contents.js';
import { kubernetesTerms } from './kubernetes-relevance.js';
import { emptyRecord, firstSentence, readOfflineFile, yearOf, type Source, type SourceContext, type SourceEvent } from './source.js';

const OFFLINE_PATH = 'icco-postmortems/data';

// The front matter as icco/postmortems writes it; unknown keys are tolerated (the upstream tool adds some).
const FrontMatterSchema = z.object({
  uuid: z.string(),
  url: z.string().url(),
  title: z.string().optional(),
  company: z.string().nullish(),
  product: z.string().nullish(),
  // YAML reads a keyword such as 2038 as a number; keywords are text.
  categories: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
  keywords: z.array(z.union([z.string(), z.number()]).transform(String)).nullish(),
  summary: z.string().nullish(),
  start_time: z.union([z.string(), z.date()]).nullish(),
  end_time: z.union([z.string(), z.date()]).nullish(),
  source_published_at: z.union([z.string(), z.date()]).nullish(),
  archive_url: z.string().nullish(),
});

/** A postmortem file: YAML front matter between `---` lines, then the Markdown body. */
export interface IccoPostmortem {
  file: string;
  frontMatter: z.infer<typeof FrontMatterSchema>;
  body: string;
}

/** Parses one data/*.md file; throws InvalidDataError naming the file and the field. */
export function parseIccoFile(file: string, text: string): IccoPostmortem {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!m) throw new InvalidDataError(`${file}: no YAML front matter between --- lines`);
  let raw: unknown;
  try {
    raw = parseYaml(m[1]);
  } catch (cause) {
    throw new InvalidDataError(`${file}: front matter is not YAML (${(cause as Error).message.split('\n')[0]})`, { cause });
  }
  const parsed = FrontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return { file, frontMatter: parsed.data, body: m[2].trim() };
}

function isoDate(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value instanceof Date ? value.toISOString() : value;
  return /^\d{4}(-\d{2}(-\d{2})?)?/.exec(text)?.[0] ?? null;
}

/** The record of a postmortem: the repository is GPL-3.0, so the body is kept in full. */
export function iccoRecord(pm: IccoPostmortem): IncidentRecord {
  const fm = pm.frontMatter;
  const published = isoDate(fm.start_time) ?? isoDate(fm.source_published_at);
  const lead = fm.summary ?? pm.body.replace(/^#.*$/gm, '').trim();
  // Untitled entries (imported from danluu's list) are named like danluu's: "Company: first sentence".
  const untitled = lead ? firstSentence(lead) : 'postmortem';
  const title = fm.title ?? (fm.company ? `${fm.company}: ${untitled}` : untitled);
  return {
    ...emptyRecord(canonicalIncidentId(fm.url), 'icco-postmortems', title),
    url: fm.url,
    organization: fm.company ?? null,
    venue: 'postmortem',
    published,
    year: yearOf(published),
    text: pm.body || fm.summary || null,
    textKind: pm.body || fm.summary ? 'article' : 'link-only',
    license: 'GPL-3.0',
    tags: [...new Set([...(fm.categories ?? []), ...(fm.keywords ?? [])])],
    impact: fm.summary ?? null,
    extra: {
      uuid: fm.uuid,
      product: fm.product ?? null,
      ...(fm.end_time ? { endTime: isoDate(fm.end_time) } : {}),
      ...(fm.archive_url ? { archiveUrl: fm.archive_url } : {}),
    },
  };
}

/** Source 4b: icco/postmortems front-matter files, Kubernetes-related entries only. */
export function iccoSource(apiBaseUrl = 'https://api.github.com'): Source {
  const listUrl = `${apiBaseUrl.replace(/\/$/, '')}/repos/icco/postmortems/contents/data?ref=main`;
  return {
    name: 'icco-postmortems',
    description: 'icco/postmortems: YAML front matter + Markdown body, GPL-3.0 (Kubernetes-related only)',
    offlinePath: OFFLINE_PATH,
    liveUrl: listUrl,
    license: 'GPL-3.0',
    run: (ctx) => runIcco(ctx, listUrl),
  };
}

async function* runIcco(ctx: SourceContext, listUrl: string): AsyncIterable<SourceEvent> {
  const files = ctx.offlineDir !== null ? await listOffline(ctx.offlineDir) : await listLive(ctx, listUrl);
  yield { type: 'total', count: files.length };
  for (const file of files) {
    let pm: IccoPostmortem;
    let fetched = null;
    try {
      let text: string;
      if (ctx.offlineDir !== null) {
        text = await readOfflineFile(ctx.offlineDir, path.join(OFFLINE_PATH, file.name));
      } else {
        const response = await (await ctx.http()).get(file.downloadUrl!, { conditional: true });
        if (response.notModified) continue;
        text = response.text;
        fetched = response.cacheEntry;
      }
      pm = parseIccoFile(file.name, text);
    } catch (error) {
      if (!(error instanceof SourceError || error instanceof InvalidDataError)) throw error;
      yield { type: 'failed', ref: file.name, reason: error.message.replace(`${file.name}: `, '') };
      continue;
    }
    const record = iccoRecord(pm);
    const terms = kubernetesTerms(record.title, record.impact, record.text, record.tags.join(', '));
    if (terms.length === 0) yield { type: 'skipped', ref: file.name, reason: 'not Kubernetes-related' };
    else yield { type: 'incident', record: { ...record, extra: { ...record.extra, kubernetesTerms: terms } } };
    if (fetched) yield { type: 'fetched', entry: fetched };
  }
}

async function listOffline(offlineDir: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  const dir = path.join(offlineDir, OFFLINE_PATH);
  try {
    return (await readdir(dir))
      .filter((n) => n.endsWith('.md') && n.toLowerCase() !== 'readme.md')
      .sort()
      .map((name) => ({ name }));
  } catch (cause) {
    throw new InvalidDataError(`${dir}: cannot list (${(cause as NodeJS.ErrnoException).code}); --offline must name a folder laid out like shared/datasets`, { cause });
  }
}

async function listLive(ctx: SourceContext, listUrl: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  return (await listGitHubFolder(ctx, listUrl))
    .filter((f) => f.type === 'file' && f.downloadUrl && f.name.endsWith('.md'))
    .map((f) => ({ name: f.name, downloadUrl: f.downloadUrl! }));
}
