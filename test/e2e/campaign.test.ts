import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/core/io.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { run } from '../../src/cli/main.js';
import { decodeStoredValue } from '../../src/k8s/index.js';
import { downLab } from '../../src/lab/down.js';
import { upLab } from '../../src/lab/up.js';
import { openDatabase } from '../../src/store/database.js';
import { listResults, type StoredResult } from '../../src/campaign/results-store.js';
import type { FinalObject } from '../../src/campaign/runner.js';
import { labAvailable } from '../support/lab-gate.js';

// The CI campaign (campaigns/smoke.yaml): 12 experiments across Deploy, Scale and Failover and the set, bitflip
// and drop fault models, on a real control plane (kube-apiserver, kcm, scheduler, kwok) with the injection proxy.
// CI sets MUTINY_REQUIRE_LAB=1: there, missing lab binaries fail the test instead of skipping it.

const SPEC = path.join(PACKAGE_ROOT, 'campaigns', 'smoke.yaml');

describe.runIf(labAvailable('campaign e2e test'))('campaign e2e on the lab', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-campaign-e2e-'));
  const labDir = path.join(dir, 'lab');
  const dbFile = path.join(dir, 'results.sqlite');
  const resultsDir = path.join(dir, 'runs');
  const cliArgs = ['--db', dbFile, 'campaign', 'run', SPEC, '--lab-dir', labDir, '--results-dir', resultsDir];
  let results: StoredResult[] = [];

  beforeAll(async () => {
    await upLab({ dir: labDir, nodes: 2, proxy: true });
  }, 180_000);

  afterAll(async () => {
    await downLab(labDir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('survives kill -9 mid-run: no half-observed result, and the next run resumes', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./src/cli/main.ts').then((m) => m.main(${JSON.stringify([...cliArgs, '--limit', '3'])}))`], {
      cwd: PACKAGE_ROOT,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const count = () => {
      try {
        const db = openDatabase(dbFile, { readonly: true });
        try {
          return (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 120_000;
    while (count() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    // Kill while the second golden run is being observed.
    await new Promise((r) => setTimeout(r, 5000));
    child.kill('SIGKILL');
    await exited;
    expect(count()).toBe(1);

    const io = memoryIo();
    const code = await run(cliArgs, io);
    expect(io.stderr()).not.toContain('internal error');
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/campaign smoke: completed; 14 runs in .* 1 already done/);
    const db = openDatabase(dbFile, { readonly: true });
    results = listResults(db, { campaign: 'smoke' });
    db.close();
    expect(results.filter((r) => r.role === 'golden')).toHaveLength(3);
    expect(results.filter((r) => r.role === 'injection')).toHaveLength(12);
  }, 1_500_000);

  const find = (workload: string, kind: string) => {
    const r = results.find((x) => x.role === 'injection' && x.workload === workload && x.targetKind === kind);
    if (!r) throw new Error(`no ${workload} ${kind} result`);
    return r;
  };

  it('write-channel set of Deployment spec.replicas to one more gives MoR', () => {
    const r = find('deploy', 'Deployment');
    expect(r.injections[0]).toMatchObject({ channel: 'write', key: '/registry/deployments/mutiny/web', field: 'spec.replicas' });
    expect(r.errorCode).toBe('replica-count');
    expect(r.failure).toBe('MoR');
    expect(r.explanation[0]).toBe('MoR: 4 pods where 3 are desired in the last 3s (tailSeconds)');
  });

  it('a bit flip in a ReplicaSet ownerReferences[0].uid: the GC deletes it and the Deployment replaces it', () => {
    const r = find('deploy', 'ReplicaSet');
    expect(r.errorCode).toBe('dependency');
    const applied = r.injections[0];
    expect(applied).toMatchObject({ channel: 'write', field: 'metadata.ownerReferences[0].uid' });
    const altered = decodeStoredValue(Buffer.from(applied.after!, 'base64'), applied.key) as { metadata: { uid: string; ownerReferences: { uid: string }[] } };
    const original = decodeStoredValue(Buffer.from(applied.before!, 'base64'), applied.key) as typeof altered;
    expect(altered.metadata.ownerReferences[0].uid).not.toBe(original.metadata.ownerReferences[0].uid);
    const finals = JSON.parse(readFileSync(r.artefacts.find((a) => a.kind === 'final-objects')!.path, 'utf8')) as FinalObject[];
    const deployment = finals.find((o) => o.kind === 'Deployment')!;
    const replicaSets = finals.filter((o) => o.kind === 'ReplicaSet');
    // The altered ReplicaSet is gone; a replacement owned by the real Deployment serves the workload.
    expect(replicaSets.map((o) => o.uid)).not.toContain(altered.metadata.uid);
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0].ownerUids).toEqual([deployment.uid]);
    expect(replicaSets[0].readyReplicas).toBe(3);
  });

  it('a Service selector change gives Net, and clients (modeled) find no endpoint', () => {
    const r = find('deploy', 'Service');
    expect(r.errorCode).toBe('labels-selectors');
    expect(r.failure).toBe('Net');
    expect(r.client).toBe('SU');
  });

  it('reports them in the paper layout and compares with the paper', async () => {
    const io = memoryIo();
    expect(await run(['--db', dbFile, 'results', '--campaign', 'smoke'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^Deploy\s+MoR\s+/m);
    const cmp = memoryIo();
    expect(await run(['--db', dbFile, 'results', 'compare', '--campaign', 'smoke'], cmp)).toBe(0);
    expect(cmp.stdout()).toMatch(/total variation distance 0\.\d{3}/);
  });
});
