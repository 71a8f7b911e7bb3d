import { canonicalIncidentId, type IncidentRecord } from '../core/incident.js';
import { emptyRecord, readDocument, type Source, type SourceContext, type SourceEvent } from './source.js';

/**
 * Controller/operator bug lists of testing papers (Sieve, OSDI'22; Acto, SOSP'23): Markdown with one
 * `## owner/project` heading per system and one bug-report link per line (or per table row), followed by its
 * status and, for Sieve, the bug pattern in parentheses.
 */
export interface ListedBug {
  line: number;
  project: string;
  url: string;
  status: string | null;
  patterns: string[];
}

const LINK_LINE = /^(https?:\/\/\S+)\s*(.*?)\s*$/;
const TABLE_LINK = /^\[?(https?:\/\/[^\]\s|]+)\]?(?:\([^)]*\))?$/;

/** Parses a bug list; returns bugs (first mention of each URL) and lines that look like bugs but do not parse. */
export function parseBugList(markdown: string): { bugs: ListedBug[]; unparsed: Array<{ line: number; reason: string }> } {
  const bugs = new Map<string, ListedBug>();
  const unparsed: Array<{ line: number; reason: string }> = [];
  // HTML comments hold superseded links, not bugs; blank them but keep the line numbers.
  const text = markdown.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, ''));
  let project: string | null = null;
  let tableProject: string | null = null;
  const add = (bug: ListedBug) => {
    const existing = bugs.get(bug.url);
    if (!existing) bugs.set(bug.url, bug);
    else existing.status ??= bug.status;
  };
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const heading = /^##\s+(?:\[([^\]]+)\]\([^)]*\)|(.+?))\s*$/.exec(line);
    if (heading) {
      project = (heading[1] ?? heading[2]).replace(/:$/, '');
      if (/^bugs found/i.test(project)) project = null;
      continue;
    }
    if (line.startsWith('|')) {
      if (/^\|\s*-+/.test(line) || /\|\s*link\s*\|/i.test(line)) continue;
      // "| project | [url](url) | status |"; the project is left blank under its first row, the status may be missing.
      const cells = line.replace(/^\|/, '').replace(/\|\s*$/, '').split('|').map((c) => c.trim());
      const link = cells.length >= 2 ? TABLE_LINK.exec(cells[1]) : null;
      if (!link) {
        unparsed.push({ line: i + 1, reason: 'expected "| project | [url](url) | status |"' });
        continue;
      }
      if (cells[0]) tableProject = cells[0];
      if (!tableProject) {
        unparsed.push({ line: i + 1, reason: 'table row without a project' });
        continue;
      }
      add({ line: i + 1, project: tableProject, url: link[1], status: cells[2] || null, patterns: [] });
      continue;
    }
    const link = LINK_LINE.exec(line);
    if (!link) continue;
    if (project === null) {
      unparsed.push({ line: i + 1, reason: 'bug link outside a "## project" section' });
      continue;
    }
    const patterns = /\(([^)]*)\)\s*$/.exec(link[2])?.[1];
    const status = link[2].replace(/\([^)]*\)\s*$/, '').trim();
    add({
      line: i + 1,
      project,
      url: link[1],
      status: status || null,
      patterns: patterns ? patterns.split(',').map((p) => p.trim()).filter(Boolean) : [],
    });
  }
  return { bugs: [...bugs.values()], unparsed };
}

/** The tracker's short name for a bug report: "cass-operator#412", "K8SSAND-559". */
function bugRef(url: string): string {
  const gh = /github\.com\/[^/]+\/([^/]+)\/(?:issues|pull)\/(\d+)/.exec(url);
  if (gh) return `${gh[1]}#${gh[2]}`;
  return url.replace(/\/+$/, '').split('/').at(-1) ?? url;
}

/** A listed bug as a link-only incident record (the lists give no bug text). */
export function listedBugRecord(bug: ListedBug, source: string, license: string | null, venue: string): IncidentRecord {
  const pattern = bug.patterns.length > 0 ? ` (${bug.patterns.join(', ')})` : '';
  return {
    ...emptyRecord(canonicalIncidentId(bug.url), source, `${bug.project}: ${bugRef(bug.url)}${pattern}`),
    url: bug.url,
    organization: bug.project.split('/')[0],
    venue,
    textKind: 'link-only',
    license,
    tags: [...bug.patterns],
    extra: { project: bug.project, status: bug.status, foundBy: venue, controllerBug: true },
  };
}

interface BugListConfig {
  name: string;
  description: string;
  offlinePath: string;
  liveUrl: string;
  license: string | null;
  venue: string;
}

function bugListSource(config: BugListConfig): Source {
  return {
    name: config.name,
    description: config.description,
    offlinePath: config.offlinePath,
    liveUrl: config.liveUrl,
    license: config.license,
    run: (ctx) => runBugList(ctx, config),
  };
}

async function* runBugList(ctx: SourceContext, config: BugListConfig): AsyncIterable<SourceEvent> {
  const doc = await readDocument(ctx, config.offlinePath, config.liveUrl);
  if ('notModified' in doc) return;
  const { bugs, unparsed } = parseBugList(doc.text);
  yield { type: 'total', count: bugs.length + unparsed.length };
  for (const bad of unparsed) yield { type: 'failed', ref: `${config.offlinePath}:${bad.line}`, reason: bad.reason };
  for (const bug of bugs) yield { type: 'incident', record: listedBugRecord(bug, config.name, config.license, config.venue) };
  if (doc.fetched) yield { type: 'fetched', entry: doc.fetched };
}

/** Bugs Sieve found in Kubernetes controllers (docs/bugs.md, BSD-2-Clause). */
export function sieveBugsSource(url = 'https://raw.githubusercontent.com/sieve-project/sieve/HEAD/docs/bugs.md'): Source {
  return bugListSource({
    name: 'sieve-bugs',
    description: "Sieve (OSDI'22) controller bugs: operator, bug-report link, status, bug pattern",
    offlinePath: 'sieve-bugs/bugs.md',
    liveUrl: url,
    license: 'BSD-2-Clause',
    venue: 'Sieve (OSDI 2022)',
  });
}

/** Bugs Acto found in Kubernetes operators (bugs.md; no licence: facts only). */
export function actoBugsSource(url = 'https://raw.githubusercontent.com/xlab-uiuc/acto/HEAD/bugs.md'): Source {
  return bugListSource({
    name: 'acto-bugs',
    description: "Acto (SOSP'23) operator bugs: operator, bug-report link, status",
    offlinePath: 'acto-bugs/bugs.md',
    liveUrl: url,
    license: null,
    venue: 'Acto (SOSP 2023)',
  });
}
