import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalIncidentId } from '../../src/core/incident.js';
import { extractArticle, normalizeDate } from '../../src/sources/html-article.js';
import { k8sFailureStoriesSource } from '../../src/sources/k8s-failure-stories.js';
import { PAGE_SUMMARY_MAX, postmortemPagesSource } from '../../src/sources/postmortem-pages.js';
import { runRefresh } from '../../src/sources/refresh.js';
import { openDatabase } from '../../src/store/database.js';
import { incidentSink, readFetchCache, readIncident } from '../../src/store/incidents.js';
import { respond, startFixtureServer } from './fixture-server.js';

const pages = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources', 'pages');
const page = (name: string) => readFileSync(path.join(pages, name));

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('article extraction', () => {
  it('reads a Medium-style post: og:title, article:published_time, text without nav/footer/scripts', async () => {
    const article = await extractArticle(page('medium-post.html').toString('utf8'));
    expect(article.title).toBe('DNS issues in Kubernetes. Public postmortem #1');
    expect(article.published).toBe('2020-02-03');
    expect(article.description).toMatch(/^On 2020-01-24 a partial production outage/);
    expect(article.text.split('\n')).toEqual([
      'DNS issues in Kubernetes. Public postmortem #1',
      'On Friday we had a partial production outage: services could not resolve DNS names for several minutes.',
      'What happened',
      'The CoreDNS-autoscaler scaled CoreDNS down, and stale conntrack entries kept sending UDP packets to pods that no longer existed.',
      'Clients timed out after 5 seconds.',
      'Retries made it worse.',
      'DNS is always the problem.',
    ]);
    expect(article.text).not.toMatch(/Sign in|Medium$|analytics|More from Preply|APOLLO/);
  });

  it('reads a WordPress post: meta date, entry-content, no comments/share/sidebar', async () => {
    const article = await extractArticle(page('wordpress-post.html').toString('utf8'));
    expect(article).toMatchObject({ title: 'Post Mortem: Kubernetes Node OOM', published: '2019-03-04', description: null });
    expect(article.text.split('\n')).toEqual([
      'One of our Kubernetes nodes ran out of memory and the kernel OOM killer terminated the kubelet’s neighbours.',
      'Root cause',
      'fluentd-sumologic had no resource requests or limits and grew until the node was NotReady.',
      'Pods were evicted and rescheduled.',
    ]);
  });

  it('reads JSON-LD (@graph) dates and headlines and ignores JSON-LD that does not parse', async () => {
    const article = await extractArticle(page('hugo-jsonld.html').toString('utf8'));
    expect(article.title).toBe('How a simple admission webhook lead to a cluster outage');
    expect(article.published).toBe('2019-09-06');
    expect(article.text).toContain('failurePolicy: Fail');
    expect(article.text).not.toContain('© Jetstack');
  });

  it('tolerates malformed HTML', async () => {
    const article = await extractArticle(page('malformed.html').toString('utf8'));
    expect(article.title).toBe('Outage report');
    expect(article.published).toBeNull();
    expect(article.text).toContain('The etcd cluster lost quorum at 10:03');
    expect(article.text).toContain('kube-apiserver returned 500s');
    expect(article.text).not.toContain('not content');
  });

  it('normalizes dates', () => {
    expect(normalizeDate('2019-07-24T08:00:00+02:00')).toBe('2019-07-24');
    expect(normalizeDate('July 24, 2019')).toBe('2019-07-24');
    expect(normalizeDate('yesterday')).toBeNull();
  });
});

