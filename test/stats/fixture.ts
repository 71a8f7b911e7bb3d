import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../src/store/database.js';

/** One fixture incident: the hand-labeled k8s.af entries and postmortems of /work/shared/labels, as rows. */
export interface FixtureIncident {
  id: string;
  source: string;
  url: string | null;
  title: string;
  published: string | null;
  year: number | null;
  text: string | null;
  text_kind: string;
  multi_incident: number;
  labels: Record<string, string[]>;
}

export const FIXTURE_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stats', 'incidents.jsonl');

/** The 59 fixture incidents (50 k8s.af entries, 12 of them multi-incident reports; 9 postmortems). */
export function readFixtureIncidents(): FixtureIncident[] {
  return readFileSync(FIXTURE_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FixtureIncident);
}

/** Inserts incidents and their labels as `origin` rows (rule by default), like the dataset and classifier do. */
export function insertIncidents(db: Db, incidents: FixtureIncident[], origin: 'rule' | 'human' = 'rule'): void {
  const insertIncident = db.prepare(`
    INSERT INTO incidents(id, source, url, title, published, year, fetched_at, updated_at, content_hash, text, text_kind, multi_incident)
    VALUES (@id, @source, @url, @title, @published, @year, '2026-11-25T00:00:00Z', '2026-11-25T00:00:00Z', 'fixture', @text, @text_kind, @multi_incident)`);
  const insertLabel = db.prepare(`
    INSERT INTO labels(incident_id, dimension, value, origin, confidence, evidence, classifier_version, labeled_at)
    VALUES (?, ?, ?, ?, ?, ?, 'fixture-1', '2026-11-25T00:00:00Z')`);
  db.transaction(() => {
    for (const incident of incidents) {
      insertIncident.run(incident);
      for (const [dimension, values] of Object.entries(incident.labels)) {
        for (const value of values) insertLabel.run(incident.id, dimension, value, origin, origin === 'rule' ? 0.5 : null, '[]');
      }
    }
  })();
}

/** A fresh database file in a temp dir, filled with the fixture incidents. */
export function fixtureDatabase(): { db: Db; file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-stats-'));
  const file = path.join(dir, 'incidents.sqlite');
  const db = openDatabase(file);
  insertIncidents(db, readFixtureIncidents());
  return { db, file, dir };
}
