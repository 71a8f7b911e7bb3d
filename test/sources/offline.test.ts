import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalIncidentId } from '../../src/core/incident.js';
import { actoBugsSource, sieveBugsSource } from '../../src/sources/bug-lists.js';
import { bugsInKubeSource } from '../../src/sources/bugsinkube.js';
import { danluuSource } from '../../src/sources/danluu-post-mortems.js';
import { githubIssuesSource } from '../../src/sources/github-issues.js';
import { iccoSource } from '../../src/sources/icco-postmortems.js';
import { k8sFailureStoriesSource } from '../../src/sources/k8s-failure-stories.js';
import { mybinderSource, zalandoSource } from '../../src/sources/markdown-folder.js';
import { postmortemPagesSource } from '../../src/sources/postmortem-pages.js';
import { runRefresh } from '../../src/sources/refresh.js';
import { allSources, selectSources } from '../../src/sources/registry.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { countIncidentsBySource, incidentSink, readIncident } from '../../src/store/incidents.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources');
const offlineDir = path.join(fixtures, 'datasets');

function sources() {
  return [
    k8sFailureStoriesSource(),
    postmortemPagesSource(),
    zalandoSource(),
    mybinderSource(),
    danluuSource(),
    iccoSource(),
    githubIssuesSource({ seedsFile: path.join(fixtures, 'issue-seeds.jsonl') }),
    sieveBugsSource(),
    actoBugsSource(),
    bugsInKubeSource(),
  ];
}

async function refresh(db: Db) {
  const summaries = await runRefresh(sources(), incidentSink(db), { offlineDir, since: null });
  return Object.fromEntries(summaries.map((s) => [s.source, s]));
}

