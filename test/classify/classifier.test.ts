import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyIncident } from '../../src/classify/classifier.js';
import { parseEntrySummary } from '../../src/classify/entry-text.js';
import { incidentInputFromRow } from '../../src/classify/label-store.js';
import { loadRules, RULES_DIR } from '../../src/classify/rule-files.js';
import { compileRules, type RuleFile } from '../../src/classify/rules.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';

const taxonomy = loadTaxonomy();
const read = (name: string): RuleFile => ({ path: name, text: readFileSync(path.join(RULES_DIR, name), 'utf8') });
const header = (dimension: string) => `apiVersion: mutiny/v1alpha1\nkind: ClassifierRules\nmetadata: { name: ${dimension} }\ndimension: ${dimension}\nrules:\n`;
// A small rule set with known weights, so the tests can assert exact scores.
const small = compileRules(
  [
    read('settings.yaml'),
    read('aliases.yaml'),
    {
      path: 'failure.yaml',
      text:
        header('failure') +
        '  - { name: out-apiserver, code: Out, weight: 1, phrases: ["apiserver down"] }\n' +
        '  - { name: net-dns, code: Net, weight: 1, phrases: ["dns failures"] }\n' +
        '  - { name: ler-evicted, code: LeR, weight: 1, phrases: ["evicted"] }\n',
    },
    { path: 'fault.yaml', text: header('fault') + '  - { name: bug, code: software-bug, weight: 1, phrases: ["bug"], labels: ["kind/bug"] }\n' },
    { path: 'component.yaml', text: header('component') + '  - { name: dns, code: dns, weight: 1, phrases: ["coredns"], tags: ["dns"] }\n' },
  ],
  taxonomy,
);
const rules = loadRules();

describe('negation and hedging', () => {
  it('drops a match right after a negation cue', () => {
    const r = classifyIncident({ id: 'n', title: '', text: 'The API server did not go down; the apiserver was never down either.' }, small);
    expect(r.dimensions.failure.values).toEqual(['unknown']);
    const plain = classifyIncident({ id: 'p', title: '', text: 'The API server went down. Then the apiserver was down again.' }, small);
    expect(plain.dimensions.failure.values).toEqual(['unknown']); // "went down" / "was down" are not the phrase
    const hit = classifyIncident({ id: 'h', title: '', text: 'At 10:00 the apiserver down alert fired.' }, small);
    expect(hit.dimensions.failure.values).toEqual(['Out']);
  });

  it('drops a match followed by "was not the cause"', () => {
    const r = classifyIncident({ id: 'n', title: '', text: 'We suspected a bug in kube-proxy, but the bug was not the cause.' }, small);
    // First "bug" is hedged (suspected: 0.5 < threshold 1), the second is negated by what follows.
    expect(r.dimensions.fault.values).toEqual(['unknown']);
    expect(r.dimensions.fault.scores['software-bug']).toBe(0.5);
  });

  it('reads "no customer impact" as NSI and not as an outage with the real rules', () => {
    const r = classifyIncident({ id: 'nsi', title: 'Cluster upgrade postmortem', impact: 'No customer impact; the checkout service did not go down.' }, rules);
    expect(r.dimensions.client.values).toEqual(['NSI']);
    expect(r.dimensions.client.scores.SU ?? 0).toBe(0);
  });

  it('weighs follow-up plans less than what happened', () => {
    const r = classifyIncident({ id: 'f', title: '', text: 'Pods were evicted. We will add alerts for DNS failures.' }, small);
    expect(r.dimensions.failure.scores).toEqual({ LeR: 1, Net: 0.4 });
    expect(r.dimensions.failure.values).toEqual(['LeR']);
  });

  it('does not let a negation reach across sentences', () => {
    const r = classifyIncident({ id: 'x', title: '', text: 'There was no warning. Evicted pods piled up.' }, small);
    expect(r.dimensions.failure.values).toEqual(['LeR']);
  });

  it('stops a negation at a new clause', () => {
    const r = classifyIncident({ id: 'c', title: '', text: 'There was no alert and pods were evicted.' }, small);
    expect(r.dimensions.failure.values).toEqual(['LeR']);
    const same = classifyIncident({ id: 'd', title: '', text: 'No pods were evicted.' }, small);
    expect(same.dimensions.failure.values).toEqual(['unknown']);
  });

  it('matches several-word cues whole: "ran out of" is not "ruled out"', () => {
    const ranOut = classifyIncident({ id: 'o', title: '', text: 'The cluster ran out of coredns capacity.' }, small);
    expect(ranOut.dimensions.component.values).toEqual(['dns']);
    const ruledOut = classifyIncident({ id: 'r', title: '', text: 'We ruled out coredns early.' }, small);
    expect(ruledOut.dimensions.component.values).toEqual(['unknown']);
  });
});

