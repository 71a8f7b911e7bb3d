import { describe, expect, it } from 'vitest';
import { canonicalIncidentId } from '../../src/core/incident.js';
import { parseBugList } from '../../src/sources/bug-lists.js';
import { parseDanluu } from '../../src/sources/danluu-post-mortems.js';
import { isMultiIncident, linkKind, parseFailureStories } from '../../src/sources/k8s-failure-stories.js';
import { kubernetesTerms } from '../../src/sources/kubernetes-relevance.js';
import { dateOfFileName, parseSections, reportTitle } from '../../src/sources/markdown-folder.js';

describe('the Kubernetes relevance rule', () => {
  it('matches Kubernetes words at word boundaries, case-insensitively', () => {
    expect(kubernetesTerms('A Kubernetes cluster upgrade failed')).toEqual(['kubernetes']);
    expect(kubernetesTerms('our K8S control plane')).toEqual(['k8s']);
    expect(kubernetesTerms('kube-proxy rules and the kubelet')).toEqual(['kube-*', 'kubelet']);
    expect(kubernetesTerms('ran `kubectl delete pod --all`')).toEqual(['kubectl', 'pod(s)']);
    expect(kubernetesTerms('etcd lost quorum')).toEqual(['etcd']);
    expect(kubernetesTerms('the container orchestration cluster went down')).toEqual(['container orchestration']);
    expect(kubernetesTerms('cascading into STS, EKS, EventBridge')).toEqual(['EKS']);
  });

  it('does not match look-alikes or generic infrastructure words', () => {
    expect(kubernetesTerms('AirPods and iPods', 'kubernetesque', 'ketcd', 'a docker container on a node in the cluster')).toEqual([]);
    // Managed offerings are matched upper-case only: "eks" and "aks" are not words we want.
    expect(kubernetesTerms('geeks, oaks and gke-like things')).toEqual([]);
  });
});

describe('canonical incident ids', () => {
  it('collapses the forms of one URL', () => {
    const id = 'https://medium.com/preply-engineering/dns-postmortem-e169efd45afd';
    expect(canonicalIncidentId('http://www.medium.com/preply-engineering/dns-postmortem-e169efd45afd/?utm_source=x#section')).toBe(id);
    expect(canonicalIncidentId(' https://Medium.com/preply-engineering/dns-postmortem-e169efd45afd ')).toBe(id);
    expect(canonicalIncidentId('https://web.archive.org/web/20211006135542/https://blog.cloudflare.com/todays-outage-post-mortem-82515/')).toBe(
      'https://blog.cloudflare.com/todays-outage-post-mortem-82515',
    );
    expect(canonicalIncidentId('https://youtube.com/watch?v=MoIdU0J0f0E')).toBe('https://youtube.com/watch?v=MoIdU0J0f0E');
  });

  it('names GitHub issues and pull requests by repository and number, and blobs at any ref alike', () => {
    expect(canonicalIncidentId('https://github.com/kubernetes/kubernetes/issues/72593')).toBe('github:kubernetes/kubernetes#72593');
    expect(canonicalIncidentId('https://github.com/OT-CONTAINER-KIT/redis-operator/pull/280#issuecomment-1')).toBe('github:ot-container-kit/redis-operator#280');
    const blob = 'https://github.com/zalando-incubator/kubernetes-on-aws/blob/HEAD/docs/postmortems/jan-2019-dns-outage.md';
    expect(canonicalIncidentId('https://github.com/zalando-incubator/kubernetes-on-aws/blob/dev/docs/postmortems/jan-2019-dns-outage.md')).toBe(blob);
    expect(canonicalIncidentId('https://github.com/zalando-incubator/kubernetes-on-aws/blob/6877fdaed29fa9ad4e44f5c4d4ad556299a7a54b/docs/postmortems/jan-2019-dns-outage.md')).toBe(blob);
  });
});

describe('Kubernetes Failure Stories parsing', () => {
  const readme = [
    '# Kubernetes Failure Stories',
    '',
    '* [Title with - a dash - Org - blog post 2019-06](https://example.com/a)',
    '    * involved: AWS, `OOMKill`, "graceful shutdown",',
    '    * impact: outage',
    '* [Only Title - Grafana Labs 2019](https://example.com/b)',
    '* [Broken](not-a-url)',
    '    * involved: ignored with its entry',
    '* [Medium - Target - Medium post January 2019](https://example.com/c)',
    '',
    '# Why',
    '* [Not an entry - after the list - 2020](https://example.com/d)',
  ].join('\n');

  it('splits title, organization and venue, and keeps the rest when a line does not parse', () => {
    const { entries, unparsed } = parseFailureStories(readme);
    expect(entries.map((e) => [e.index, e.title, e.organization, e.venue, e.published])).toEqual([
      [0, 'Title with - a dash', 'Org', 'blog post 2019-06', '2019-06'],
      [1, 'Only Title', 'Grafana Labs', 'Grafana Labs 2019', '2019'],
      [2, 'Medium', 'Target', 'Medium post January 2019', '2019-01'],
    ]);
    expect(entries[0].involved).toEqual(['AWS', 'OOMKill', 'graceful shutdown']);
    expect(entries[0].involvedRaw).toBe('AWS, `OOMKill`, "graceful shutdown",');
    expect(entries[1].impact).toBeNull();
    expect(unparsed).toEqual([{ line: 7, text: '* [Broken](not-a-url)', reason: 'expected "* [Title - Organization - venue](https://...)"' }]);
  });

  it('keeps talks, slides and PDFs as links and flags talks about many failures', () => {
    expect(linkKind('https://www.youtube.com/watch?v=x')).toBe('talk');
    expect(linkKind('https://youtu.be/N2JUGnwinbQ')).toBe('talk');
    expect(linkKind('https://www.slideshare.net/a/b')).toBe('slides');
    expect(linkKind('https://speakerdeck.com/a/b')).toBe('slides');
    expect(linkKind('https://github.com/x/y/blob/master/2019-09-19%20-%20New.pdf')).toBe('pdf');
    expect(linkKind('https://blog.example.com/post')).toBe('page');
    const entry = (title: string, url: string, impact: string | null = null) => ({ ...parseFailureStories(`* [${title} - Org - KubeCon 2019](${url})`).entries[0], impact });
    expect(isMultiIncident(entry('10 Ways to Shoot Yourself in the Foot', 'https://youtube.com/watch?v=1'))).toBe(true);
    expect(isMultiIncident(entry('Our Outage', 'https://youtube.com/watch?v=2', 'multiple production outages'))).toBe(true);
    expect(isMultiIncident(entry('How Spotify Deleted its Clusters', 'https://youtube.com/watch?v=3', 'no impact on end users'))).toBe(false);
    expect(isMultiIncident(entry('10 Ways to break things', 'https://blog.example.com/ways'))).toBe(false);
  });
});

