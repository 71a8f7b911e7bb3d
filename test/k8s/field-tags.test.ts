import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TAXONOMY_DIR } from '../../src/core/paths.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';
import { errorCodeForField, fieldTagsJsonSchema, parseFieldTags } from '../../src/k8s/field-tags.js';

describe('taxonomy/field-tags.yaml', () => {
  it('validates and tags the fields campaigns target with SPEC error codes', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['Pod', 'metadata.ownerReferences[0].uid', 'dependency'],
      ['Pod', 'spec.nodeName', 'dependency'],
      ['Deployment', 'spec.template.spec.containers[0].resources.limits[memory]', 'resources'],
      ['Deployment', 'spec.replicas', 'replica-count'],
      ['StatefulSet', 'status.readyReplicas', 'replica-count'],
      ['Deployment', 'spec.selector.matchLabels[app]', 'labels-selectors'],
      ['Node', 'status.conditions[0].status', 'node-state'],
      ['Node', 'status.allocatable[cpu]', 'resources'],
      ['Lease', 'spec.renewTime', 'node-state'],
      ['Lease', 'spec.holderIdentity', 'control-plane-config'],
      ['Service', 'spec.ports[0].targetPort', 'network-config'],
      ['EndpointSlice', 'endpoints[0].addresses[0]', 'network-config'],
      ['ConfigMap', 'data[config.yaml]', 'config-data'],
      ['Pod', 'spec.containers[0].readinessProbe.httpGet.port', 'lifecycle-probes'],
      ['Pod', 'spec.tolerations', 'scheduling-constraints'],
      ['Pod', 'status.phase', 'pod-status'],
      ['PersistentVolumeClaim', 'spec.volumeName', 'storage-state'],
      ['FlowSchema', 'spec.priorityLevelConfiguration.name', 'control-plane-config'],
      ['ValidatingWebhookConfiguration', 'webhooks[0].clientConfig.service.name', 'config-data'],
      ['ClusterRoleBinding', 'roleRef.name', 'dependency'],
      ['ClusterRole', 'rules[0].verbs[0]', 'control-plane-config'],
      ['PriorityClass', 'value', 'scheduling-constraints'],
      ['Pod', 'metadata.resourceVersion', undefined],
    ];
    for (const [kind, field, code] of cases) expect([kind, field, errorCodeForField(kind, field)]).toEqual([kind, field, code]);
  });

  it('rejects an unknown error code, naming the file and rule', () => {
    const text = readFileSync(path.join(TAXONOMY_DIR, 'field-tags.yaml'), 'utf8').replace('error: lifecycle-probes', 'error: probes');
    expect(() => parseFieldTags(text, 'field-tags.yaml', loadTaxonomy().dimensions.error.codes)).toThrow(
      'field-tags.yaml: rules.0.error: unknown error code "probes"',
    );
  });

  it('rejects a malformed pattern and unknown keys', () => {
    const codes = loadTaxonomy().dimensions.error.codes;
    const base = 'apiVersion: mutiny/v1alpha1\nkind: FieldTags\nmetadata: { name: t }\nrules:\n';
    expect(() => parseFieldTags(`${base}  - { error: dependency, kinds: [Pod], paths: ["spec..x"] }\n`, 'x.yaml', codes)).toThrow('x.yaml: rules.0.paths.0');
    expect(() => parseFieldTags(`${base}  - { error: dependency, kinds: [Pod], paths: [spec], extra: 1 }\n`, 'x.yaml', codes)).toThrow(/x\.yaml: rules\.0/);
  });

  it('matches the committed editor schema', async () => {
    await expect(`${JSON.stringify(fieldTagsJsonSchema(), null, 2)}\n`).toMatchFileSnapshot(path.join(import.meta.dirname, '..', '..', 'src', 'k8s', 'schema', 'FieldTags.schema.json'));
  });
});