describe('sections', () => {
  const doc = ['# Postmortem', '', '## Summary', '', 'Pods were evicted.', '', '## Lessons learned', '', 'DNS failures could hit us next.', ''].join('\n');

  it('weights a match by the section it is in', () => {
    const r = classifyIncident({ id: 's', title: '', text: doc }, small);
    const summary = r.dimensions.failure.evidence.LeR[0];
    expect(summary).toMatchObject({ rule: 'ler-evicted', field: 'text', section: 'summary', weight: 1.2 });
    // Lessons count 0.3: "DNS failures" there does not reach the threshold.
    expect(r.dimensions.failure.scores.Net).toBe(0.3);
    expect(r.dimensions.failure.values).toEqual(['LeR']);
  });

  it('recognises Key: value lines such as "Impact:" as one-line sections', () => {
    const r = classifyIncident({ id: 'k', title: '', text: 'Impact: DNS failures for all services\nOther text.' }, small);
    expect(r.dimensions.failure.evidence.Net[0]).toMatchObject({ section: 'impact', weight: 1.5 });
  });
});

describe('decisions and evidence', () => {
  it('breaks a tie by severity and keeps the rest as failure_also', () => {
    const r = classifyIncident({ id: 't', title: '', text: 'Pods were evicted. Then DNS failures started.' }, small);
    expect(r.dimensions.failure.scores).toEqual({ LeR: 1, Net: 1 });
    expect(r.dimensions.failure.values).toEqual(['Net']);
    expect(r.dimensions.failure_also.values).toEqual(['LeR']);
  });

  it('answers unknown below the threshold, never a default', () => {
    const r = classifyIncident({ id: 'u', title: 'Something happened', text: 'We are not sure what.' }, rules);
    for (const d of ['failure', 'client', 'fault', 'component', 'error'] as const) expect(r.dimensions[d].values).toEqual(['unknown']);
    expect(r.dimensions.failure_also.values).toEqual([]);
  });

  it('reports evidence offsets into the field, across aliases', () => {
    const text = 'Yesterday the kube-dns pods crashed; CoreDNS was restarted.';
    const r = classifyIncident({ id: 'o', title: '', text }, small);
    const spans = r.dimensions.component.evidence.dns.map((e) => text.slice(e.start, e.end));
    expect(spans.sort()).toEqual(['CoreDNS', 'kube-dns']);
    expect(r.dimensions.component.evidence.dns.every((e) => e.match === text.slice(e.start, e.end))).toBe(true);
  });

  it('matches aliases by spelling, not by stem', () => {
    const scheduled = classifyIncident({ id: 'a', title: '', text: 'We scheduled maintenance; the control loop of our app was fine.' }, rules);
    expect(scheduled.dimensions.component.scores['kube-scheduler'] ?? 0).toBe(0);
    expect(scheduled.dimensions.component.scores['kube-controller-manager'] ?? 0).toBe(0);
    const scheduler = classifyIncident({ id: 'b', title: '', text: 'The kube-scheduler and the node controller both crashed.' }, rules);
    expect(scheduler.dimensions.component.values).toEqual(expect.arrayContaining(['kube-scheduler', 'kube-controller-manager']));
  });

  it('uses tags and GitHub labels with offsets into the stored JSON arrays', () => {
    const tags = ['AWS', 'kube-dns'];
    const labels = ['sig/network', 'kind/bug'];
    const r = classifyIncident({ id: 'g', title: '', tags, labels }, small);
    const tag = r.dimensions.component.evidence.dns[0];
    expect(tag.field).toBe('tags');
    expect(JSON.stringify(tags).slice(tag.start, tag.end)).toBe('kube-dns');
    const label = r.dimensions.fault.evidence['software-bug'][0];
    expect(label).toMatchObject({ field: 'labels', rule: 'bug', match: 'kind/bug' });
    expect(JSON.stringify(labels).slice(label.start, label.end)).toBe('kind/bug');
  });

  it('is deterministic and records the rules version', () => {
    const input = { id: 'd', title: 'DNS outage', text: 'CoreDNS was OOMKilled because its memory limit was too low.' };
    expect(classifyIncident(input, rules)).toEqual(classifyIncident(input, rules));
    expect(classifyIncident(input, rules).classifierVersion).toBe(rules.version);
  });
});

describe('k8s.af entries', () => {
  it('recognises an entry whose text only repeats title, tags and impact', () => {
    const text = 'DNS storm - Acme - blog post 2020\ninvolved: CoreDNS, `ndots:5`\nimpact: DNS resolution failures';
    expect(parseEntrySummary(text)).toEqual({ tags: ['CoreDNS', '`ndots:5`'], impact: 'DNS resolution failures' });
    expect(parseEntrySummary('# Postmortem\n\nimpact: all pods down\n\nMore text here.\nAnd more.\nAnd more.')).toBeUndefined();
  });

  it('classifies a stored entry from its fields, not twice from its text', () => {
    const row = {
      id: 'https://example.org/dns-storm',
      source: 'k8s-failure-stories',
      url: 'https://example.org/dns-storm',
      title: 'DNS storm (Acme, blog post 2020)',
      text: 'DNS storm - Acme - blog post 2020\ninvolved: CoreDNS, ndots\nimpact: DNS resolution failures',
      impact: 'DNS resolution failures',
      tags: '["CoreDNS","ndots"]',
      updated_at: '2026-01-01',
    };
    const input = incidentInputFromRow(row);
    expect(input).toMatchObject({ text: null, impact: 'DNS resolution failures', tags: ['CoreDNS', 'ndots'], labels: [] });
    const r = classifyIncident(input, rules);
    expect(r.dimensions.failure.values).toEqual(['Net']);
    expect(r.dimensions.component.evidence.dns.every((e) => e.field === 'tags' || e.field === 'impact' || e.field === 'title')).toBe(true);
  });
});
