import { InvalidDataError } from '../core/errors.js';
import { actoBugsSource, sieveBugsSource } from './bug-lists.js';
import { bugsInKubeSource } from './bugsinkube.js';
import { danluuSource } from './danluu-post-mortems.js';
import { githubIssuesSource } from './github-issues.js';
import { iccoSource } from './icco-postmortems.js';
import { k8sFailureStoriesSource } from './k8s-failure-stories.js';
import { mybinderSource, zalandoSource } from './markdown-folder.js';
import { postmortemPagesSource } from './postmortem-pages.js';
import type { Source } from './source.js';

/**
 * Every incident source, in refresh order: the lists first, then what they link to. New sources register
 * here. (shared/datasets/k8s-fault-dataset is deliberately absent: its faults were injected, not observed in
 * production; see docs/dataset.md.)
 */
export function allSources(): Source[] {
  return [
    k8sFailureStoriesSource(),
    postmortemPagesSource(),
    zalandoSource(),
    mybinderSource(),
    danluuSource(),
    iccoSource(),
    githubIssuesSource(),
    sieveBugsSource(),
    actoBugsSource(),
    bugsInKubeSource(),
  ];
}

/** The sources named on the command line (all when none), rejecting unknown names with the valid list. */
export function selectSources(names: string[], sources: Source[] = allSources()): Source[] {
  if (names.length === 0) return sources;
  const byName = new Map(sources.map((s) => [s.name, s]));
  return names.map((name) => {
    const source = byName.get(name);
    if (!source) throw new InvalidDataError(`--source ${name}: unknown source; valid: ${[...byName.keys()].join(', ')}`);
    return source;
  });
}
