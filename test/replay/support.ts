import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/database.js';
import { insertIncidents, type FixtureIncident } from '../stats/fixture.js';

/** Builds one labeled incident for replay tests; unset dimensions are `unknown`. */
export function incident(id: string, labels: Partial<Record<'failure' | 'client' | 'error' | 'component' | 'fault', string[]>>): FixtureIncident {
  return {
    id,
    source: 'k8s-failure-stories',
    url: `https://example.org/${id}`,
    title: `incident ${id}`,
    published: '2021',
    year: 2021,
    text: null,
    text_kind: 'none',
    multi_incident: 0,
    labels: { failure: ['unknown'], client: ['unknown'], fault: ['unknown'], component: ['unknown'], error: ['unknown'], ...labels },
  };
}

/**
 * The replay test incidents: one per rule situation. A..C and G are replayable; D (error none), E (error
 * unknown) and F (storage-state, no rule) are not; H shares B's rule with another failure class.
 */
export const REPLAY_INCIDENTS: FixtureIncident[] = [
  incident('A', { failure: ['MoR'], client: ['NSI'], error: ['replica-count'] }),
  incident('B', { failure: ['Net'], client: ['SU'], error: ['labels-selectors'] }),
  incident('C', { failure: ['LeR'], error: ['dependency', 'none'] }),
  incident('D', { failure: ['Out'], client: ['SU'], error: ['none'] }),
  incident('E', { failure: ['Net'] }),
  incident('F', { failure: ['Sta'], error: ['storage-state'] }),
  incident('G', { failure: ['Net'], client: ['IA'], error: ['network-config'], component: ['dns'] }),
  incident('H', { failure: ['Tim'], error: ['labels-selectors'] }),
];

/** A temp database file holding `incidents` with rule labels. */
export function replayDatabase(incidents: FixtureIncident[] = REPLAY_INCIDENTS): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mutiny-replay-'));
  const file = path.join(dir, 'incidents.sqlite');
  const db = openDatabase(file);
  insertIncidents(db, incidents);
  db.close();
  return { file, dir };
}
