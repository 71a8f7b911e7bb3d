import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../../src/core/io.js';
import { EXPORT_COLUMNS } from '../../src/stats/index.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { fixtureDatabase } from './fixture.js';

let db: Db;
let file: string;
let dir: string;
beforeEach(() => {
  ({ db, file, dir } = fixtureDatabase());
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function mutiny(...args: string[]) {
  const io = memoryIo();
  const code = await run(['--db', file, ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('mutiny stats', () => {
  it('prints incident counts by source by default', async () => {
    const r = await mutiny('stats');
    expect(r.code).toBe(0);
    expect(r.out).toContain('k8s-failure-stories             38  80.9%  67.5–89.6%');
    expect(r.out).toContain('47 incidents counted; 12 multi-incident reports left out (--include-multi counts them).');
  });

  it('prints the failure x client cross-table with totals', async () => {
    const r = await mutiny('stats', '--by', 'failure,client');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^failure \\ client\s+SU\s+IA\s+HRT\s+NSI\s+unknown\s+total$/);
    expect(lines.find((l) => l.startsWith('Out'))).toMatch(/^Out\s+11 \(23\.4%\)\s+1 \(2\.1%\)\s+0\s+2 \(4\.3%\)\s+0\s+14 \(29\.8%\)$/);
    expect(lines.find((l) => l.startsWith('total'))).toMatch(/\s47$/);
  });

  it('says that multi-valued shares can sum to more than 100%', async () => {
    const r = await mutiny('stats', '--by', 'component', '--format', 'md');
    expect(r.out).toContain('| component | incidents | share | 95% CI |');
    expect(r.out).toContain('component is multi-valued: an incident counts once per value it has, so shares can sum to more than 100%.');
  });

  it('writes CSV and JSON that parse', async () => {
    const csv = await mutiny('stats', '--by', 'failure', '--format', 'csv');
    expect(csv.out.split('\n')[0]).toBe('dimension,value,incidents,share,ci95_low,ci95_high');
    expect(csv.out.split('\n')[1]).toBe('failure,Out,14,0.2979,0.1865,0.4398');
    const json = JSON.parse((await mutiny('stats', '--by', 'failure,client', '--json')).out) as { total: number; rows: string[]; notes: string[] };
    expect(json.total).toBe(47);
    expect(json.rows[0]).toBe('Out');
  });

  it('rejects an unknown dimension or code in one line with the valid ones', async () => {
    const r = await mutiny('stats', '--by', 'failure,colour');
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --by failure,colour: unknown dimension "colour"; valid: failure, client, fault, component, error, source\n');
    const c = await mutiny('stats', '--where', 'client=down');
    expect(c.err).toBe('error: unknown client code "down"; valid: SU, IA, HRT, NSI, unknown\n');
  });

  it('refuses a missing database instead of creating one', async () => {
    const io = memoryIo();
    const missing = path.join(dir, 'nope.sqlite');
    expect(await run(['--db', missing, 'stats'], io)).toBe(1);
    expect(io.stderr()).toBe(`error: ${missing}: no incident database there; pass --db FILE or set MUTINY_DB\n`);
    expect(existsSync(missing)).toBe(false);
  });
});

describe('mutiny trend', () => {
  it('prints counts per year', async () => {
    const r = await mutiny('trend', '--by', 'failure', '--where', 'client=SU');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^year\s+Out\s+Sta\s+Net\s+LeR\s+MoR\s+Tim\s+No\s+unknown\s+incidents$/);
    expect(r.out).toContain('22 incidents counted');
  });
});

describe('mutiny search and show', () => {
  it('finds incidents by stemmed words, best first, with snippets', async () => {
    const r = await mutiny('search', 'dns', 'outages', '--json');
    const hits = JSON.parse(r.out) as { id: string; title: string; snippet: string }[];
    expect(hits[0].title).toBe('Total DNS outage in Kubernetes cluster (Zalando, postmortem 2019)');
    expect(hits.length).toBe(6);
    expect(hits.every((h) => /dns/i.test(h.snippet))).toBe(true);
  });

  it('treats punctuation and FTS5 operators in plain queries as words', async () => {
    const r = await mutiny('search', '"etcd" NEAR( OR', '--json');
    expect(r.code).toBe(0);
    const raw = await mutiny('search', '--raw', '"etcd" NEAR(');
    expect(raw.code).toBe(1);
    expect(raw.err).toMatch(/^error: search "\\"etcd\\" NEAR\(": not a valid FTS5 query|^error: search ""etcd" NEAR\(": not a valid FTS5 query/);
  });

  it('prints incident text to a terminal without its control characters', async () => {
    db.prepare(`UPDATE incidents SET title = 'Zanzibar \u001b[2J\u001b]0;pwned\u0007 outage' WHERE id = 'https://blog.jetstack.io/blog/gke-webhook-outage'`).run();
    const r = await mutiny('search', 'zanzibar');
    expect(r.out).toContain('Zanzibar  [2J ]0;pwned  outage (2019)');
    expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('keeps the full-text index in step with inserts, updates and deletes', async () => {
    const id = 'https://yashmehrotra.com/post/2020-03-16-case-of-missing-packet/';
    db.prepare(`UPDATE incidents SET title = 'Zanzibar packet mystery' WHERE id = ?`).run(id);
    expect(JSON.parse((await mutiny('search', 'zanzibar', '--json')).out)).toHaveLength(1);
    expect(JSON.parse((await mutiny('search', 'MindTickle', '--json')).out)).toHaveLength(1); // still in its text
    db.prepare('DELETE FROM incidents WHERE id = ?').run(id);
    expect(JSON.parse((await mutiny('search', 'zanzibar', '--json')).out)).toHaveLength(0);
    expect(db.prepare('SELECT count(*) FROM incidents_fts').pluck().get()).toBe(58);
  });

  it('shows an incident with labels, origins and evidence; escapes it in Markdown', async () => {
    const id = 'https://yashmehrotra.com/post/2020-03-16-case-of-missing-packet/';
    const evidence = JSON.stringify([{ rule: 'net-connection-failures', field: 'impact', section: null, start: 9, end: 28, match: 'connection failures', weight: 2 }]);
    db.prepare(`UPDATE labels SET evidence = ? WHERE incident_id = ? AND dimension = 'failure'`).run(evidence, id);
    db.prepare(`UPDATE incidents SET title = '<script>x</script> | pipe' WHERE id = ?`).run(id);
    const text = await mutiny('show', id);
    expect(text.out).toContain('failure    Net               rule    0.50        yes        fixture-1');
    expect(text.out).toContain('  failure=Net (rule)  net-connection-failures (weight 2)  impact [9..28]: "connection failures"');
    expect(text.out).not.toContain('\ntext\n');
    const withText = await mutiny('show', id, '--text');
    expect(withText.out).toContain('\ntext\n  The case of the missing packet: An EKS migration tale - MindTickle - blog post 2020\n  involved: EKS, AWS CNI Plugin,\n');
    const md = await mutiny('show', '1', '--format', 'md');
    expect(md.out).toContain('# &lt;script&gt;x&lt;/script&gt; \\| pipe');
    expect(md.out).not.toContain('<script>');
    const missing = await mutiny('show', 'https://nowhere.example/');
    expect(missing.err).toBe('error: incident "https://nowhere.example/": not in the database; find ids with `mutiny search TEXT`\n');
  });
});

describe('mutiny export', () => {
  it('writes the documented CSV columns ordered by id, escaping formula-like cells', async () => {
    db.prepare(`UPDATE incidents SET title = '=HYPERLINK("http://evil")' WHERE id = 'https://blog.jetstack.io/blog/gke-webhook-outage'`).run();
    const out = path.join(dir, 'incidents.csv');
    const r = await mutiny('export', '--out', out, '--where', 'failure=Out');
    expect(r.code).toBe(0);
    expect(r.err).toBe(`wrote 14 incidents to ${out}\n`);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines[0]).toBe('id,source,url,title,organization,venue,published,year,text_kind,license,tags,impact,multi_incident,failure,client,fault,component,error');
    expect(lines).toHaveLength(15);
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(ids).toEqual([...ids].sort());
    expect(lines).toContain(
      `https://blog.jetstack.io/blog/gke-webhook-outage,k8s-failure-stories,https://blog.jetstack.io/blog/gke-webhook-outage,"'=HYPERLINK(""http://evil"")",,,2019,2019,summary,,,,0,Out,SU,misconfiguration;upgrade,admission-webhook,node-state;config-data`,
    );
  });

  it('writes the header for an empty selection and names a missing directory', async () => {
    const out = path.join(dir, 'none.csv');
    expect((await mutiny('export', '--out', out, '--where', 'failure=Sta')).err).toBe(`wrote 0 incidents to ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(`${EXPORT_COLUMNS.join(',')}\n`);
    const bad = await mutiny('export', '--out', path.join(dir, 'missing', 'x.csv'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: .*missing\/x\.csv: cannot write there \(ENOENT.*\); check that its directory exists and is writable\n$/);
  });

  it('refuses to overwrite without --force and is byte-identical when repeated', async () => {
    const out = path.join(dir, 'incidents.jsonl');
    writeFileSync(out, 'keep me');
    const refused = await mutiny('export', '--format', 'jsonl', '--out', out);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`error: ${out}: already exists; pass --force to overwrite it\n`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await mutiny('export', '--format', 'jsonl', '--out', out, '--force')).code).toBe(0);
    const first = readFileSync(out, 'utf8');
    expect((await mutiny('export', '--format', 'jsonl', '--out', out, '--force')).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(first);
    const rows = first.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(47);
    expect(Object.keys(rows[0])).toEqual([...EXPORT_COLUMNS]);
    expect(rows.find((r) => r.id === 'https://blog.jetstack.io/blog/gke-webhook-outage')).toMatchObject({
      failure: 'Out',
      fault: ['misconfiguration', 'upgrade'],
      error: ['node-state', 'config-data'],
    });
  });
});

describe('read-only use', () => {
  it('answers from a fresh database without writing to it', async () => {
    expect((await mutiny('stats')).code).toBe(0); // derives the tables once
    db.close();
    const { openStats } = await import('../../src/stats/index.js');
    const { loadTaxonomy } = await import('../../src/core/taxonomy.js');
    const before = readFileSync(file);
    const ctx = openStats(file, loadTaxonomy());
    expect(ctx.db.readonly).toBe(true);
    ctx.db.close();
    expect((await mutiny('stats', '--by', 'failure,client')).code).toBe(0);
    expect(readFileSync(file).equals(before)).toBe(true);
    db = openDatabase(file); // for afterEach
  });
});
