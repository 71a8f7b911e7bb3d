import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/core/statistics.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';
import {
  ALL_INCIDENTS,
  crossTable,
  distribution,
  parseFilters,
  prepareStats,
  queryParts,
  readIncident,
  trend,
  type StatsFilters,
} from '../../src/stats/index.js';
import type { Db } from '../../src/store/database.js';
import { fixtureDatabase, readFixtureIncidents, type FixtureIncident } from './fixture.js';

const taxonomy = loadTaxonomy();
const single = readFixtureIncidents().filter((i) => i.multi_incident === 0);

/** The oracle: counts straight from the fixture file, without SQL. */
function expectedCounts(incidents: FixtureIncident[], dimension: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const incident of incidents) {
    const values = incident.labels[dimension] ?? ['unknown'];
    for (const v of new Set(values)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

let db: Db;
let dir: string;
beforeEach(() => {
  ({ db, dir } = fixtureDatabase());
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('distribution', () => {
  it('counts every single incident once per failure class, in severity order, leaving out multi-incident reports', () => {
    const ctx = prepareStats(db, taxonomy);
    const d = distribution(ctx, 'failure', ALL_INCIDENTS);
    expect(d.total).toBe(47);
    expect(d.multiValued).toBe(false);
    expect(d.rows.map((r) => [r.value, r.count])).toEqual([
      ['Out', 14],
      ['Sta', 0],
      ['Net', 16],
      ['LeR', 6],
      ['MoR', 1],
      ['Tim', 2],
      ['No', 3],
      ['unknown', 5],
    ]);
    const oracle = expectedCounts(single, 'failure');
    for (const r of d.rows) expect(r.count).toBe(oracle.get(r.value) ?? 0);
    expect(d.rows[0].share).toBeCloseTo(14 / 47, 12);
  });

  it('counts multi-valued dimensions per incident, so shares sum to more than 100%', () => {
    const ctx = prepareStats(db, taxonomy);
    const d = distribution(ctx, 'fault', ALL_INCIDENTS);
    expect(d.multiValued).toBe(true);
    const oracle = expectedCounts(single, 'fault');
    expect(new Map(d.rows.map((r) => [r.value, r.count]))).toEqual(oracle);
    expect(d.rows.reduce((s, r) => s + r.share, 0)).toBeGreaterThan(1);
  });

  it('includes multi-incident reports with includeMultiIncident', () => {
    const ctx = prepareStats(db, taxonomy);
    expect(distribution(ctx, 'source', { ...ALL_INCIDENTS, includeMultiIncident: true }).total).toBe(59);
    expect(distribution(ctx, 'source', ALL_INCIDENTS).rows.map((r) => [r.value, r.count])).toEqual([
      ['k8s-failure-stories', 38],
      ['icco-postmortems', 7],
      ['zalando-k8s-postmortems', 2],
    ]);
  });

  it('counts an incident without labels as unknown in every dimension', () => {
    db.prepare(
      `INSERT INTO incidents(id, source, title, fetched_at, updated_at, content_hash) VALUES ('https://example.com/unlabeled', 'test', 'Unlabeled', 'now', 'now', 'x')`,
    ).run();
    const ctx = prepareStats(db, taxonomy);
    const filters: StatsFilters = { ...ALL_INCIDENTS, sources: ['test'] };
    for (const dimension of ['failure', 'client', 'fault', 'component', 'error'] as const) {
      expect(distribution(ctx, dimension, filters).rows.filter((r) => r.count > 0).map((r) => [r.value, r.count])).toEqual([['unknown', 1]]);
    }
  });

  it('lets human labels override rule labels of the same incident and dimension only', () => {
    const id = 'https://yashmehrotra.com/post/2020-03-16-case-of-missing-packet/'; // rule: failure Net, client IA
    prepareStats(db, taxonomy);
    db.prepare(
      `INSERT INTO labels(incident_id, dimension, value, origin, classifier_version, labeled_at) VALUES (?, 'failure', 'Out', 'human', 'lead', 'now')`,
    ).run(id);
    const ctx = prepareStats(db, taxonomy);
    expect(ctx.refresh.refreshed).toBe(1);
    const failure = new Map(distribution(ctx, 'failure', ALL_INCIDENTS).rows.map((r) => [r.value, r.count]));
    expect(failure.get('Out')).toBe(15);
    expect(failure.get('Net')).toBe(15);
    expect(distribution(ctx, 'client', { ...ALL_INCIDENTS, where: [{ dimension: 'failure', values: ['Out'] }] }).rows.find((r) => r.value === 'IA')?.count).toBe(2);
    const shown = readIncident(ctx, id);
    expect(shown.labels.filter((l) => l.dimension === 'failure').map((l) => [l.value, l.origin, l.effective])).toEqual([
      ['Out', 'human', true],
      ['Net', 'rule', false],
    ]);
  });

  it('counts label values the taxonomy does not know as unknown and reports them', () => {
    db.prepare(`UPDATE labels SET value = 'Boom' WHERE dimension = 'failure' AND value = 'MoR'`).run();
    const ctx = prepareStats(db, taxonomy);
    expect(ctx.refresh.unmappedValues).toEqual(['failure=Boom']);
    const rows = new Map(distribution(ctx, 'failure', ALL_INCIDENTS).rows.map((r) => [r.value, r.count]));
    expect(rows.get('MoR')).toBe(0);
    expect(rows.get('unknown')).toBe(6);
  });
});

describe('filters', () => {
  it('combines dimensions with AND and values of one dimension with OR', () => {
    const ctx = prepareStats(db, taxonomy);
    const bothFaults = parseFilters({ where: ['fault=upgrade,misconfiguration'] }, taxonomy);
    const expected = single.filter((i) => i.labels.fault.some((f) => f === 'upgrade' || f === 'misconfiguration')).length;
    expect(distribution(ctx, 'source', bothFaults).total).toBe(expected);
    const andFailure = parseFilters({ where: ['fault=upgrade', 'fault=misconfiguration', 'failure=Out'] }, taxonomy);
    const expectedAnd = single.filter((i) => i.labels.failure[0] === 'Out' && i.labels.fault.some((f) => f === 'upgrade' || f === 'misconfiguration')).length;
    expect(distribution(ctx, 'source', andFailure).total).toBe(expectedAnd);
  });

  it('rejects unknown dimensions and codes with the valid list', () => {
    expect(() => parseFilters({ where: ['failure=Boom'] }, taxonomy)).toThrow('unknown failure code "Boom"; valid: Out, Sta, Net, LeR, MoR, Tim, No, unknown');
    expect(() => parseFilters({ where: ["colour=1' OR 1=1 --"] }, taxonomy)).toThrow(/^unknown dimension "colour"; valid: failure, client/);
    expect(() => parseFilters({ where: ['failure'] }, taxonomy)).toThrow(/expected DIM=VALUE/);
    expect(() => parseFilters({ since: '2020-13' }, taxonomy)).toThrow('--since 2020-13: not a date; use YYYY, YYYY-MM or YYYY-MM-DD');
  });

  it('passes sources as parameters: a quote in a source name matches nothing and harms nothing', () => {
    const ctx = prepareStats(db, taxonomy);
    expect(distribution(ctx, 'failure', parseFilters({ source: ["x' OR '1'='1"] }, taxonomy)).total).toBe(0);
    expect(db.prepare('SELECT count(*) FROM incidents').pluck().get()).toBe(59);
  });

  it('places an incident dated only to a year or month on the first day of that period', () => {
    const ctx = prepareStats(db, taxonomy);
    const dated = single.filter((i) => i.published !== null);
    const count = (since?: string, until?: string) => distribution(ctx, 'source', parseFilters({ since, until }, taxonomy)).total;
    expect(count('2019')).toBe(dated.filter((i) => i.published! >= '2019').length);
    expect(count(undefined, '2018')).toBe(dated.filter((i) => i.published!.slice(0, 4) <= '2018').length);
    expect(count('2019-01', '2019-01')).toBe(dated.filter((i) => i.published === '2019-01' || i.published === '2019').length);
    expect(count('2019-01-02', '2019-12')).toBe(dated.filter((i) => i.published!.startsWith('2019-') && i.published! >= '2019-02').length);
  });

  it('splits day-precise bounds into whole months from the cube and partial months from per-incident facts', () => {
    const parts = (since?: string, until?: string) => queryParts({ ...ALL_INCIDENTS, since, until });
    expect(parts('2016-03-15', '2024-06-10')).toEqual([
      { table: 'stats_facts', from: 20160315, to: 20160331 },
      { table: 'stats_cube', from: 201604, to: 202405 },
      { table: 'stats_facts', from: 20240601, to: 20240610 },
    ]);
    expect(parts('2019-12-02')).toEqual([
      { table: 'stats_facts', from: 20191202, to: 20191231 },
      { table: 'stats_cube', from: 202001, to: undefined },
    ]);
    expect(parts(undefined, '2020-01-30')).toEqual([
      { table: 'stats_cube', from: undefined, to: 201912 },
      { table: 'stats_facts', from: 20200101, to: 20200130 },
    ]);
    expect(parts('2021-03-10', '2021-03-20')).toEqual([{ table: 'stats_facts', from: 20210310, to: 20210320 }]);
    expect(parts('2021-03-10', '2021-04-05')).toEqual([
      { table: 'stats_facts', from: 20210310, to: 20210331 },
      { table: 'stats_facts', from: 20210401, to: 20210405 },
    ]);
    expect(parts('2020', '2020-06')).toEqual([{ table: 'stats_cube', from: 202001, to: 202006 }]);

    const insert = db.prepare(
      `INSERT INTO incidents(id, source, title, published, year, fetched_at, updated_at, content_hash) VALUES (?, 'dated', ?, ?, 2021, 'now', 'now', 'x')`,
    );
    for (const day of ['2021-03-10', '2021-03-20', '2021-04-02', '2021-05-05']) insert.run(`https://example.com/${day}`, day, day);
    const ctx = prepareStats(db, taxonomy);
    const count = (since?: string, until?: string) => distribution(ctx, 'failure', { ...ALL_INCIDENTS, sources: ['dated'], since, until }).total;
    expect(count('2021-03-15', '2021-05-04')).toBe(2);
    expect(count('2021-03-15')).toBe(3);
    expect(count(undefined, '2021-03-15')).toBe(1);
    expect(count('2021-03-20', '2021-03-20')).toBe(1);
    expect(count('2021-04', '2021-05-05')).toBe(2);
  });

  it('answers day-precise bounds from per-incident facts the same as month bounds from the cube', () => {
    const ctx = prepareStats(db, taxonomy);
    // No fixture incident is dated inside 2017-12-31..2018-01-01 or 2019-06-30..2019-06-30 beyond month starts.
    const byMonth = trend(ctx, 'fault', 'quarter', parseFilters({ since: '2018', until: '2019-06', where: ['client=SU,IA'] }, taxonomy));
    const byDay = trend(ctx, 'fault', 'quarter', parseFilters({ since: '2017-12-31', until: '2019-06-30', where: ['client=SU,IA'] }, taxonomy));
    expect(byDay).toEqual(byMonth);
    expect(byMonth.totals.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  });
});

describe('crossTable', () => {
  it('lays out failure x client like the paper, every cell matching the fixture', () => {
    const ctx = prepareStats(db, taxonomy);
    const t = crossTable(ctx, 'failure', 'client', ALL_INCIDENTS);
    expect(t.rows).toEqual(['Out', 'Sta', 'Net', 'LeR', 'MoR', 'Tim', 'No', 'unknown']);
    expect(t.columns).toEqual(['SU', 'IA', 'HRT', 'NSI', 'unknown']);
    t.rows.forEach((r, i) =>
      t.columns.forEach((c, j) => {
        const expected = single.filter((x) => (x.labels.failure?.[0] ?? 'unknown') === r && (x.labels.client?.[0] ?? 'unknown') === c).length;
        expect(t.cells[i][j].count, `${r} x ${c}`).toBe(expected);
      }),
    );
    expect(t.cells[0][0]).toMatchObject({ count: 11, share: 11 / 47 });
    expect(t.rowTotals.map((s) => s.count)).toEqual([14, 0, 16, 6, 1, 2, 3, 5]);
    expect(t.total).toBe(47);
  });

  it('expands a multi-valued column per incident', () => {
    const ctx = prepareStats(db, taxonomy);
    const t = crossTable(ctx, 'failure', 'component', ALL_INCIDENTS);
    expect(t.multiValued).toEqual(['component']);
    const dns = t.columns.indexOf('dns');
    const expected = single.filter((x) => x.labels.failure[0] === 'Net' && x.labels.component.includes('dns')).length;
    expect(expected).toBeGreaterThan(0);
    expect(t.cells[t.rows.indexOf('Net')][dns].count).toBe(expected);
  });
});

describe('trend', () => {
  it('counts per year with gaps filled and undated incidents last', () => {
    const ctx = prepareStats(db, taxonomy);
    const t = trend(ctx, 'failure', 'year', ALL_INCIDENTS);
    expect(t.periods).toEqual(['2016', '2017', '2018', '2019', '2020', '2021', '2022', '2023', '2024', '2025', 'undated']);
    expect(t.totals).toEqual([1, 5, 7, 24, 5, 1, 0, 2, 0, 1, 1]);
    expect(t.counts[t.periods.indexOf('2019')][t.values.indexOf('Net')]).toBe(
      single.filter((i) => i.year === 2019 && i.labels.failure[0] === 'Net').length,
    );
  });

  it('splits years into quarters, with a Q? bucket for incidents dated only to the year', () => {
    const ctx = prepareStats(db, taxonomy);
    const t = trend(ctx, 'source', 'quarter', parseFilters({ since: '2019', until: '2019' }, taxonomy));
    expect(t.periods).toEqual(['2019-Q1', '2019-Q2', '2019-Q3', '2019-Q4', '2019-Q?']);
    const zalando = t.values.indexOf('zalando-k8s-postmortems');
    expect(t.counts.map((row) => row[zalando])).toEqual([1, 1, 0, 0, 0]); // January and June 2019
  });
});

describe('wilsonInterval', () => {
  it('matches published Wilson 95% intervals', () => {
    const [low, high] = wilsonInterval(0, 10);
    expect(low).toBe(0);
    expect(high).toBeCloseTo(0.2775, 4);
    const [l2, h2] = wilsonInterval(11, 22);
    expect(l2).toBeCloseTo(0.3072, 4);
    expect(h2).toBeCloseTo(0.6928, 4);
    expect(wilsonInterval(0, 0)).toEqual([0, 0]);
  });
});
