import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { run } from '../../src/cli/main.js';
import { openDatabase } from '../../src/store/database.js';
import { parseCampaign } from '../../src/campaign/spec.js';
import { planCampaign, type KindCatalog } from '../../src/campaign/plan.js';
import { finishedRunIds, listResults, recordResult, saveCampaignPlan } from '../../src/campaign/results-store.js';
import { compareWithReference, loadReferenceCsv } from '../../src/campaign/report.js';
import { distributionDistance } from '../../src/core/statistics.js';
import type { ClientClass, FailureClass } from '../../src/campaign/outcome.js';

const REFERENCE = path.join(import.meta.dirname, '..', 'fixtures', 'campaign', 'mutiny-dsn24-outcomes.csv');

const catalog: KindCatalog = {
  kinds: () => ['Deployment', 'Service'],
  clusterScoped: () => false,
  errorCodeForField: (kind, p) => (kind === 'Deployment' && p === 'spec.replicas' ? 'replica-count' : kind === 'Service' ? 'labels-selectors' : undefined),
  fieldsForErrorCode: () => [],
};
const specText = `apiVersion: mutiny.dev/v1alpha1
kind: Campaign
metadata: { name: r }
spec:
  workloads: [{ kind: deploy }, { kind: failover }]
  targets: [{ kind: Deployment, fields: [spec.replicas] }, { kind: Service, fields: [spec.selector] }]
  faults: [{ model: set, variants: [zero, off-by-one] }, { model: drop }]
  channels: [write, drop]
  observation: { windowSeconds: 10 }
  goldenRuns: 1
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-results-'));
const dbFile = path.join(dir, 'm.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 2 workloads x 2 targets x (2 set variants + 1 drop) = 12 experiments; give them known classes.
const plan = planCampaign(parseCampaign(specText, 'r.yaml').campaign, catalog);
const outcomes: [FailureClass, ClientClass][] = [
  ['MoR', 'NSI'], ['No', 'NSI'], ['LeR', 'HRT'], ['Net', 'SU'], ['Net', 'SU'], ['No', 'NSI'],
  ['No', 'NSI'], ['MoR', 'NSI'], ['Sta', 'NSI'], ['Net', 'SU'], ['Net', 'IA'], ['No', 'NSI'],
];
{
  const db = openDatabase(dbFile);
  saveCampaignPlan(db, plan, specText, path.join(dir, 'runs'));
  const signals = { intended: 3, windowMs: 10_000, writes: 1, writeErrors: 0, samples: [] };
  const common = { campaign: 'r', failureAlso: [], explanation: ['because'], metrics: {}, signals, injections: [], startedAt: 'a', finishedAt: 'b', durationMs: 5, artefacts: [] };
  for (const g of plan.golden) recordResult(db, { ...common, experimentId: g.id, status: 'completed', failure: null, client: null, errorCode: null });
  plan.experiments.forEach((e, i) =>
    recordResult(db, {
      ...common,
      experimentId: e.id,
      status: i === 11 ? 'not-activated' : 'completed',
      failure: outcomes[i][0],
      client: outcomes[i][1],
      errorCode: e.errorCode,
      explanation: [`${outcomes[i][0]}: synthetic`],
      injections: [{ channel: e.channel, key: '/registry/deployments/ns/web', revision: '42', field: e.fault.field, description: 'spec.replicas 3 -> 4' }],
      artefacts: [{ kind: 'observation', path: `/tmp/${e.id}.json` }],
    }),
  );
  db.close();
}

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await run(['--db', dbFile, ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('results store', () => {
  it('keeps finished results and the plan across a re-save', () => {
    const db = openDatabase(dbFile);
    saveCampaignPlan(db, plan, specText, path.join(dir, 'runs'));
    expect(finishedRunIds(db, 'r').size).toBe(2 + 12);
    expect(listResults(db, { campaign: 'r', role: 'injection' })).toHaveLength(12);
    expect(listResults(db, { campaign: 'r', workload: 'failover', role: 'injection' })).toHaveLength(6);
    db.close();
  });

  it('refuses a second result for the same run', () => {
    const db = openDatabase(dbFile);
    const [first] = listResults(db, { campaign: 'r', role: 'injection' });
    expect(() => recordResult(db, { ...first, experimentId: first.experimentId, signals: { intended: 1, windowMs: 1, writes: 0, writeErrors: 0, samples: [] }, startedAt: 'a', artefacts: [] } as never)).toThrow(/UNIQUE/);
    db.close();
  });
});

describe('mutiny results', () => {
  it('prints the paper layout: workload x failure rows, modeled client columns', async () => {
    const { code, out } = await cli('results', '--campaign', 'r');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^workload\s+failure\s+NSI \(modeled\)\s+HRT \(modeled\)\s+IA \(modeled\)\s+SU \(modeled\)\s+total\s+share$/);
    expect(lines[2]).toMatch(/^Deploy\s+No\s+2\s+0\s+0\s+0\s+2\s+18\.2%$/);
    expect(lines.find((l) => /^Deploy\s+Net/.test(l))).toMatch(/0\s+0\s+0\s+2\s+2\s+18\.2%$/);
    expect(lines.find((l) => /^Failover\s+Out/.test(l))).toMatch(/0\s+0\s+0\s+0\s+0\s+0\.0%$/);
    expect(lines.find((l) => l.startsWith('total'))).toMatch(/6\s+1\s+1\s+3\s+11\s+100\.0%$/);
    expect(out).toContain('11 injection runs counted; client classes are MODELED');
    expect(out).toContain('1 runs left out: the injection never triggered');
  });

  it('groups by error code and filters by workload', async () => {
    const { out } = await cli('results', '--by', 'error,failure', '--workload', 'Failover', '--format', 'csv');
    expect(out.split('\n')[0]).toBe('error,failure,total,share');
    expect(out).toContain('labels-selectors,Net,2,40.0%');
    expect(out).toContain('replica-count,MoR,1,20.0%');
  });

  it('rejects an unknown dimension in one line', async () => {
    const { code, err } = await cli('results', '--by', 'failure,colour');
    expect(code).toBe(1);
    expect(err).toBe('error: --by colour: unknown dimension; use workload, failure, client, error, channel, model, kind, field, run\n');
  });

  it('explains a run', async () => {
    const id = plan.experiments[3].id;
    const { code, out } = await cli('results', 'explain', id);
    expect(code).toBe(0);
    expect(out).toContain(`run r/${id} (injection, completed)`);
    expect(out).toContain('injection: set zero on Service spec.selector via the write channel (error code labels-selectors)');
    expect(out).toContain('client failure (modeled from ready endpoints): SU');
    expect(out).toContain('  - Net: synthetic');
    expect(out).toContain('  - write /registry/deployments/ns/web @42: spec.replicas 3 -> 4');
  });

  it('compares with the paper: shares, Wilson intervals, distances', async () => {
    const { code, out } = await cli('results', 'compare', '--campaign', 'r', '--reference', REFERENCE);
    expect(code).toBe(0);
    expect(out).toMatch(/failure\s+campaign\s+share\s+95% CI\s+paper\s+paper share\s+paper 95% CI/);
    expect(out).toMatch(/No\s+3\s+27\.3%\s+\[9\.7, 56\.6\]\s+5960\s+67\.9%\s+\[66\.9, 68\.8\]\nTim/);
    expect(out).toMatch(/Net\s+4\s+36\.4%\s+\[15\.2, 64\.6\]\s+315\s+3\.6%/);
    expect(out).toMatch(/all workloads: 11 campaign runs vs 8782 paper runs; total variation distance 0\.\d{3}; chi-square \d+\.\d \(df 6, p /);
  });
});

describe('comparison maths', () => {
  it('reads the reference: 8782 runs with the marginals of the paper', () => {
    const ref = loadReferenceCsv(REFERENCE);
    const total = ref.reduce((a, r) => a + r.count, 0);
    const share = (codes: string[]) => ref.filter((r) => codes.includes(r.failure)).reduce((a, r) => a + r.count, 0) / total;
    expect(total).toBe(8782);
    expect(share(['Sta', 'Out'])).toBeCloseTo(0.032, 3);
    expect(share(['Net'])).toBeCloseTo(0.036, 3);
    expect(share(['LeR', 'MoR'])).toBeCloseTo(0.241, 3);
  });

  it('gives distance 0 for proportional counts and 1 for disjoint ones', () => {
    expect(distributionDistance([1, 2, 3], [10, 20, 30])).toMatchObject({ totalVariation: 0, chiSquare: 0, degreesOfFreedom: 2, pValue: 1 });
    const d = distributionDistance([10, 0], [0, 10]);
    expect(d.totalVariation).toBe(1);
    expect(d.chiSquare).toBe(20);
    expect(d.pValue).toBeCloseTo(7.74e-6, 7);
  });

  it('compares one workload only', () => {
    const ref = loadReferenceCsv(REFERENCE);
    const db = openDatabase(dbFile, { readonly: true });
    const c = compareWithReference(listResults(db, { campaign: 'r' }), ref, 'client', 'Deploy');
    db.close();
    expect(c.campaignTotal).toBe(6);
    expect(c.referenceTotal).toBe(2599);
    expect(c.rows.map((r) => r.code)).toEqual(['NSI', 'HRT', 'IA', 'SU']);
    expect(c.rows[3].campaignCount).toBe(2);
  });
});

describe('results import', () => {
  it('copies a campaign with its plan and results into another database, replacing it on a second import', async () => {
    const other = path.join(dir, 'other.sqlite');
    const io = memoryIo();
    expect(await run(['--db', other, 'results', 'import', dbFile, '--campaign', 'r'], io)).toBe(0);
    expect(io.stdout()).toBe(`imported campaign r: ${plan.golden.length + 12} planned runs, ${plan.golden.length + 12} results\n`);
    expect(await run(['--db', other, 'results', 'import', dbFile, '--campaign', 'r'], memoryIo())).toBe(0);
    const copy = openDatabase(other, { readonly: true });
    const source = openDatabase(dbFile, { readonly: true });
    const strip = (rows: ReturnType<typeof listResults>) => rows.map(({ artefacts: _artefacts, ...rest }) => rest);
    expect(strip(listResults(copy, { campaign: 'r' }))).toEqual(strip(listResults(source, { campaign: 'r' })));
    expect(listResults(copy, { campaign: 'r' }).every((r) => r.artefacts.length === 0)).toBe(true);
    copy.close();
    source.close();
  });

  it('names the campaigns a database holds when the one asked for is absent, and keeps what is stored', async () => {
    const io = memoryIo();
    expect(await run(['--db', path.join(dir, 'other.sqlite'), 'results', 'import', dbFile, '--campaign', 'nope'], io)).not.toBe(0);
    expect(io.stderr()).toBe(`error: ${dbFile}: no campaign "nope"; it holds: r\n`);
    const copy = openDatabase(path.join(dir, 'other.sqlite'), { readonly: true });
    expect(listResults(copy, { campaign: 'r' })).toHaveLength(plan.golden.length + 12);
    copy.close();
  });
});

describe('options shared by `results` and its subcommands', () => {
  it('reach the subcommand: compare --campaign, explain --json', async () => {
    const missing = await cli('results', 'compare', '--campaign', 'nope', '--reference', REFERENCE);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toBe('error: no results for campaign "nope" to compare; run a campaign first\n');
    const explained = await cli('results', 'explain', `r/${plan.experiments[0].id}`, '--json');
    expect(JSON.parse(explained.out)).toMatchObject({ runId: `r/${plan.experiments[0].id}`, failure: 'MoR', client: 'NSI' });
  });
});