describe('postmortem-pages source (recorded pages on a local server)', () => {
  it('fetches the pages k8s.af links to, keeps talks/PDFs as links, and records failures', async () => {
    const huge = `<html><head><title>Huge</title></head><body><article><p>${'etcd '.repeat(400_000)}</p></article></body></html>`;
    const server = await startFixtureServer({
      '/README.md': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', etag: '"list-v1"' });
        res.end(readme);
      },
      '/robots.txt': respond(200, 'User-agent: *\nDisallow: /private/\n'),
      '/medium/dns-postmortem': respond(200, page('medium-post.html'), { 'content-type': 'text/html; charset=utf-8', etag: '"m1"' }),
      '/wp/node-oom': respond(200, page('wordpress-post.html'), { 'content-type': 'text/html; charset=UTF-8' }),
      '/blog/webhook': respond(301, '', { location: '/blog/gke-webhook-outage' }),
      '/blog/gke-webhook-outage': respond(200, page('hugo-jsonld.html'), { 'content-type': 'text/html' }),
      '/broken': respond(200, page('malformed.html'), { 'content-type': 'text/html' }),
      '/cp1252': respond(200, page('windows-1252.html'), { 'content-type': 'text/html' }),
      '/huge': respond(200, huge, { 'content-type': 'text/html' }),
      '/gone': respond(404, 'not found'),
      '/loop-a': respond(302, '', { location: '/loop-b' }),
      '/loop-b': respond(302, '', { location: '/loop-a' }),
      '/private/postmortem': respond(200, '<p>secret</p>', { 'content-type': 'text/html' }),
      '/slides.pdf': respond(200, '%PDF-1.4', { 'content-type': 'application/pdf' }),
    });
    servers.push(server);
    const u = server.url;
    const readme = [
      '# Kubernetes Failure Stories',
      '',
      `* [DNS issues in Kubernetes. Public postmortem #1 - Preply - blog post 2020](${u}/medium/dns-postmortem)`,
      '    * involved: conntrack, DNS, CoreDNS-autoscaler',
      '    * impact: partial production outage',
      `* [Post Mortem: Kubernetes Node OOM - Blue Matador - blog post 2019](${u}/wp/node-oom)`,
      `* [How a simple admission webhook lead to a cluster outage - Jetstack - blog post 2019](${u}/blog/webhook)`,
      `* [Outage report - Someone - blog post 2018](${u}/broken)`,
      `* [Incident report - Windows Shop - blog post 2018](${u}/cp1252)`,
      `* [A very long story - Verbose Inc - blog post 2018](${u}/huge)`,
      `* [Removed post - Gone Ltd - blog post 2018](${u}/gone)`,
      `* [Redirect loop - Loopy - blog post 2018](${u}/loop-a)`,
      `* [Private - Secretive - blog post 2018](${u}/private/postmortem)`,
      `* [Postmortem PDF - FREE NOW - postmortem 2019](${u}/slides.pdf)`,
      '* [Kubernetes Failure Stories - Zalando - KubeCon Barcelona 2019](https://www.youtube.com/watch?v=6sDTB4eV4F8)',
      '* [Fallacies - Zalando - meetup 2017](https://www.slideshare.net/try_except_/fallacies)',
      '',
      '# Why',
    ].join('\n');

    const db = openDatabase(':memory:');
    const sources = [k8sFailureStoriesSource(`${u}/README.md`), postmortemPagesSource(`${u}/README.md`)];
    const options = { offlineDir: null, since: null, http: { retries: 1, backoffMs: 10, timeoutMs: 2_000, maxBodyBytes: 200_000 } };
    const [list, pagesSummary] = await runRefresh(sources, incidentSink(db), options);
    expect(list).toMatchObject({ new: 12, failed: 0 });
    expect(pagesSummary).toMatchObject({ new: 0, updated: 6, skipped: 3, failed: 3 });
    expect(pagesSummary.skippedReasons).toEqual({ 'pdf: kept as a link': 1, 'talk: kept as a link': 1, 'slides: kept as a link': 1 });
    expect(pagesSummary.failures).toEqual([
      `${u}/gone: ${u}/gone: HTTP 404 Not Found`,
      `${u}/loop-a: ${u}/loop-a: redirect loop (${u}/loop-a -> ${u}/loop-b -> ${u}/loop-a)`,
      `${u}/private/postmortem: ${u}/private/postmortem: disallowed by robots.txt`,
    ]);

    // The list's facts stay; the page adds its precise date and (licence permitting) only a short summary.
    const dns = readIncident(db, canonicalIncidentId(`${u}/medium/dns-postmortem`))!;
    expect(dns).toMatchObject({
      source: 'k8s-failure-stories',
      title: 'DNS issues in Kubernetes. Public postmortem #1 (Preply, blog post 2020)',
      published: '2020-02-03',
      year: 2020,
      impact: 'partial production outage',
      extra: { pageTitle: 'DNS issues in Kubernetes. Public postmortem #1', sources: ['k8s-failure-stories', 'postmortem-pages'] },
    });
    const contribution = db.prepare("SELECT record FROM incident_contributions WHERE incident_id = ? AND source = 'postmortem-pages'").get(dns.id) as { record: string };
    const pageRecord = JSON.parse(contribution.record) as { text: string; textKind: string; license: string | null };
    expect(pageRecord).toMatchObject({ textKind: 'summary', license: null });
    expect(pageRecord.text.length).toBeLessThanOrEqual(PAGE_SUMMARY_MAX);
    expect(pageRecord.text).toMatch(/^On 2020-01-24 a partial production outage/);

    expect(readIncident(db, canonicalIncidentId(`${u}/blog/webhook`))!.extra).toMatchObject({ finalUrl: `${u}/blog/gke-webhook-outage`, pageTitle: 'How a simple admission webhook lead to a cluster outage' });
    expect(readIncident(db, canonicalIncidentId(`${u}/blog/webhook`))!.published).toBe('2019-09-06');
    expect(readIncident(db, canonicalIncidentId(`${u}/cp1252`))!.extra).toMatchObject({ pageTitle: '“Kubernetes” upgrade – what went wrong', charset: 'windows-1252' });
    expect(readIncident(db, canonicalIncidentId(`${u}/huge`))!.extra).toMatchObject({ truncated: true });
    expect(readIncident(db, canonicalIncidentId(`${u}/gone`))).toMatchObject({ source: 'k8s-failure-stories', textKind: 'summary' });
    expect(readFetchCache(db, `${u}/medium/dns-postmortem`)).toMatchObject({ status: 200, etag: '"m1"' });
    expect(readFetchCache(db, `${u}/README.md`)).toMatchObject({ status: 200, etag: '"list-v1"' });

    // Second run: the list answers 304 to its conditional request, the page with an ETag too.
    const before = server.requests.length;
    const [list2, pages2] = await runRefresh(sources, incidentSink(db), options);
    expect(list2).toMatchObject({ new: 0, updated: 0 });
    expect(pages2).toMatchObject({ new: 0, updated: 0 });
    const conditional = server.requests.slice(before).filter((r) => r.path === '/medium/dns-postmortem');
    expect(conditional[0].headers['if-none-match']).toBe('"m1"');
  });

  it('keeps the full article only when asked (private database)', async () => {
    const server = await startFixtureServer({
      '/README.md': respond(200, ''),
      '/wp/node-oom': respond(200, page('wordpress-post.html'), { 'content-type': 'text/html' }),
    });
    servers.push(server);
    const readme = `* [Post Mortem: Kubernetes Node OOM - Blue Matador - blog post 2019](${server.url}/wp/node-oom)\n`;
    const withList = await startFixtureServer({ '/README.md': respond(200, readme), '/robots.txt': respond(404, '') });
    servers.push(withList);
    const db = openDatabase(':memory:');
    const source = postmortemPagesSource(`${withList.url}/README.md`);
    await runRefresh([source], incidentSink(db), { offlineDir: null, since: null, keepUnlicensedText: true });
    const row = readIncident(db, canonicalIncidentId(`${server.url}/wp/node-oom`))!;
    expect(row).toMatchObject({ source: 'postmortem-pages', textKind: 'article', license: 'unknown (private copy, do not redistribute)', published: '2019-03-04' });
    expect(row.text).toContain('fluentd-sumologic had no resource requests or limits');
  });

  it('fetches nothing offline (no HTML snapshots): entries stay as the list has them', async () => {
    const db = openDatabase(':memory:');
    const [summary] = await runRefresh([postmortemPagesSource('http://127.0.0.1:9/never')], incidentSink(db), { offlineDir: '/nonexistent', since: null });
    expect(summary).toMatchObject({ new: 0, updated: 0, failed: 0 });
  });
});
