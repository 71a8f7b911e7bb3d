import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { InvalidDataError, SourceError } from '../core/errors.js';
import { canonicalIncidentId, type FetchCacheEntry, type IncidentRecord } from '../core/incident.js';
import { listGitHubFolder } from './github-contents.js';
import { emptyRecord, firstSentence, readOfflineFile, type Source, type SourceContext, type SourceEvent } from './source.js';

const OFFLINE_PATH = 'BugsInKube/bugs';
/** Longest description kept: the repository has no licence, so only a short factual summary is stored. */
export const BUGSINKUBE_SUMMARY_MAX = 500;

const DefinitionSchema = z.object({
  id: z.number().int(),
  platform: z.string(),
  'affected-version': z.string().nullish(),
  'affected-categorization': z.string().nullish(),
  severity: z.string().nullish(),
  resolved: z.string().nullish(),
  link: z.string().url(),
  description: z.string(),
  'expected-behaviour': z.string().nullish(),
});

/** A BugsInKube bug definition (bugs/bug-N/definition.json). */
export type BugDefinition = z.infer<typeof DefinitionSchema>;

/** Parses a definition.json, naming the file and field on error. */
export function parseBugDefinition(file: string, text: string): BugDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new InvalidDataError(`${file}: not JSON (${(cause as Error).message})`, { cause });
  }
  const parsed = DefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidDataError(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The record of the bugs reported in one issue (BugsInKube lists some issues twice, one bug each): facts plus
 * each description cut to a short summary (no licence).
 */
export function bugDefinitionRecord(bugs: BugDefinition[]): IncidentRecord {
  const [first] = bugs;
  const summaries = bugs.map((bug) => {
    const summary = bug.description.replace(/\s+/g, ' ').trim();
    return summary.length <= BUGSINKUBE_SUMMARY_MAX ? summary : `${summary.slice(0, BUGSINKUBE_SUMMARY_MAX - 1)}…`;
  });
  const tags = bugs.flatMap((bug) => [bug['affected-categorization'], bug.severity ? `severity/${bug.severity}` : null]);
  return {
    ...emptyRecord(canonicalIncidentId(first.link), 'bugsinkube', firstSentence(summaries[0])),
    url: first.link,
    organization: 'kubernetes',
    venue: 'BugsInKube (APSEC 2024)',
    text: summaries.join('\n\n'),
    textKind: 'summary',
    tags: [...new Set(tags.filter((t): t is string => Boolean(t)))],
    extra: {
      bugsInKubeIds: bugs.map((bug) => bug.id),
      platform: first.platform,
      affectedVersion: first['affected-version'] ?? null,
      resolved: first.resolved ?? null,
      controllerBug: true,
    },
  };
}

/** Groups bug definitions by the incident (issue) they link to, keeping file order. */
export function groupByIncident(bugs: BugDefinition[]): BugDefinition[][] {
  const groups = new Map<string, BugDefinition[]>();
  for (const bug of bugs) {
    const id = canonicalIncidentId(bug.link);
    groups.set(id, [...(groups.get(id) ?? []), bug]);
  }
  return [...groups.values()];
}

/** Source: BugsInKube reconciliation bugs (bugs/bug-N/definition.json). */
export function bugsInKubeSource(apiBaseUrl = 'https://api.github.com', rawBaseUrl = 'https://raw.githubusercontent.com'): Source {
  const listUrl = `${apiBaseUrl.replace(/\/$/, '')}/repos/EmInReLab/BugsInKube/contents/bugs`;
  const rawRoot = `${rawBaseUrl.replace(/\/$/, '')}/EmInReLab/BugsInKube/HEAD/bugs`;
  return {
    name: 'bugsinkube',
    description: 'BugsInKube (APSEC 2024) reproducible Kubernetes reconciliation bugs: link, category, severity, short description',
    offlinePath: OFFLINE_PATH,
    liveUrl: listUrl,
    license: null,
    run: (ctx) => runBugsInKube(ctx, listUrl, rawRoot),
  };
}

async function* runBugsInKube(ctx: SourceContext, listUrl: string, rawRoot: string): AsyncIterable<SourceEvent> {
  const files = ctx.offlineDir !== null ? await listOffline(ctx.offlineDir) : await listLive(ctx, listUrl, rawRoot);
  yield { type: 'total', count: files.length };
  const bugs: BugDefinition[] = [];
  const fetchedEntries: FetchCacheEntry[] = [];
  for (const file of files) {
    let bug: BugDefinition;
    try {
      let text: string;
      if (ctx.offlineDir !== null) {
        text = await readOfflineFile(ctx.offlineDir, path.join(OFFLINE_PATH, file.name));
      } else {
        const response = await (await ctx.http()).get(file.downloadUrl!);
        text = response.text;
        fetchedEntries.push(response.cacheEntry);
      }
      bug = parseBugDefinition(file.name, text);
    } catch (error) {
      if (!(error instanceof SourceError || error instanceof InvalidDataError)) throw error;
      yield { type: 'failed', ref: file.name, reason: error.message.replace(`${file.name}: `, '') };
      continue;
    }
    bugs.push(bug);
  }
  // Bugs are grouped by issue before any is written, so the files are read unconditionally online.
  for (const group of groupByIncident(bugs)) yield { type: 'incident', record: bugDefinitionRecord(group) };
  for (const entry of fetchedEntries) yield { type: 'fetched', entry };
}

/** Offline copies are flattened to bug-N.definition.json, sorted by N. */
async function listOffline(offlineDir: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  const dir = path.join(offlineDir, OFFLINE_PATH);
  try {
    return (await readdir(dir))
      .filter((n) => /^bug-\d+\.definition\.json$/.test(n))
      .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
      .map((name) => ({ name }));
  } catch (cause) {
    throw new InvalidDataError(`${dir}: cannot list (${(cause as NodeJS.ErrnoException).code}); --offline must name a folder laid out like shared/datasets`, { cause });
  }
}

/** Online, each bug is a folder bugs/bug-N/ holding definition.json next to the raw file URL. */
async function listLive(ctx: SourceContext, listUrl: string, rawRoot: string): Promise<Array<{ name: string; downloadUrl?: string }>> {
  return (await listGitHubFolder(ctx, listUrl))
    .filter((f) => f.type === 'dir' && /^bug-\d+$/.test(f.name))
    .sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)))
    .map((f) => ({ name: `${f.name}.definition.json`, downloadUrl: `${rawRoot}/${f.name}/definition.json` }));
}
