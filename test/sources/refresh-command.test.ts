import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { registerRefresh } from '../../src/cli/commands/refresh.js';
import { MutinyError } from '../../src/core/errors.js';
import { memoryIo } from '../../src/core/io.js';
import { openDatabase } from '../../src/store/database.js';

const offline = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sources', 'datasets');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `mutiny <args>` with only the refresh/sources commands registered; returns output and the error. */
async function mutiny(args: string[]) {
  const io = memoryIo();
  const program = new Command('mutiny').option('--db <file>').exitOverride();
  registerRefresh(program, io);
  let error: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  }
  return { out: io.stdout(), err: io.stderr(), error };
}

function tempDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-refresh-'));
  dirs.push(dir);
  return path.join(dir, 'incidents.sqlite');
}

describe('mutiny refresh', () => {
  it('prints a per-source summary table with skip and failure reasons, and progress on stderr', async () => {
    const db = tempDb();
    const { out, err, error } = await mutiny(['--db', db, 'refresh', '--offline', offline, '--source', 'k8s-failure-stories', 'danluu-post-mortems']);
    expect(error).toBeUndefined();
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^source\s+new\s+updated\s+unchanged\s+skipped\s+failed\s+seconds$/);
    expect(lines[2]).toMatch(/^k8s-failure-stories\s+10\s+0\s+0\s+0\s+1\s+[\d.]+$/);
    expect(lines[3]).toMatch(/^danluu-post-mortems\s+2\s+0\s+0\s+2\s+1\s+[\d.]+$/);
    expect(lines[4]).toMatch(/^total\s+12\s+0\s+0\s+2\s+2\s+[\d.]+$/);
    expect(out).toContain('k8s-failure-stories: failed README.md:15: expected "* [Title - Organization - venue](https://...)"');
    expect(out).toContain('danluu-post-mortems: skipped 2 not Kubernetes-related');
    expect(out).toContain(`${db}: 12 incidents`);
    expect(err).toMatch(/k8s-failure-stories\s+11\/11 .*new 10  updated 0  unchanged 0  skipped 0  failed 1/);

    const again = await mutiny(['--db', db, 'refresh', '--offline', offline, '--source', 'k8s-failure-stories', 'danluu-post-mortems', '--json']);
    const report = JSON.parse(again.out) as { sources: Array<{ source: string; new: number; unchanged: number }>; incidentsBySource: unknown };
    expect(report.sources.map((s) => [s.source, s.new, s.unchanged])).toEqual([
      ['k8s-failure-stories', 0, 10],
      ['danluu-post-mortems', 0, 2],
    ]);
    expect(report.incidentsBySource).toEqual([
      { source: 'k8s-failure-stories', incidents: 10 },
      { source: 'danluu-post-mortems', incidents: 2 },
    ]);
  });

  it('leaves a standalone file (rollback journal) with --standalone', async () => {
    const file = tempDb();
    await mutiny(['--db', file, 'refresh', '--offline', offline, '--source', 'sieve-bugs', '--standalone']);
    const db = openDatabase(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });

  it('rejects unknown sources, bad dates and missing folders in one line naming the fix', async () => {
    const db = tempDb();
    const unknown = await mutiny(['--db', db, 'refresh', '--offline', offline, '--source', 'nope']);
    expect(unknown.error).toBeInstanceOf(MutinyError);
    expect((unknown.error as Error).message).toMatch(/^--source nope: unknown source; valid: k8s-failure-stories, /);
    const since = await mutiny(['--db', db, 'refresh', '--since', 'last week']);
    expect((since.error as Error).message).toBe('--since last week: not a date; use YYYY-MM-DD, e.g. --since 2024-01-01');
    const folder = await mutiny(['--db', db, 'refresh', '--offline', '/no/such/folder']);
    expect((folder.error as Error).message).toBe('--offline /no/such/folder: not a directory; pass a folder laid out like shared/datasets');
  });
});

describe('mutiny sources', () => {
  it('lists every source with its licence, offline path and incident count', async () => {
    const db = tempDb();
    await mutiny(['--db', db, 'refresh', '--offline', offline, '--source', 'sieve-bugs']);
    const { out } = await mutiny(['--db', db, 'sources', '--json']);
    const sources = JSON.parse(out) as Array<{ name: string; incidents: number; license: string; offline: string }>;
    expect(sources.map((s) => s.name)).toEqual([
      'k8s-failure-stories',
      'postmortem-pages',
      'zalando-k8s-postmortems',
      'mybinder-incident-reports',
      'danluu-post-mortems',
      'icco-postmortems',
      'github-issues',
      'sieve-bugs',
      'acto-bugs',
      'bugsinkube',
    ]);
    expect(sources.find((s) => s.name === 'sieve-bugs')).toMatchObject({ incidents: 7, license: 'BSD-2-Clause', offline: 'sieve-bugs/bugs.md' });
    expect(sources.find((s) => s.name === 'danluu-post-mortems')).toMatchObject({ incidents: 0, license: 'none (facts only)' });
    const table = await mutiny(['--db', db, 'sources']);
    expect(table.out.split('\n')[0]).toMatch(/^source\s+incidents\s+license\s+offline path\s+live URL$/);
  });
});
