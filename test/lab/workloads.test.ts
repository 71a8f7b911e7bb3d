import { describe, expect, it } from 'vitest';
import type { ObservationSample } from '../../src/lab/observation.js';
import { isSteady, workloadDeployment } from '../../src/lab/workloads.js';

function sample(overrides: Partial<ObservationSample> = {}): ObservationSample {
  return {
    t: 0,
    deployment: { generation: 2, observedGeneration: 2, desired: 3, updated: 3, ready: 3, available: 3, unavailable: 0 },
    pods: { total: 3, byPhase: { Running: 3 }, ready: 3, terminating: 0, byNode: { 'kwok-node-0': 2, 'kwok-node-1': 1 } },
    service: { endpointsReady: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], endpointsNotReady: [], sliceReady: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], sliceNotReady: [] },
    nodes: { total: 2, ready: 2, notReady: [] },
    ...overrides,
  };
}

describe('isSteady', () => {
  it('holds when deployment, pods, endpoints and slices all show exactly N ready', () => {
    expect(isSteady(sample(), 3)).toBe(true);
    expect(isSteady(sample(), 4)).toBe(false);
  });

  it('fails while the controller has not observed the latest generation', () => {
    expect(isSteady(sample({ deployment: { generation: 3, observedGeneration: 2, desired: 3, updated: 3, ready: 3, available: 3, unavailable: 0 } }), 3)).toBe(false);
  });

  it('fails while a pod terminates or the endpoints lag', () => {
    const base = sample();
    expect(isSteady(sample({ pods: { ...base.pods, total: 4, terminating: 1 } }), 3)).toBe(false);
    expect(isSteady(sample({ service: { ...base.service, sliceReady: ['10.0.0.1', '10.0.0.2'] } }), 3)).toBe(false);
    expect(isSteady(sample({ service: { ...base.service, endpointsNotReady: ['10.0.0.9'] } }), 3)).toBe(false);
  });
});

describe('workloadDeployment', () => {
  it('targets kwok nodes and terminates immediately', () => {
    const d = workloadDeployment('web', 'mutiny', 5);
    expect(d.spec?.replicas).toBe(5);
    expect(d.spec?.template.spec?.nodeSelector).toEqual({ type: 'kwok' });
    expect(d.spec?.template.spec?.terminationGracePeriodSeconds).toBe(0);
    expect(d.spec?.selector.matchLabels).toEqual({ app: 'web' });
  });
});
