import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidDataError, SourceError } from '../core/errors.js';
import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { listGitHubFolder } from './github-contents.js';
import { kubernetesTerms } from './kubernetes-relevance.js';
import { emptyRecord, readOfflineFile, yearOf, type Source, type SourceContext, type SourceEvent } from './source.js';

/** A folder of Markdown postmortems in a GitHub repository (one incident per dated file). */
export interface MarkdownFolderConfig {
  name: string;
  description: string;
  /** owner/name on GitHub. */
  repo: string;
  /** Folder inside the repository. */
  folder: string;
  branch: string;
  /** Folder under an --offline directory holding the same files. */
  offlinePath: string;
  /** SPDX id of the repository licence: it allows keeping the full text. */
  license: string;
  organization: string;
  /** Keep only files matching the Kubernetes rule (general collections). */
  kubernetesOnly: boolean;
  /** GitHub REST API root (tests point it at a local server). */
  apiBaseUrl?: string;
}

/** A heading of a postmortem and where its section lies in the text (UTF-16 offsets). */
export interface MarkdownSection {
  level: number;
  heading: string;
  start: number;
  end: number;
}

// index.md, README.md, templates and provenance notes (SOURCE.md) describe the folder; they are not incidents.
const NOT_A_REPORT = /^(index|readme|source|template.*)\.md$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The Markdown files of the folder that are incident reports. */
export function isReportFile(name: string): boolean {
  return name.toLowerCase().endsWith('.md') && !NOT_A_REPORT.test(name);
}

