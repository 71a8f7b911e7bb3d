import { createHash } from 'node:crypto';
import type { Db } from '../store/database.js';
import { InvalidDataError } from '../core/errors.js';
import type { CampaignPlan, Experiment, GoldenRun } from './plan.js';
import type { ClientClass, FailureClass, RunMetrics, RunSignals } from './outcome.js';
import type { WorkloadKind } from './spec.js';

/** Lifecycle of a campaign row (a run record in the sense of STYLE.md section 6). */
export type CampaignStatus = 'planned' | 'running' | 'completed' | 'interrupted';

/** How a run ended: observed to the end, injection never triggered, or the lab got stuck and was rebuilt. */
export type ResultStatus = 'completed' | 'not-activated' | 'stuck';

/** One application of a fault, as the proxy log or the direct injection reports it. */
export interface AppliedInjection {
  /** ISO time of the application. */
  time?: string;
  channel: string;
  key: string;
  revision?: string;
  field?: string;
  description: string;
  before?: string;
  after?: string | null;
}

/** A finished run, ready to be stored in one transaction. */
export interface RunResult {
  campaign: string;
  experimentId: string;
  status: ResultStatus;
  failure: FailureClass | null;
  failureAlso: FailureClass[];
  client: ClientClass | null;
  errorCode: string | null;
  explanation: string[];
  metrics: RunMetrics | Record<string, never>;
  signals: RunSignals;
  injections: AppliedInjection[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  artefacts: { kind: string; path: string }[];
}

/** A stored result joined with its planned run, as reports read it. */
export interface StoredResult {
  runId: string;
  campaign: string;
  experimentId: string;
  role: 'golden' | 'injection';
  workload: WorkloadKind;
  targetKind: string | null;
  field: string | null;
  faultModel: string | null;
  variant: string | null;
  channel: string | null;
  status: ResultStatus;
  failure: FailureClass | null;
  failureAlso: FailureClass[];
  client: ClientClass | null;
  errorCode: string | null;
  explanation: string[];
  metrics: Record<string, unknown>;
  injections: AppliedInjection[];
  definition: Experiment | GoldenRun;
  durationMs: number;
  finishedAt: string;
  artefacts: { kind: string; path: string }[];
}

/**
 * Records a campaign and its plan (idempotent: re-running the same campaign keeps finished results). Planned
 * runs that left the spec are removed unless they already have a result.
 */
export function saveCampaignPlan(db: Db, plan: CampaignPlan, specText: string, resultsDir: string): void {
  const now = new Date().toISOString();
  const specHash = createHash('sha256').update(specText).digest('hex');
  db.transaction(() => {
    db.prepare(
      `INSERT INTO campaigns(name, spec, spec_hash, results_dir, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'planned', ?, ?)
       ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, spec_hash = excluded.spec_hash, results_dir = excluded.results_dir, updated_at = excluded.updated_at`,
    ).run(plan.campaign, specText, specHash, resultsDir, now, now);
    const ids = [...plan.golden.map((g) => g.id), ...plan.experiments.map((e) => e.id)];
    const planned = db.prepare('SELECT id FROM experiments WHERE campaign = ? AND id NOT IN (SELECT experiment_id FROM results WHERE campaign = ?)').all(plan.campaign, plan.campaign) as { id: string }[];
    const keep = new Set(ids);
    const drop = db.prepare('DELETE FROM experiments WHERE campaign = ? AND id = ?');
    for (const { id } of planned) if (!keep.has(id)) drop.run(plan.campaign, id);
    const upsert = db.prepare(
      `INSERT INTO experiments(campaign, id, idx, role, workload, target_kind, field, fault_model, variant, channel, error_code, definition)
       VALUES (@campaign, @id, @idx, @role, @workload, @targetKind, @field, @faultModel, @variant, @channel, @errorCode, @definition)
       ON CONFLICT(campaign, id) DO UPDATE SET idx = excluded.idx, definition = excluded.definition`,
    );
    plan.golden.forEach((g, i) =>
      upsert.run({ campaign: plan.campaign, id: g.id, idx: i, role: 'golden', workload: g.workload.kind, targetKind: null, field: null, faultModel: null, variant: null, channel: null, errorCode: null, definition: JSON.stringify(g) }),
    );
    for (const e of plan.experiments) {
      upsert.run({
        campaign: plan.campaign,
        id: e.id,
        idx: plan.golden.length + e.index,
        role: 'injection',
        workload: e.workload.kind,
        targetKind: e.target.kind,
        field: e.fault.field ?? null,
        faultModel: e.fault.model,
        variant: e.fault.variant ?? null,
        channel: e.channel,
        errorCode: e.errorCode,
        definition: JSON.stringify(e),
      });
    }
  })();
}

/** Updates a campaign's status (running, completed, interrupted). */
export function setCampaignStatus(db: Db, campaign: string, status: CampaignStatus): void {
  db.prepare('UPDATE campaigns SET status = ?, updated_at = ? WHERE name = ?').run(status, new Date().toISOString(), campaign);
}

/** Ids of the runs of a campaign that already have a result (the runner skips them when resuming). */
export function finishedRunIds(db: Db, campaign: string): Set<string> {
  const rows = db.prepare('SELECT experiment_id FROM results WHERE campaign = ?').all(campaign) as { experiment_id: string }[];
  return new Set(rows.map((r) => r.experiment_id));
}

/** Stores one finished run and its artefact paths in a single transaction: a result is whole or absent. */
export function recordResult(db: Db, r: RunResult): void {
  db.transaction(() => {
    const runId = `${r.campaign}/${r.experimentId}`;
    db.prepare(
      `INSERT INTO results(run_id, campaign, experiment_id, status, failure, failure_also, client, error_code, explanation, metrics, signals, injections, started_at, finished_at, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      runId,
      r.campaign,
      r.experimentId,
      r.status,
      r.failure,
      JSON.stringify(r.failureAlso),
      r.client,
      r.errorCode,
      JSON.stringify(r.explanation),
      JSON.stringify(r.metrics),
      JSON.stringify(r.signals),
      JSON.stringify(r.injections),
      r.startedAt,
      r.finishedAt,
      r.durationMs,
    );
    const artefact = db.prepare('INSERT INTO result_artefacts(run_id, kind, path) VALUES (?, ?, ?)');
    for (const a of r.artefacts) artefact.run(runId, a.kind, a.path);
  })();
}

/** The signals of a campaign's finished golden runs, keyed by golden run id. */
export function goldenSignals(db: Db, campaign: string): Map<string, RunSignals> {
  const rows = db
    .prepare(`SELECT r.experiment_id AS id, r.signals FROM results r JOIN experiments e ON e.campaign = r.campaign AND e.id = r.experiment_id WHERE r.campaign = ? AND e.role = 'golden' AND r.status = 'completed'`)
    .all(campaign) as { id: string; signals: string }[];
  return new Map(rows.map((r) => [r.id, JSON.parse(r.signals) as RunSignals]));
}

/** Filters for reading results. */
export interface ResultFilter {
  campaign?: string;
  workload?: string;
  role?: 'golden' | 'injection';
}

/** Reads stored results joined with their planned runs, in run order. */
export function listResults(db: Db, filter: ResultFilter = {}): StoredResult[] {
  const where: string[] = [];
  const args: string[] = [];
  if (filter.campaign) {
    where.push('r.campaign = ?');
    args.push(filter.campaign);
  }
  if (filter.workload) {
    where.push('e.workload = ?');
    args.push(filter.workload);
  }
  if (filter.role) {
    where.push('e.role = ?');
    args.push(filter.role);
  }
  const rows = db
    .prepare(
      `SELECT r.*, e.role, e.workload, e.target_kind, e.field, e.fault_model, e.variant, e.channel, e.definition,
              (SELECT json_group_array(json_object('kind', a.kind, 'path', a.path)) FROM result_artefacts a WHERE a.run_id = r.run_id) AS artefacts
       FROM results r JOIN experiments e ON e.campaign = r.campaign AND e.id = r.experiment_id
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.campaign, e.idx`,
    )
    .all(...args) as Record<string, unknown>[];
  return rows.map(toStoredResult);
}

/** One result by run id (`campaign/experiment` or, when unambiguous, the experiment id alone). */
export function getResult(db: Db, run: string): StoredResult {
  const matches = listResults(db).filter((r) => r.runId === run || r.experimentId === run);
  if (matches.length === 0) throw new InvalidDataError(`run "${run}": no such result; list runs with \`mutiny results --by run\``);
  if (matches.length > 1) throw new InvalidDataError(`run "${run}": in several campaigns; give it as <campaign>/${run}`);
  return matches[0];
}

/** Names of the campaigns with stored results, newest first. */
export function campaignNames(db: Db): string[] {
  return (db.prepare('SELECT name FROM campaigns ORDER BY updated_at DESC').all() as { name: string }[]).map((r) => r.name);
}

/** What `importCampaign` copied. */
export interface ImportedCampaign {
  campaign: string;
  experiments: number;
  results: number;
}

/**
 * Copies a campaign (its spec, plan and results) from another mutiny database into this one, replacing any
 * campaign of the same name in one transaction, so results run elsewhere (a bench lab, another machine) can sit
 * beside the incidents they replay. Artefact paths are left behind: they name files on the machine that ran.
 */
export function importCampaign(db: Db, sourceFile: string, campaign: string): ImportedCampaign {
  db.prepare('ATTACH DATABASE ? AS source').run(sourceFile);
  try {
    const found = db.prepare("SELECT name FROM source.sqlite_master WHERE type = 'table' AND name = 'results'").get();
    if (!found) throw new InvalidDataError(`${sourceFile}: not a mutiny database with campaign results; give the --db file a campaign ran with`);
    if (!db.prepare('SELECT 1 FROM source.campaigns WHERE name = ?').get(campaign)) {
      const names = (db.prepare('SELECT name FROM source.campaigns ORDER BY name').all() as { name: string }[]).map((r) => r.name);
      throw new InvalidDataError(`${sourceFile}: no campaign "${campaign}"; it holds: ${names.join(', ') || 'none'}`);
    }
    return db.transaction(() => {
      db.prepare('DELETE FROM main.campaigns WHERE name = ?').run(campaign);
      db.prepare('INSERT INTO main.campaigns SELECT * FROM source.campaigns WHERE name = ?').run(campaign);
      const experiments = db.prepare('INSERT INTO main.experiments SELECT * FROM source.experiments WHERE campaign = ?').run(campaign).changes;
      const results = db.prepare('INSERT INTO main.results SELECT * FROM source.results WHERE campaign = ?').run(campaign).changes;
      return { campaign, experiments, results };
    })();
  } finally {
    db.prepare('DETACH DATABASE source').run();
  }
}

function toStoredResult(row: Record<string, unknown>): StoredResult {
  return {
    runId: row.run_id as string,
    campaign: row.campaign as string,
    experimentId: row.experiment_id as string,
    role: row.role as 'golden' | 'injection',
    workload: row.workload as WorkloadKind,
    targetKind: row.target_kind as string | null,
    field: row.field as string | null,
    faultModel: row.fault_model as string | null,
    variant: row.variant as string | null,
    channel: row.channel as string | null,
    status: row.status as ResultStatus,
    failure: row.failure as FailureClass | null,
    failureAlso: JSON.parse(row.failure_also as string) as FailureClass[],
    client: row.client as ClientClass | null,
    errorCode: row.error_code as string | null,
    explanation: JSON.parse(row.explanation as string) as string[],
    metrics: JSON.parse(row.metrics as string) as Record<string, unknown>,
    injections: JSON.parse(row.injections as string) as AppliedInjection[],
    definition: JSON.parse(row.definition as string) as Experiment | GoldenRun,
    durationMs: row.duration_ms as number,
    finishedAt: row.finished_at as string,
    artefacts: JSON.parse(row.artefacts as string) as { kind: string; path: string }[],
  };
}
