import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncidentRecord } from '../../src/core/incident.js';
import { k8sFailureStoriesSource } from '../../src/sources/k8s-failure-stories.js';
import { runRefresh } from '../../src/sources/refresh.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import {
  compactForCommit,
  incidentSink,
  mergeContributions,
  readCursor,
  readIncident,
  upsertIncident,
} from '../../src/store/incidents.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function record(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: 'https://example.com/postmortem',
    source: 'list-a',
    url: 'https://example.com/postmortem',
    title: 'The etcd outage',
    organization: 'Example',
    venue: 'blog post 2019',
    published: '2019',
    year: 2019,
    text: 'etcd ran out of space',
    textKind: 'summary',
    license: null,
    tags: ['etcd'],
    impact: 'cluster down',
    multiIncident: false,
    extra: {},
    ...overrides,
  };
}

function count(db: Db, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

describe('incident store', () => {
  it('reports new, then unchanged, then updated, keyed by content hash', () => {
    const db = openDatabase(':memory:');
    expect(upsertIncident(db, record())).toBe('new');
    expect(upsertIncident(db, record())).toBe('unchanged');
    expect(upsertIncident(db, record({ impact: 'cluster down for 2 hours' }))).toBe('updated');
    const row = readIncident(db, 'https://example.com/postmortem')!;
    expect(row.impact).toBe('cluster down for 2 hours');
    expect(row.tags).toEqual(['etcd']);
    expect(count(db, 'SELECT COUNT(*) AS n FROM incidents')).toBe(1);
  });

  it('merges two sources naming one incident the same way whatever the order', () => {
    const list = record({ source: 'k8s-failure-stories', title: 'Total DNS outage (Zalando, postmortem 2019)', tags: ['CoreDNS', 'ndots:5'] });
    const article = record({
      source: 'zalando-k8s-postmortems',
      title: 'Total DNS outage in Kubernetes cluster',
      text: '# Total DNS outage\n\n## Summary\n...',
      textKind: 'article',
      license: 'MIT',
      published: '2019-01',
      impact: null,
      tags: ['CoreDNS', 'OOMKill'],
    });
    const merged = mergeContributions([list, article]);
    expect(mergeContributions([article, list])).toEqual(merged);
    expect(merged).toMatchObject({
      source: 'zalando-k8s-postmortems',
      title: 'Total DNS outage in Kubernetes cluster',
      textKind: 'article',
      license: 'MIT',
      published: '2019-01',
      year: 2019,
      impact: 'cluster down',
      tags: ['CoreDNS', 'OOMKill', 'ndots:5'],
      extra: { sources: ['zalando-k8s-postmortems', 'k8s-failure-stories'] },
    });

    const a = openDatabase(':memory:');
    const b = openDatabase(':memory:');
    expect([upsertIncident(a, list), upsertIncident(a, article)]).toEqual(['new', 'updated']);
    expect([upsertIncident(b, article), upsertIncident(b, list)]).toEqual(['new', 'updated']);
    const strip = (db: Db) => {
      const { fetchedAt: _f, updatedAt: _u, ...rest } = readIncident(db, list.id)!;
      return rest;
    };
    expect(strip(a)).toEqual(strip(b));
    // Re-running either source changes nothing.
    expect(upsertIncident(a, list)).toBe('unchanged');
    expect(upsertIncident(b, article)).toBe('unchanged');
  });

  it('seeds human labels (origin human, classifier_version human) and validates their codes', () => {
    const db = openDatabase(':memory:');
    const gold = { failure: 'Out', client: 'unknown', fault: ['resource-exhaustion'], component: ['etcd', 'kube-apiserver'], error: ['resources'] };
    expect(upsertIncident(db, record({ id: 'github:kubernetes/kubernetes#2719' }), { humanLabels: gold })).toBe('new');
    const labels = db.prepare("SELECT dimension, value, origin, classifier_version FROM labels ORDER BY dimension, value").all();
    expect(labels).toEqual([
      { dimension: 'client', value: 'unknown', origin: 'human', classifier_version: 'human' },
      { dimension: 'component', value: 'etcd', origin: 'human', classifier_version: 'human' },
      { dimension: 'component', value: 'kube-apiserver', origin: 'human', classifier_version: 'human' },
      { dimension: 'error', value: 'resources', origin: 'human', classifier_version: 'human' },
      { dimension: 'failure', value: 'Out', origin: 'human', classifier_version: 'human' },
      { dimension: 'fault', value: 'resource-exhaustion', origin: 'human', classifier_version: 'human' },
    ]);
    expect(upsertIncident(db, record({ id: 'github:kubernetes/kubernetes#2719' }), { humanLabels: gold })).toBe('unchanged');
    expect(upsertIncident(db, record({ id: 'github:kubernetes/kubernetes#2719' }), { humanLabels: { ...gold, failure: 'Sta' } })).toBe('updated');
    expect(db.prepare("SELECT value FROM labels WHERE dimension = 'failure'").all()).toEqual([{ value: 'Sta' }]);
    expect(() => upsertIncident(db, record({ id: 'x' }), { humanLabels: { failure: 'Boom' } })).toThrow(/x: human label unknown failure code "Boom"/);
    expect(count(db, "SELECT COUNT(*) AS n FROM incidents WHERE id = 'x'")).toBe(0);
  });

  it('commits the cursor in the same transaction as the record', () => {
    const db = openDatabase(':memory:');
    upsertIncident(db, record(), { cursor: 'page-1' });
    expect(readCursor(db, 'list-a')).toBe('page-1');
    expect(() => upsertIncident(db, record({ id: 'y' }), { cursor: 'page-2', humanLabels: { failure: 'Nope' } })).toThrow();
    expect(readCursor(db, 'list-a')).toBe('page-1');
  });

  it('makes a file that stands alone (no WAL) for committing', () => {
    const dir = tempDir();
    const file = path.join(dir, 'm.sqlite');
    const db = openDatabase(file);
    upsertIncident(db, record());
    compactForCommit(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
    const again = openDatabase(file, { readonly: true });
    expect(count(again, 'SELECT COUNT(*) AS n FROM incidents')).toBe(1);
    again.close();
  });

  it('loses nothing committed when a refresh is killed with SIGKILL, and the next run resumes', async () => {
    const dir = tempDir();
    const offline = path.join(dir, 'datasets');
    mkdirSync(path.join(offline, 'k8s-failure-stories'), { recursive: true });
    const total = 6000;
    const lines = ['# Kubernetes Failure Stories', ''];
    for (let i = 0; i < total; i++) {
      lines.push(`* [Story ${i} - Org ${i % 97} - blog post ${2015 + (i % 6)}](https://example.com/story/${i})`, `    * involved: etcd, kubelet`, `    * impact: outage ${i}`);
    }
    writeFileSync(path.join(offline, 'k8s-failure-stories', 'README.md'), `${lines.join('\n')}\n\n# Why\n`);
    const file = path.join(dir, 'killed.sqlite');
    const script = path.join(dir, 'child.mts');
    writeFileSync(
      script,
      `import { runRefresh } from ${JSON.stringify(path.join(repo, 'src/sources/refresh.ts'))};
       import { k8sFailureStoriesSource } from ${JSON.stringify(path.join(repo, 'src/sources/k8s-failure-stories.ts'))};
       import { openDatabase } from ${JSON.stringify(path.join(repo, 'src/store/database.ts'))};
       import { incidentSink } from ${JSON.stringify(path.join(repo, 'src/store/incidents.ts'))};
       const db = openDatabase(${JSON.stringify(file)});
       await runRefresh([k8sFailureStoriesSource()], incidentSink(db), {
         offlineDir: ${JSON.stringify(offline)}, since: null,
         onItem: (_s, s) => { if (s.new === 200) process.stdout.write('written 200\\n'); },
       });
       process.stdout.write('finished\\n');`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('written 200')) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(output).not.toContain('finished');

    const db = openDatabase(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const committed = count(db, 'SELECT COUNT(*) AS n FROM incidents');
    expect(committed).toBeGreaterThanOrEqual(200);
    expect(committed).toBeLessThan(total);
    expect(count(db, 'SELECT COUNT(*) AS n FROM incident_contributions')).toBe(committed);

    const [resumed] = await runRefresh([k8sFailureStoriesSource()], incidentSink(db), { offlineDir: offline, since: null });
    expect(resumed).toMatchObject({ new: total - committed, unchanged: committed, updated: 0, failed: 0 });
    expect(count(db, 'SELECT COUNT(*) AS n FROM incidents')).toBe(total);
    const [again] = await runRefresh([k8sFailureStoriesSource()], incidentSink(db), { offlineDir: offline, since: null });
    expect(again).toMatchObject({ new: 0, updated: 0, unchanged: total });
    db.close();
  }, 60_000);
});
