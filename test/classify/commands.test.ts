import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../../src/core/io.js';
import { openDatabase } from '../../src/store/database.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'classify');
let dir: string;
let dbFile: string;

const INCIDENTS = [
  {
    id: 'https://example.org/postmortems/dns-outage',
    source: 'test-postmortems',
    url: 'https://example.org/postmortems/dns-outage',
    title: 'Total DNS outage in our Kubernetes cluster',
    text: '## Summary\n\nCoreDNS pods were OOMKilled because their memory limit was set too low. Services could not resolve names.\n\n## Impact\n\nCustomers saw an elevated error rate for an hour.\n',
    impact: null,
    tags: '[]',
  },
  {
    id: 'github:kubernetes/kubernetes#2719',
    source: 'github:kubernetes/kubernetes',
    url: 'https://github.com/kubernetes/kubernetes/issues/2719',
    title: 'etcd memory grows until the apiserver is OOMKilled',
    text: null,
    impact: null,
    tags: JSON.stringify(['area/etcd', 'kind/bug']),
  },
];

async function mutiny(...argv: string[]) {
  const io = memoryIo();
  const code = await run(['--db', dbFile, ...argv], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function labelRows(id: string, origin?: string) {
  const db = openDatabase(dbFile);
  try {
    const sql = `SELECT dimension, value, origin, classifier_version, evidence FROM labels WHERE incident_id = ?${origin ? ' AND origin = ?' : ''} ORDER BY dimension, value`;
    return db.prepare(sql).all(...(origin ? [id, origin] : [id])) as { dimension: string; value: string; origin: string; classifier_version: string; evidence: string }[];
  } finally {
    db.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-classify-'));
  dbFile = path.join(dir, 'incidents.sqlite');
  const db = openDatabase(dbFile);
  const insert = db.prepare(
    `INSERT INTO incidents (id, source, url, title, fetched_at, updated_at, content_hash, text, text_kind, tags, impact)
     VALUES (@id, @source, @url, @title, '2026-01-01', @updated, 'h', @text, 'article', @tags, @impact)`,
  );
  INCIDENTS.forEach((i, n) => insert.run({ ...i, updated: n === 0 ? '2026-01-01' : '2026-06-01' }));
  db.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('classify, label, explain', () => {
  it('writes rule labels for every dimension, unknown included, with the rules version', async () => {
    const { code, out } = await mutiny('classify', '--all');
    expect(code).toBe(0);
    expect(out).toMatch(/^classified 2 incident\(s\) with rules-[0-9a-f]{12}: \d+ label rows written/);
    const rows = labelRows(INCIDENTS[0].id, 'rule');
    const byDim = (d: string) => rows.filter((r) => r.dimension === d).map((r) => r.value);
    expect(byDim('failure')).toEqual(['Net']);
    expect(byDim('client')).toEqual(['IA']);
    expect(byDim('component')).toContain('dns');
    expect(byDim('fault')).toContain('misconfiguration');
    expect(new Set(rows.map((r) => r.classifier_version)).size).toBe(1);
    const evidence = JSON.parse(rows.find((r) => r.dimension === 'client')!.evidence) as { field: string; section: string; start: number; end: number; match: string }[];
    expect(evidence[0]).toMatchObject({ field: 'text', section: 'impact', match: 'elevated error rate' });
    expect(INCIDENTS[0].text!.slice(evidence[0].start, evidence[0].end)).toBe('elevated error rate');
    // A GitHub issue's tags are labels; its client impact is not stated anywhere: unknown, stored as such.
    const gh = labelRows(INCIDENTS[1].id, 'rule');
    expect(gh.filter((r) => r.dimension === 'client').map((r) => r.value)).toEqual(['unknown']);
    expect(gh.filter((r) => r.dimension === 'failure').map((r) => r.value)).toEqual(['Out']);
  });

  it('re-classifying replaces rule rows and keeps human labels, which override', async () => {
    expect((await mutiny('label', INCIDENTS[0].id, 'failure=Out', 'fault=misconfiguration,overload')).code).toBe(0);
    const before = labelRows(INCIDENTS[0].id, 'rule').length;
    expect((await mutiny('classify', '--id', INCIDENTS[0].id)).code).toBe(0);
    expect(labelRows(INCIDENTS[0].id, 'rule').length).toBe(before);
    const human = labelRows(INCIDENTS[0].id, 'human').map((r) => `${r.dimension}=${r.value}`);
    expect(human).toEqual(['failure=Out', 'fault=misconfiguration', 'fault=overload']);
    const { out } = await mutiny('explain', INCIDENTS[0].id);
    expect(out).toMatch(/failure\s+Out\s+\(human, human/);
    expect(out).not.toMatch(/failure\s+Net/);
    expect(out).toMatch(/client\s+IA\s+\(rule, rules-/);
    expect(out).toContain('[[elevated error rate]]');
  });

  it('classifies only incidents updated since a date', async () => {
    const { out } = await mutiny('classify', '--since', '2026-03-01', '--json');
    expect(JSON.parse(out)).toMatchObject({ incidents: 1 });
  });

  it('rejects unknown codes and incidents with one-line errors', async () => {
    const bad = await mutiny('label', INCIDENTS[0].id, 'failure=Boom');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: unknown failure code "Boom"; valid: Out, Sta, Net/);
    const missing = await mutiny('explain', 'nope');
    expect(missing.err).toMatch(/^error: explain: incident "nope" is not in/);
    const none = await mutiny('classify');
    expect(none.err).toMatch(/give exactly one of --all, --since DATE or --id ID/);
  });

  it('imports gold labels as human labels, matching GitHub issues by URL', async () => {
    const file = path.join(dir, 'gold.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'gh-kubernetes-2719', url: 'https://github.com/kubernetes/kubernetes/issues/2719', gold: { failure: 'Out', client: 'unknown', fault: ['resource-exhaustion'], component: ['etcd'], error: ['resources'] } })}\n` +
        `${JSON.stringify({ id: 'elsewhere', gold: { failure: 'Net', client: null, fault: null, component: null, error: null } })}\n`,
    );
    const { code, out, err } = await mutiny('label', '--import', file);
    expect(code).toBe(0);
    expect(out).toBe(`imported 5 human label rows for 1 incident(s) from ${file}\n`);
    expect(err).toContain('1 incident(s) not in the database, skipped: elsewhere');
    const rows = labelRows(INCIDENTS[1].id, 'human');
    expect(rows.map((r) => `${r.dimension}=${r.value}`)).toEqual(['client=unknown', 'component=etcd', 'error=resources', 'failure=Out', 'fault=resource-exhaustion']);
    expect(rows[0].classifier_version).toBe('human:gold.jsonl');
  });
});

describe('eval', () => {
  it('reports tune and held-out figures on the shared gold files', async () => {
    const gold = ['k8s-failure-stories.jsonl', 'postmortems.jsonl', 'kubernetes-issues.labels-only.jsonl'].map((f) => path.join(FIXTURES, f));
    const { code, out } = await mutiny('eval', '--gold', ...gold, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { goldIncidents: number; classifiedFromDatabase: number; slices: Record<string, { incidents: number; dimensions: { dimension: string; scored: number; excludedUnknown: number; excludedUnlabeled: number }[] }> };
    expect(report.goldIncidents).toBe(229);
    expect(report.classifiedFromDatabase).toBe(1); // the GitHub issue stored above
    expect(report.slices.tune.incidents + report.slices['held-out'].incidents).toBe(229);
    const failure = report.slices.tune.dimensions.find((d) => d.dimension === 'failure')!;
    expect(failure.scored + failure.excludedUnknown + failure.excludedUnlabeled).toBe(report.slices.tune.incidents);
    const text = await mutiny('eval', '--gold', gold[0], '--split', 'held-out');
    expect(text.out).toMatch(/== held-out: \d+ incidents/);
    expect(text.out).toContain('failure confusion (held-out; rows gold, columns predicted)');
  });
});