/** The `##`/`###` sections of a Markdown document. */
export function parseSections(markdown: string): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  const heading = /^(#{2,3})[ \t]+(.+?)[ \t]*$/gm;
  let inFence = false;
  const fences = [...markdown.matchAll(/^```.*$/gm)].map((m) => m.index);
  for (const m of markdown.matchAll(heading)) {
    inFence = fences.filter((f) => f < m.index).length % 2 === 1;
    if (inFence) continue;
    const previous = sections.at(-1);
    if (previous) previous.end = m.index;
    sections.push({ level: m[1].length, heading: m[2], start: m.index, end: markdown.length });
  }
  return sections;
}

/** "2017-10-17-cluster-full.md" -> 2017-10-17; "jan-2019-dns-outage.md" -> 2019-01. */
export function dateOfFileName(name: string): string | null {
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(name);
  if (iso) return iso[1];
  const monthYear = new RegExp(`^(${MONTHS.join('|')})[a-z]*-((?:19|20)\\d\\d)\\b`, 'i').exec(name);
  if (monthYear) return `${monthYear[2]}-${String(MONTHS.indexOf(monthYear[1].toLowerCase()) + 1).padStart(2, '0')}`;
  return null;
}

/** The report's title: its first `#` heading without a leading "incident date:" or "YYYY-MM-DD [time]," prefix. */
export function reportTitle(markdown: string, fileName: string): string {
  const h1 = /^#[ \t]+(.+?)[ \t]*$/m.exec(markdown)?.[1];
  if (!h1) return fileName.replace(/\.md$/i, '').replace(/[-_]+/g, ' ');
  return (
    h1
      .replace(/^incident date:\s*/i, '')
      .replace(/^\d{4}-\d{2}-\d{2}(?:\s+\d{1,2}:\d{2}\s*[AP]M(?:\s+[A-Z]{2,4})?)?\s*[,:-]?\s*/, '')
      .trim() || h1
  );
}

/** The record of one report: full text (the repository's licence allows it) with its section structure. */
export function markdownReportRecord(config: MarkdownFolderConfig, fileName: string, markdown: string): IncidentRecord {
  const blobUrl = `https://github.com/${config.repo}/blob/${config.branch}/${config.folder}/${fileName}`;
  const published = dateOfFileName(fileName);
  return {
    ...emptyRecord(canonicalIncidentId(blobUrl), config.name, reportTitle(markdown, fileName)),
    url: blobUrl,
    organization: config.organization,
    venue: 'postmortem',
    published,
    year: yearOf(published),
    text: markdown,
    textKind: 'article',
    license: config.license,
    extra: { file: `${config.folder}/${fileName}`, sections: parseSections(markdown) },
  };
}

/** The generic "folder of Markdown postmortems" source for one configured repository folder. */
export function markdownFolderSource(config: MarkdownFolderConfig): Source {
  const api = (config.apiBaseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const listUrl = `${api}/repos/${config.repo}/contents/${config.folder}?ref=${config.branch}`;
  return {
    name: config.name,
    description: config.description,
    offlinePath: config.offlinePath,
    liveUrl: listUrl,
    license: config.license,
    async *run(ctx: SourceContext): AsyncIterable<SourceEvent> {
      const files = ctx.offlineDir !== null ? await listOffline(ctx.offlineDir, config.offlinePath) : await listLive(ctx, listUrl);
      yield { type: 'total', count: files.length };
      for (const file of files) {
        let markdown: string;
        let fetched = null;
        try {
          if (ctx.offlineDir !== null) {
            markdown = await readOfflineFile(ctx.offlineDir, path.join(config.offlinePath, file.name));
          } else {
            const response = await (await ctx.http()).get(file.downloadUrl!, { conditional: true });
            if (response.notModified) continue;
            markdown = response.text;
            fetched = response.cacheEntry;
          }
        } catch (error) {
          if (!(error instanceof SourceError || error instanceof InvalidDataError)) throw error;
          yield { type: 'failed', ref: file.name, reason: error.message.replace(`${file.name}: `, '') };
          continue;
        }
        const record = markdownReportRecord(config, file.name, markdown);
        const terms = kubernetesTerms(record.title, record.text);
        if (config.kubernetesOnly && terms.length === 0) {
          yield { type: 'skipped', ref: file.name, reason: 'not Kubernetes-related' };
        } else {
          yield { type: 'incident', record: config.kubernetesOnly ? { ...record, extra: { ...record.extra, kubernetesTerms: terms } } : record };
        }
        if (fetched) yield { type: 'fetched', entry: fetched };
      }
    },
  };
}

async function listOffline(offlineDir: string, folder: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  const dir = path.join(offlineDir, folder);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new InvalidDataError(`${dir}: cannot list (${(cause as NodeJS.ErrnoException).code}); --offline must name a folder laid out like shared/datasets`, { cause });
  }
  return names.filter(isReportFile).sort().map((name) => ({ name }));
}

async function listLive(ctx: SourceContext, listUrl: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  return (await listGitHubFolder(ctx, listUrl))
    .filter((f) => f.type === 'file' && f.downloadUrl && isReportFile(f.name))
    .map((f) => ({ name: f.name, downloadUrl: f.downloadUrl! }));
}

/** mybinder.org incident reports (BinderHub on GKE); Kubernetes-related reports only. */
export function mybinderSource(apiBaseUrl?: string): Source {
  return markdownFolderSource({
    name: 'mybinder-incident-reports',
    description: 'mybinder.org-deploy incident reports (dated Markdown, Summary/Timeline/Lessons; Kubernetes-related only)',
    repo: 'jupyterhub/mybinder.org-deploy',
    folder: 'docs/source/incident-reports',
    branch: 'main',
    offlinePath: 'mybinder-incident-reports',
    license: 'BSD-3-Clause',
    organization: 'mybinder.org',
    kubernetesOnly: true,
    apiBaseUrl,
  });
}

/** Zalando's Kubernetes postmortems (all about their Kubernetes clusters). */
export function zalandoSource(apiBaseUrl?: string): Source {
  return markdownFolderSource({
    name: 'zalando-k8s-postmortems',
    description: 'zalando-incubator/kubernetes-on-aws postmortems (Markdown)',
    repo: 'zalando-incubator/kubernetes-on-aws',
    folder: 'docs/postmortems',
    branch: 'dev',
    offlinePath: 'zalando-k8s-postmortems',
    license: 'MIT',
    organization: 'Zalando',
    kubernetesOnly: false,
    apiBaseUrl,
  });
}
