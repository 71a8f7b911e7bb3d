import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { run } from '../../src/cli/main.js';
import { downLab } from '../../src/lab/down.js';
import { upLab } from '../../src/lab/up.js';
import type { ReplayComparison } from '../../src/replay/compare.js';
import { incident, replayDatabase } from '../replay/support.js';
import { labAvailable } from '../support/lab-gate.js';

// A replay of a handful of incidents end to end on the lab: `mutiny replay plan` turns labeled incidents into a
// campaign, `mutiny campaign run` runs it through the injection proxy, `mutiny compare` says which incidents it
// reproduced. CI sets MUTINY_REQUIRE_LAB=1: there, missing lab binaries fail the test instead of skipping it.

const RULES = path.join(import.meta.dirname, '..', 'fixtures', 'replay', 'e2e-rules.yaml');

describe.runIf(labAvailable('replay e2e test'))('replay e2e on the lab', () => {
  const { file: dbFile, dir } = replayDatabase([
    incident('over-provisioned', { failure: ['MoR'], error: ['replica-count'] }),
    incident('selector-outage', { failure: ['Net'], client: ['SU'], error: ['labels-selectors'] }),
    incident('kernel-bug', { failure: ['Out'], client: ['SU'], error: ['none'] }),
    incident('dns-outage', { failure: ['Net'], client: ['SU'], error: ['network-config'], component: ['dns'] }),
    incident('lost-leader', { failure: ['Sta'], error: ['control-plane-config'] }),
  ]);
  const labDir = path.join(dir, 'lab');
  const spec = path.join(dir, 'replay.yaml');
  const cli = async (...args: string[]) => {
    const io = memoryIo();
    const code = await run(['--db', dbFile, ...args], io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  beforeAll(async () => {
    await upLab({ dir: labDir, nodes: 2, proxy: true });
  }, 180_000);

  afterAll(async () => {
    await downLab(labDir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('plans, runs and compares: the four replayable incidents reproduced, kube-system ones included', async () => {
    const plan = await cli('replay', 'plan', '--rules', RULES, '--out', spec);
    expect(plan.err).toBe('');
    expect(plan.out).toContain('campaign replay: 4 experiments + 1 golden runs for 4 incidents; 1 incidents not replayable');

    const campaign = await cli('campaign', 'run', spec, '--lab-dir', labDir, '--results-dir', path.join(dir, 'runs'));
    expect(campaign.err).not.toContain('internal error');
    expect(campaign.code).toBe(0);
    expect(campaign.out).toMatch(/campaign replay: completed; 5 runs/);

    const compare = await cli('compare', '--rules', RULES, '--json');
    expect(compare.code).toBe(0);
    const c = JSON.parse(compare.out) as ReplayComparison;
    const verdicts = Object.fromEntries(c.incidents.map((i) => [i.incident.id, [i.verdict, i.best?.failure ?? null, i.best?.client ?? null]]));
    expect(verdicts['over-provisioned'].slice(0, 2)).toEqual(['reproduced', 'MoR']);
    expect(verdicts['selector-outage']).toEqual(['reproduced', 'Net', 'SU']);
    expect(verdicts['kernel-bug']).toEqual(['not-replayable', null, null]);
    // coredns scaled to 0 at rest: no client resolves the Service name (Net, SU in the client model).
    expect(verdicts['dns-outage']).toEqual(['reproduced', 'Net', 'SU']);
    // The controller manager's lease taken at rest: it exits on the lost lease and nothing reconciles (Sta).
    expect(verdicts['lost-leader'].slice(0, 2)).toEqual(['reproduced', 'Sta']);
    expect(c.overall).toMatchObject({ reproduced: 4, judged: 4, rate: 1 });
    // The lease run came last, so its controller manager is still gone; the reset restores the snapshot and
    // starts it again.
    const before = await cli('lab', 'status', '--dir', labDir, '--json');
    expect(JSON.parse(before.out)).toMatchObject({ components: expect.arrayContaining([expect.objectContaining({ component: 'kube-controller-manager', running: false })]) });
    const reset = await cli('lab', 'reset', '--dir', labDir);
    expect(reset.out).toMatch(/^reset by snapshot in .*matches the golden state\n$/);
    const status = await cli('lab', 'status', '--dir', labDir, '--json');
    expect(JSON.parse(status.out)).toMatchObject({ components: expect.arrayContaining([expect.objectContaining({ component: 'kube-controller-manager', healthy: true })]) });
  }, 600_000);
});