describe('offline refresh of a folder laid out like shared/datasets', () => {
  it('stores every source, reports lines that do not parse, and is idempotent', async () => {
    const db = openDatabase(':memory:');
    const first = await refresh(db);
    expect(first['k8s-failure-stories']).toMatchObject({ new: 10, failed: 1 });
    expect(first['k8s-failure-stories'].failures).toEqual(['README.md:15: expected "* [Title - Organization - venue](https://...)"']);
    expect(first['postmortem-pages']).toMatchObject({ new: 0, failed: 0 });
    // The Zalando postmortem is the k8s.af entry that links to it: the same incident, updated.
    expect(first['zalando-k8s-postmortems']).toMatchObject({ new: 0, updated: 1 });
    expect(first['mybinder-incident-reports']).toMatchObject({ new: 1, skipped: 1 });
    expect(first['danluu-post-mortems']).toMatchObject({ new: 2, skipped: 2, failed: 1 });
    expect(first['icco-postmortems']).toMatchObject({ new: 1, updated: 1, skipped: 2, failed: 1 });
    expect(first['icco-postmortems'].failures[0]).toMatch(/^ffffffff-malformed-front-matter\.md: front matter is not YAML/);
    expect(first['danluu-post-mortems'].failures).toEqual(['README.md:22: expected "[Organization](https://...). Summary."']);
    expect(first['github-issues']).toMatchObject({ new: 3 });
    expect(first['sieve-bugs']).toMatchObject({ new: 7 });
    expect(first['acto-bugs']).toMatchObject({ new: 9 });
    expect(first.bugsinkube).toMatchObject({ new: 2 });

    expect(countIncidentsBySource(db)).toEqual([
      
      { source: 'acto-bugs', incidents: 9 },
      { source: 'k8s-failure-stories', incidents: 9 },
      { source: 'sieve-bugs', incidents: 7 },
      { source: 'github-issues', incidents: 3 },
      { source: 'bugsinkube', incidents: 2 },
      { source: 'icco-postmortems', incidents: 2 },
      { source: 'danluu-post-mortems', incidents: 1 },
      { source: 'mybinder-incident-reports', incidents: 1 },
      { source: 'zalando-k8s-postmortems', incidents: 1 },
    ]);

    const second = await refresh(db);
    for (const s of Object.values(second)) expect({ source: s.source, new: s.new, updated: s.updated }).toEqual({ source: s.source, new: 0, updated: 0 });
    expect(Object.values(second).reduce((n, s) => n + s.unchanged, 0)).toBe(
      Object.values(first).reduce((n, s) => n + s.new + s.updated, 0),
    );
  });

  it('keeps the k8s.af conventions: title, facts, summary text, tags', async () => {
    const db = openDatabase(':memory:');
    await refresh(db);
    const row = readIncident(db, 'https://yashmehrotra.com/post/2020-03-16-case-of-missing-packet')!;
    expect(row).toMatchObject({
      source: 'k8s-failure-stories',
      url: 'https://yashmehrotra.com/post/2020-03-16-case-of-missing-packet/',
      title: 'The case of the missing packet: An EKS migration tale (MindTickle, blog post 2020)',
      organization: 'MindTickle',
      venue: 'blog post 2020',
      published: '2020',
      year: 2020,
      textKind: 'summary',
      license: null,
      text: 'The case of the missing packet: An EKS migration tale - MindTickle - blog post 2020\ninvolved: EKS, AWS CNI Plugin,\nimpact: Frequent connection failures when talking to services outside the cluster',
      tags: ['EKS', 'AWS CNI Plugin'],
      impact: 'Frequent connection failures when talking to services outside the cluster',
      multiIncident: false,
      extra: { k8safIndex: 0, linkKind: 'page', listTitle: 'The case of the missing packet: An EKS migration tale' },
    });
    const grafana = readIncident(db, canonicalIncidentId('https://grafana.com/blog/2019/07/24/how-a-production-outage-was-caused-using-kubernetes-pod-priorities/'))!;
    expect(grafana.title).toBe('How a Production Outage Was Caused Using Kubernetes Pod Priorities (Grafana Labs, Grafana Labs 2019)');
    const talk = readIncident(db, 'https://youtube.com/watch?v=6sDTB4eV4F8')!;
    expect(talk).toMatchObject({ multiIncident: true, extra: { linkKind: 'talk' } });
    expect(talk.tags).toContain('ndots:5');
  });

  it('dedupes the k8s.af entry and the Zalando postmortem by canonical URL, keeping the licensed full text', async () => {
    const db = openDatabase(':memory:');
    await refresh(db);
    const row = readIncident(db, 'https://github.com/zalando-incubator/kubernetes-on-aws/blob/HEAD/docs/postmortems/jan-2019-dns-outage.md')!;
    expect(row).toMatchObject({
      source: 'zalando-k8s-postmortems',
      title: 'Total DNS outage in Kubernetes cluster',
      organization: 'Zalando',
      venue: 'postmortem',
      published: '2019-01',
      textKind: 'article',
      license: 'MIT',
      impact: 'production outage',
    });
    expect(row.tags).toEqual(['AWS', 'DNS', 'CoreDNS', 'OOMKill', 'ndots:5', 'HTTP retries']);
    expect(row.text).toMatch(/^# Total DNS outage in Kubernetes cluster\n\n## Summary\n/);
    expect((row.extra.sections as Array<{ heading: string }>).map((s) => s.heading)).toEqual([
      'Summary',
      'Timeline',
      'Contributing Factors',
      'Lessons Learned',
      'Action Items',
    ]);
    const sections = row.extra.sections as Array<{ heading: string; start: number; end: number }>;
    expect(row.text!.slice(sections[0].start, sections[0].start + 10)).toBe('## Summary');
    expect(row.extra.sources).toEqual(['zalando-k8s-postmortems', 'k8s-failure-stories']);
  });

  it('keeps only Kubernetes-related entries of general collections, with the terms that matched', async () => {
    const db = openDatabase(':memory:');
    const summaries = await refresh(db);
    expect(summaries['danluu-post-mortems'].skippedReasons).toEqual({ 'not Kubernetes-related': 2 });
    expect(readIncident(db, canonicalIncidentId('https://allegro.tech/2018/08/postmortem-why-allegro-went-down.html'))).toBeUndefined();
    const reddit = readIncident(db, 'https://reddit.com/r/RedditEng/comments/11xx5o0/you_broke_reddit_the_piday_outage')!;
    expect(reddit).toMatchObject({ source: 'danluu-post-mortems', organization: 'Reddit', textKind: 'summary', license: null, extra: { kubernetesTerms: ['kubernetes'] } });
    expect(reddit.title).toBe('Reddit: Outage for over 5 hours when a critical Kubernetes cluster upgrade failed.');
    // icco (GPL-3.0) keeps the full body; danluu's summary of the same Datadog incident merges into it.
    const datadog = readIncident(db, 'https://datadoghq.com/blog/2023-03-08-multiregion-infrastructure-connectivity-issue')!;
    expect(datadog).toMatchObject({ source: 'icco-postmortems', license: 'GPL-3.0', textKind: 'article', published: '2023-03-08', organization: 'Datadog' });
    expect(datadog.extra.sources).toEqual(['icco-postmortems', 'danluu-post-mortems']);
    const binder = readIncident(db, 'https://github.com/jupyterhub/mybinder.org-deploy/blob/HEAD/docs/source/incident-reports/2017-10-17-cluster-full.md')!;
    expect(binder).toMatchObject({ title: 'Cluster Full', published: '2017-10-17', license: 'BSD-3-Clause', textKind: 'article' });
    expect(binder.extra.kubernetesTerms).toEqual(expect.arrayContaining(['kubectl', 'pod(s)', 'kubespawner']));
  });

  it('seeds the labelled kubernetes/kubernetes failures with their GitHub labels and human labels only', async () => {
    const db = openDatabase(':memory:');
    await refresh(db);
    const seed = readIncident(db, 'github:kubernetes/kubernetes#5650')!;
    expect(seed).toMatchObject({
      source: 'github-issues',
      url: 'https://github.com/kubernetes/kubernetes/issues/5650',
      title: 'kubernetes/kubernetes#5650',
      venue: 'GitHub issue',
      textKind: 'none',
      tags: ['component/apiserver', 'component/kubelet', 'kind/bug', 'misc/perf-1.0', 'priority/P1'],
      extra: { number: 5650, seeded: true },
    });
    expect(db.prepare("SELECT dimension, value FROM labels WHERE incident_id = ? AND origin = 'human' ORDER BY dimension, value").all(seed.id)).toEqual([
      { dimension: 'client', value: 'unknown' },
      { dimension: 'component', value: 'kube-apiserver' },
      { dimension: 'error', value: 'control-plane-config' },
      { dimension: 'failure', value: 'Out' },
      { dimension: 'fault', value: 'overload' },
    ]);
    // The contrast row (a flake) is not an incident.
    expect(readIncident(db, 'github:kubernetes/kubernetes#13258')).toBeUndefined();
  });

  it('reads controller bug lists: Sieve patterns, Acto tables, BugsInKube issues reported twice', async () => {
    const db = openDatabase(':memory:');
    await refresh(db);
    expect(readIncident(db, 'github:instaclustr/cassandra-operator#400')).toMatchObject({
      source: 'sieve-bugs',
      title: 'instaclustr/cassandra-operator: cassandra-operator#400 (indirect, data structure misuse)',
      tags: ['indirect', 'data structure misuse'],
      textKind: 'link-only',
      license: 'BSD-2-Clause',
      extra: { status: 'confirmed and fixed by us', project: 'instaclustr/cassandra-operator' },
    });
    // An HTML comment holds a superseded link, not a bug.
    expect(readIncident(db, 'github:datastax/cass-operator#412')).toBeUndefined();
    expect(readIncident(db, 'github:rabbitmq/cluster-operator#968')).toMatchObject({ source: 'acto-bugs', extra: { status: null, project: 'rabbitmq/cluster-operator' } });
    // Listed in Acto's table and again under its heading: one incident.
    expect(readIncident(db, 'github:kubernetes/kubernetes#109839')).toMatchObject({ source: 'acto-bugs', extra: { status: 'confirmed' } });
    const twice = readIncident(db, 'github:kubernetes/kubernetes#110158')!;
    expect(twice).toMatchObject({ source: 'bugsinkube', textKind: 'summary', extra: { bugsInKubeIds: [42, 43] } });
    expect(twice.text!.split('\n\n')).toHaveLength(2);
  });

  it('names the missing folder and the fix when --offline points elsewhere', async () => {
    const db = openDatabase(':memory:');
    const [summary] = await runRefresh([k8sFailureStoriesSource()], incidentSink(db), { offlineDir: path.join(fixtures, 'nowhere'), since: null });
    expect(summary.failures).toEqual([expect.stringMatching(/^stopped: .*nowhere\/k8s-failure-stories\/README\.md: cannot read \(ENOENT\); --offline must name a folder laid out like shared\/datasets$/)]);
  });

  it('selects sources by name and rejects unknown names with the valid list', () => {
    expect(selectSources(['sieve-bugs', 'acto-bugs']).map((s) => s.name)).toEqual(['sieve-bugs', 'acto-bugs']);
    expect(() => selectSources(['k8s-fault-dataset'])).toThrow(/--source k8s-fault-dataset: unknown source; valid: k8s-failure-stories, postmortem-pages, /);
    expect(allSources().map((s) => s.name)).not.toContain('k8s-fault-dataset');
  });
});
