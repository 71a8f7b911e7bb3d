import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { actoBugsSource, sieveBugsSource } from '../../src/sources/bug-lists.js';
import { bugsInKubeSource } from '../../src/sources/bugsinkube.js';
import { danluuSource } from '../../src/sources/danluu-post-mortems.js';
import { iccoSource } from '../../src/sources/icco-postmortems.js';
import { k8sFailureStoriesSource } from '../../src/sources/k8s-failure-stories.js';
import { mybinderSource, zalandoSource } from '../../src/sources/markdown-folder.js';
import { runRefresh } from '../../src/sources/refresh.js';
import { openDatabase } from '../../src/store/database.js';
import { countIncidentsBySource, incidentSink, readFetchCache, readIncident } from '../../src/store/incidents.js';
import { json, respond, startFixtureServer, type FixtureRoute } from './fixture-server.js';

const datasets = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources', 'datasets');
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Serves a fixture file with an ETag; a matching If-None-Match gets 304. */
function file(relative: string): FixtureRoute {
  const body = readFileSync(path.join(datasets, relative));
  const etag = `"${relative.length}-${body.length}"`;
  return (req, res) => {
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', etag });
    res.end(body);
  };
}

/** A GitHub contents listing of a fixture folder, with download URLs on the same server. */
function listing(base: () => string, folder: string, rawPrefix: string): FixtureRoute {
  return (req, res) =>
    json(
      readdirSync(path.join(datasets, folder)).map((name) => ({
        name,
        path: `${folder}/${name}`,
        type: 'file',
        download_url: `${base()}${rawPrefix}/${name}`,
      })),
    )(req, res, 0);
}

describe('Markdown and JSON sources read from the network (recorded files on a local server)', () => {
  it('reads every list as it does offline, caches validators, and answers 304s with no writes', async () => {
    let base = '';
    const routes: Record<string, FixtureRoute> = {
      '/k8saf/README.md': file('k8s-failure-stories/README.md'),
      '/danluu/README.md': file('post-mortems/README.md'),
      '/sieve/bugs.md': file('sieve-bugs/bugs.md'),
      '/acto/bugs.md': file('acto-bugs/bugs.md'),
      '/repos/jupyterhub/mybinder.org-deploy/contents/docs/source/incident-reports': listing(() => base, 'mybinder-incident-reports', '/raw/mybinder'),
      '/repos/zalando-incubator/kubernetes-on-aws/contents/docs/postmortems': listing(() => base, 'zalando-k8s-postmortems', '/raw/zalando'),
      '/repos/icco/postmortems/contents/data': listing(() => base, 'icco-postmortems/data', '/raw/icco'),
      '/repos/EmInReLab/BugsInKube/contents/bugs': (req, res) =>
        json(['bug-1', 'bug-42', 'bug-43'].map((name) => ({ name, path: `bugs/${name}`, type: 'dir', download_url: null })))(req, res, 0),
    };
    for (const name of readdirSync(path.join(datasets, 'mybinder-incident-reports'))) routes[`/raw/mybinder/${name}`] = file(`mybinder-incident-reports/${name}`);
    for (const name of readdirSync(path.join(datasets, 'zalando-k8s-postmortems'))) routes[`/raw/zalando/${name}`] = file(`zalando-k8s-postmortems/${name}`);
    for (const name of readdirSync(path.join(datasets, 'icco-postmortems/data'))) routes[`/raw/icco/${name}`] = file(`icco-postmortems/data/${name}`);
    for (const n of [1, 42, 43]) routes[`/raw/EmInReLab/BugsInKube/HEAD/bugs/bug-${n}/definition.json`] = file(`BugsInKube/bugs/bug-${n}.definition.json`);
    const server = await startFixtureServer(routes);
    servers.push(server);
    base = server.url;

    const sources = [
      k8sFailureStoriesSource(`${base}/k8saf/README.md`),
      zalandoSource(base),
      mybinderSource(base),
      danluuSource(`${base}/danluu/README.md`),
      iccoSource(base),
      sieveBugsSource(`${base}/sieve/bugs.md`),
      actoBugsSource(`${base}/acto/bugs.md`),
      bugsInKubeSource(base, `${base}/raw`),
    ];
    const db = openDatabase(':memory:');
    const options = { offlineDir: null, since: null, http: { retries: 0, backoffMs: 1 } };
    const first = Object.fromEntries((await runRefresh(sources, incidentSink(db), options)).map((s) => [s.source, s]));
    expect(first['k8s-failure-stories']).toMatchObject({ new: 10, failed: 1 });
    expect(first['zalando-k8s-postmortems']).toMatchObject({ updated: 1 });
    expect(first['mybinder-incident-reports']).toMatchObject({ new: 1, skipped: 1 });
    expect(first['danluu-post-mortems']).toMatchObject({ new: 2, skipped: 2, failed: 1 });
    expect(first['icco-postmortems']).toMatchObject({ new: 1, updated: 1, skipped: 2, failed: 1 });
    expect(first['sieve-bugs']).toMatchObject({ new: 7 });
    expect(first['acto-bugs']).toMatchObject({ new: 9 });
    expect(first.bugsinkube).toMatchObject({ new: 2 });
    expect(countIncidentsBySource(db).reduce((n, c) => n + c.incidents, 0)).toBe(32);

    // The Zalando file's URL is a GitHub blob URL, so it is still the incident k8s.af links to.
    expect(readIncident(db, 'https://github.com/zalando-incubator/kubernetes-on-aws/blob/HEAD/docs/postmortems/jan-2019-dns-outage.md')).toMatchObject({
      source: 'zalando-k8s-postmortems',
      url: 'https://github.com/zalando-incubator/kubernetes-on-aws/blob/dev/docs/postmortems/jan-2019-dns-outage.md',
      license: 'MIT',
    });
    expect(readFetchCache(db, `${base}/k8saf/README.md`)).toMatchObject({ status: 200, etag: `"${'k8s-failure-stories/README.md'.length}-${readFileSync(path.join(datasets, 'k8s-failure-stories/README.md')).length}"` });

    // Second run: every conditional document answers 304; nothing is written again.
    const second = await runRefresh(sources, incidentSink(db), options);
    for (const s of second) expect({ source: s.source, new: s.new, updated: s.updated }).toEqual({ source: s.source, new: 0, updated: 0 });
    expect(server.requests.filter((r) => r.path === '/k8saf/README.md').at(-1)!.headers['if-none-match']).toBeDefined();
  });

  it("tries the list's branches in order (main, then master) and names them all when none exists", async () => {
    const server = await startFixtureServer({ '/branch/master/README.md': file('k8s-failure-stories/README.md') });
    servers.push(server);
    const urls = [`${server.url}/branch/main/README.md`, `${server.url}/branch/master/README.md`];
    const db = openDatabase(':memory:');
    const [found] = await runRefresh([k8sFailureStoriesSource(urls)], incidentSink(db), { offlineDir: null, since: null });
    expect(found).toMatchObject({ new: 10, failed: 1 });
    expect(server.requests.map((r) => r.path)).toEqual(['/branch/main/README.md', '/branch/master/README.md']);

    const [missing] = await runRefresh([k8sFailureStoriesSource([urls[0]])], incidentSink(db), { offlineDir: null, since: null });
    expect(missing.failures).toEqual([`stopped: ${urls[0]}: HTTP 404 Not Found; the document moved; pass its current URL (docs/dataset.md lists the overrides)`]);
  });
});
