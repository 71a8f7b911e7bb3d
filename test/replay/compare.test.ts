import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';
import { run } from '../../src/cli/main.js';
import { loadKindCatalog } from '../../src/campaign/catalog.js';
import type { ClientClass, FailureClass } from '../../src/campaign/outcome.js';
import { recordResult, saveCampaignPlan, type ResultStatus } from '../../src/campaign/results-store.js';
import { openDatabase } from '../../src/store/database.js';
import { ALL_INCIDENTS, openStats } from '../../src/stats/index.js';
import type { ReplayComparison } from '../../src/replay/compare.js';
import { readReplayIncidents } from '../../src/replay/incidents.js';
import { planReplay } from '../../src/replay/plan.js';
import { loadReplayRules } from '../../src/replay/rules.js';
import { runNotebooks } from '../../notebooks/run.js';
import { replayDatabase } from './support.js';

const taxonomy = loadTaxonomy();
const rules = loadReplayRules(taxonomy);
const { file, dir } = replayDatabase();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A replay of A (MoR/NSI, replica-count), B (Net/SU, labels-selectors), C (LeR, dependency) and H (Tim,
// labels-selectors), with known synthetic outcomes:
//   - spec.replicas off-by-one gives MoR/NSI (reproduces A); the other replica-count runs give No
//   - every labels-selectors run gives Net/IA: B wants SU (not reproduced), H wants Tim (not reproduced)
//   - the ReplicaSet ownerReferences bit flip gives Sta, also LeR (reproduces C); the ConfigMap drop never triggers
// Two workloads (deploy, scale) x 10 experiments = 20 runs, 2 not activated.
{
  const ctx = openStats(file, taxonomy);
  const incidents = readReplayIncidents(ctx, { ids: ['A', 'B', 'C', 'D', 'H'], filters: ALL_INCIDENTS });
  ctx.db.close();
  const plan = planReplay(incidents, rules, loadKindCatalog(), 'replay-synthetic');
  const db = openDatabase(file);
  saveCampaignPlan(db, plan.plan, plan.yaml, path.join(dir, 'runs'));
  const signals = { intended: 3, windowMs: 15_000, writes: 1, writeErrors: 0, samples: [] };
  const common = { campaign: plan.name, explanation: ['synthetic'], metrics: {}, signals, startedAt: 'a', finishedAt: 'b', durationMs: 5, artefacts: [] };
  for (const g of plan.plan.golden) recordResult(db, { ...common, experimentId: g.id, status: 'completed', failure: null, failureAlso: [], client: null, errorCode: null, injections: [] });
  for (const e of plan.plan.experiments) {
    let outcome: [ResultStatus, FailureClass | null, FailureClass[], ClientClass | null] = ['completed', 'No', [], 'NSI'];
    if (e.fault.field === 'spec.replicas' && e.fault.variant === 'off-by-one' && e.target.kind === 'Deployment') outcome = ['completed', 'MoR', [], 'NSI'];
    if (['spec.selector[app]', 'spec.template.metadata.labels[app]', 'metadata.labels[app]'].includes(e.fault.field ?? '')) outcome = ['completed', 'Net', [], 'IA'];
    if (e.fault.field === 'metadata.ownerReferences[0].uid') outcome = ['completed', 'Sta', ['LeR'], 'NSI'];
    if (e.target.kind === 'ConfigMap') outcome = ['not-activated', null, [], null];
    const [status, failure, failureAlso, client] = outcome;
    recordResult(db, { ...common, experimentId: e.id, status, failure, failureAlso, client, errorCode: e.errorCode, injections: status === 'completed' ? [{ channel: e.channel, key: '/registry/x', description: 'synthetic' }] : [] });
  }
  db.close();
}

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await run(['--db', file, ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe('mutiny compare', () => {
  it('judges each incident by its linked runs, with exact rates', async () => {
    const r = await cli('compare', '--json');
    expect(r.err).toBe('');
    const c = JSON.parse(r.out) as ReplayComparison;
    expect(c.campaign).toBe('replay-synthetic');
    const verdict = Object.fromEntries(c.incidents.map((i) => [i.incident.id, [i.verdict, i.linkedRuns]]));
    expect(verdict).toEqual({
      A: ['reproduced', 8],
      B: ['not-reproduced', 6],
      C: ['reproduced', 4],
      D: ['not-replayable', 0],
      E: ['not-replayable', 0],
      F: ['not-replayable', 0],
      G: ['not-run', 0],
      H: ['not-reproduced', 6],
    });
    expect(c.verdicts).toEqual({ reproduced: 2, 'not-reproduced': 2, 'not-run': 1, 'failure-unknown': 0, 'not-replayable': 3 });
    expect(c.overall).toMatchObject({ reproduced: 2, judged: 4, rate: 0.5 });
    expect(c.paper).toMatchObject({ reproduced: 54, judged: 81 });
    expect(c.byFailure.map((x) => [x.code, x.reproduced, x.judged])).toEqual([['Tim', 0, 1], ['LeR', 1, 1], ['MoR', 1, 1], ['Net', 0, 1]]);
    expect(c.byError.map((x) => [x.code, x.reproduced, x.judged])).toEqual([['dependency', 1, 1], ['labels-selectors', 0, 2], ['replica-count', 1, 1]]);
    const a = c.incidents.find((i) => i.incident.id === 'A')!.best!;
    // The best of A's runs: MoR/NSI under Scale, the workload its rule prefers.
    expect([a.workload, a.kind, a.field, a.variant, a.failure, a.client]).toEqual(['scale', 'Deployment', 'spec.replicas', 'off-by-one', 'MoR', 'NSI']);
    const b = c.incidents.find((i) => i.incident.id === 'B')!;
    expect(b.reason).toBe(`none of 6 linked runs produced Net/SU; closest ${b.best!.experimentId} gave Net/IA`);
    expect(b.best!.workload).toBe('deploy');
  });

  it('puts field and injection shares side by side with a distance and the patterns no run produced', async () => {
    const c = JSON.parse((await cli('compare', '--campaign', 'replay-synthetic', '--json')).out) as ReplayComparison;
    const rows = Object.fromEntries(c.distribution.rows.map((r) => [r.failure, [r.fieldCount, r.injectionCount]]));
    // Field: A MoR, B Net, C LeR, G Net (not run, still in scope), H Tim. Injection: 18 runs with the fault applied.
    expect(rows).toEqual({ No: [0, 8], Tim: [1, 0], LeR: [1, 0], MoR: [1, 2], Net: [2, 6], Sta: [0, 2], Out: [0, 0] });
    expect([c.distribution.fieldTotal, c.distribution.injectionTotal, c.countedRuns, c.notActivated, c.linkedRuns]).toEqual([5, 18, 18, 2, 18]);
    // TV = (8/18 + 1/5 + 1/5 + |1/5 - 2/18| + |2/5 - 6/18| + 2/18) / 2
    expect(c.distribution.distance.totalVariation).toBeCloseTo((8 / 18 + 0.2 + 0.2 + (0.2 - 2 / 18) + (0.4 - 6 / 18) + 2 / 18) / 2, 10);
    expect(c.distribution.distance.degreesOfFreedom).toBe(5);
    expect(c.gaps).toEqual([
      { failure: 'Tim', error: 'labels-selectors', incidents: 1, runs: 6 },
      { failure: 'Net', error: 'network-config', incidents: 1, runs: 0 },
    ]);
  });

  it('prints the tables and refuses an unknown campaign', async () => {
    const r = await cli('compare', '--id', 'A', '--id', 'B');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/campaign replay-synthetic\s+1\s+2\s+50\.0%/);
    expect(r.out).toMatch(/paper \(DSN 2024, by hand\)\s+54\s+81\s+66\.7%/);
    expect(r.out).toContain('incident patterns no injection produced');
    // Incidents from one database, results from another (a benchmark's).
    const incidentsOnly = replayDatabase();
    const io = memoryIo();
    expect(await run(['--db', incidentsOnly.file, 'compare', '--results-db', file, '--json'], io)).toBe(0);
    expect((JSON.parse(io.stdout()) as ReplayComparison).overall).toMatchObject({ reproduced: 2, judged: 4 });
    rmSync(incidentsOnly.dir, { recursive: true, force: true });
    const bad = await cli('compare', '--campaign', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--campaign nope: no such campaign');
  });

  it('fills the injection side of the reproducibility notebook, byte-identical on regeneration', async () => {
    const out = path.join(dir, 'notebooks');
    mkdirSync(out, { recursive: true });
    const files = await runNotebooks(file, out, ['reproducibility']);
    expect(files.map((f) => path.basename(f))).toEqual(['REPORT.md', 'field-vs-injection.svg', 'reproducible-by-failure.svg']);
    const report = readFileSync(path.join(out, 'reproducibility', 'REPORT.md'), 'utf8');
    const side = report.slice(report.indexOf('<!-- injection-side:begin -->'), report.indexOf('<!-- injection-side:end -->'));
    expect(side).toContain('### Campaign `replay-synthetic`');
    expect(side).toContain('**Reproduced 2 of 4 judged incidents: 50.0% (15.0–85.0%)**');
    expect(side).toContain("beside the paper's 54 of 81: 66.7% (55.9–76.0%)");
    expect(side).toContain('| Tim | labels-selectors | 1 | 6 |');
    expect(side).toContain('![field vs injection shares per failure class](field-vs-injection.svg)');
    const svg = readFileSync(path.join(out, 'reproducibility', 'field-vs-injection.svg'), 'utf8');
    await runNotebooks(file, out, ['reproducibility']);
    expect(readFileSync(path.join(out, 'reproducibility', 'REPORT.md'), 'utf8')).toBe(report);
    expect(readFileSync(path.join(out, 'reproducibility', 'field-vs-injection.svg'), 'utf8')).toBe(svg);
  });
});
