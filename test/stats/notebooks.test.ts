import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNotebooks } from '../../notebooks/run.js';
import { INJECTION_SECTION_BEGIN, INJECTION_SECTION_END } from '../../notebooks/reproducibility.js';
import { fixtureDatabase } from './fixture.js';

let dir: string;
let file: string;
let first: Map<string, string>;

function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    if (name.endsWith('.md') || name.endsWith('.svg')) files.set(name, readFileSync(path.join(root, name), 'utf8'));
  }
  return files;
}

beforeAll(async () => {
  const fixture = fixtureDatabase();
  dir = fixture.dir;
  file = fixture.file;
  // Text from the internet, in the one place it reaches the reports: titles and links of reproducible incidents.
  fixture.db
    .prepare(`UPDATE incidents SET title = '<img src=x onerror=alert(1)> *bold* | [x](javascript:alert(1))', url = 'javascript:alert(1)' WHERE id = ?`)
    .run('https://blog.jetstack.io/blog/gke-webhook-outage');
  fixture.db.close();
  await runNotebooks(file, path.join(dir, 'first'));
  first = readTree(path.join(dir, 'first'));
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('notebooks', () => {
  it('write a report and SVG charts per notebook', () => {
    expect([...first.keys()].sort()).toEqual([
      'field-study/REPORT.md',
      'field-study/flow-error-failure.svg',
      'field-study/flow-fault-error.svg',
      'field-study/mix-client.svg',
      'field-study/mix-component.svg',
      'field-study/mix-error.svg',
      'field-study/mix-failure.svg',
      'field-study/mix-fault.svg',
      'field-study/trend-failure.svg',
      'reproducibility/REPORT.md',
      'reproducibility/reproducible-by-failure.svg',
    ]);
    for (const [name, svg] of first) if (name.endsWith('.svg')) expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('regenerate byte-identical files from the same database', async () => {
    await runNotebooks(file, path.join(dir, 'second'));
    expect(readTree(path.join(dir, 'second'))).toEqual(first);
  }, 120_000);

  it('report the field study figures', () => {
    const report = first.get('field-study/REPORT.md')!;
    expect(report).toContain('Built from `incidents.sqlite`: 59 incidents, 59 of them labeled (0 with human labels');
    expect(report).toContain('| Out | 14 | 29.8% (18.7–44.0%) |');
    expect(report).toContain('| Out | 11 (23.4%) | 1 (2.1%) | 0 | 2 (4.3%) | 0 | 14 (29.8%) |');
    expect(report).toMatch(/## Fault -> error -> failure\n\nEach incident contributes one flow/);
    expect(report).toContain('| 2019 | 6 | 0 | 7 | 5 | 0 | 2 | 1 | 3 | 24 |');
  });

  it('report reproducibility by failure class with a marked place for the injection side', () => {
    const report = first.get('reproducibility/REPORT.md')!;
    expect(report).toMatch(/\*\*\d+ of 47 incidents are reproducible: /);
    expect(report).toContain(INJECTION_SECTION_BEGIN);
    expect(report.indexOf(INJECTION_SECTION_END)).toBeGreaterThan(report.indexOf(INJECTION_SECTION_BEGIN));
  });

  it('escape incident text and drop non-http links', () => {
    const report = first.get('reproducibility/REPORT.md')!;
    expect(report).toContain('&lt;img src=x onerror=alert(1)&gt; \\*bold\\* \\| \\[x\\](javascript:alert(1)) | Out |');
    expect(report).not.toContain('<img');
    expect(report).not.toMatch(/[^\\]\]\(javascript:/); // only an escaped "\](" remains: no link to javascript:
  });
});