describe('danluu/post-mortems parsing', () => {
  it('reads entries under category headings and reports malformed entry lines', () => {
    const { entries, unparsed } = parseDanluu(
      [
        '## Table of Contents',
        '[Skip](#config-errors)',
        '## Config Errors',
        '[Allegro](https://allegro.tech/2018/08/x.html). Went down.',
        '[Basecamp](https://a.example/1), [see also](https://a.example/2). DDoS.',
        '[Broken(https://b.example). Oops.',
        '## Other lists of postmortems',
        '[AWS](https://aws.amazon.com/pes/)',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.category, e.organization, e.url, e.alsoUrls, e.summary])).toEqual([
      ['Config Errors', 'Allegro', 'https://allegro.tech/2018/08/x.html', [], 'Went down.'],
      ['Config Errors', 'Basecamp', 'https://a.example/1', ['https://a.example/2'], 'DDoS.'],
    ]);
    expect(unparsed).toEqual([{ line: 6, reason: 'expected "[Organization](https://...). Summary."' }]);
  });
});

describe('bug list parsing', () => {
  it('reads Sieve lines with status and patterns, skipping HTML comments', () => {
    const { bugs } = parseBugList(
      '## [a/op](https://github.com/a/op)\nhttps://github.com/a/op/issues/1 confirmed and fixed by us (indirect, NPE)\n<!-- previously https://github.com/a/op/issues/0 -->\nhttps://jira.example/K-2 pending\n',
    );
    expect(bugs.map((b) => [b.project, b.url, b.status, b.patterns])).toEqual([
      ['a/op', 'https://github.com/a/op/issues/1', 'confirmed and fixed by us', ['indirect', 'NPE']],
      ['a/op', 'https://jira.example/K-2', 'pending', []],
    ]);
  });

  it('reads Acto tables (blank project cells continue the one above, status may be missing)', () => {
    const { bugs, unparsed } = parseBugList(
      [
        '| Operator | Link | Status |',
        '| --- | --- | --- |',
        '| x/op | [https://github.com/x/op/issues/5](https://github.com/x/op/issues/5) | fixed |',
        '|      | [https://github.com/x/op/issues/6](https://github.com/x/op/issues/6) |',
        '| y/op | no link here | confirmed |',
      ].join('\n'),
    );
    expect(bugs.map((b) => [b.project, b.url, b.status])).toEqual([
      ['x/op', 'https://github.com/x/op/issues/5', 'fixed'],
      ['x/op', 'https://github.com/x/op/issues/6', null],
    ]);
    expect(unparsed).toEqual([{ line: 5, reason: 'expected "| project | [url](url) | status |"' }]);
  });
});

describe('Markdown postmortem folders', () => {
  it('dates files by name and titles them by their heading', () => {
    expect(dateOfFileName('2017-10-17-cluster-full.md')).toBe('2017-10-17');
    expect(dateOfFileName('jun-2019-kubelet-qps.md')).toBe('2019-06');
    expect(dateOfFileName('notes.md')).toBeNull();
    expect(reportTitle('# incident date: 2019-02-20, kubectl logs unavailable\n', 'x.md')).toBe('kubectl logs unavailable');
    expect(reportTitle('# 2017-10-17, Cluster Full\n', 'x.md')).toBe('Cluster Full');
    expect(reportTitle('# 2017-11-30 4:23PM PST, OOM (Out of Memory) Proxy\n', 'x.md')).toBe('OOM (Out of Memory) Proxy');
    expect(reportTitle('# 2018-02-22 NGINX crash\n', 'x.md')).toBe('NGINX crash');
    expect(reportTitle('no heading', 'pod-limit_reached.md')).toBe('pod limit reached');
  });

  it('keeps the section structure with offsets, ignoring headings in code fences', () => {
    const text = '# T\n\n## Summary\nx\n```\n## not a heading\n```\n### 10:00\ny\n## Lessons\nz\n';
    const sections = parseSections(text);
    expect(sections.map((s) => [s.level, s.heading])).toEqual([
      [2, 'Summary'],
      [3, '10:00'],
      [2, 'Lessons'],
    ]);
    expect(text.slice(sections[0].start, sections[0].end)).toBe('## Summary\nx\n```\n## not a heading\n```\n');
    expect(sections[2].end).toBe(text.length);
  });
});
