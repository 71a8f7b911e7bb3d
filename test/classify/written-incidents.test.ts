import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { loadRules } from '../../src/classify/rule-files.js';
import { WRITTEN_INCIDENTS } from './written-incidents.js';

const rules = loadRules();

// Whole incidents in fresh wording: the rules must label every dimension each write-up settles, the way SPEC.md's
// rules of thumb say (Out vs Net, Sta vs LeR, correct state + broken data plane -> error none).
describe('incident write-ups in our own wording', () => {
  it.each(WRITTEN_INCIDENTS.map((w) => [w.title, w] as const))('%s', (_title, w) => {
    const result = classifyIncident({ id: 'written', title: w.title, text: w.text, impact: w.impact, tags: w.tags }, rules);
    const got = Object.fromEntries(
      (['failure', 'client', 'fault', 'component', 'error'] as const).map((d) => [d, result.dimensions[d].values]),
    );
    if (w.failure) expect(got.failure).toEqual([w.failure]);
    if (w.client) expect(got.client).toEqual([w.client]);
    for (const d of ['fault', 'component', 'error'] as const) {
      for (const code of w[d] ?? []) expect(got[d], `${d} ${code}`).toContain(code);
    }
  });
});
