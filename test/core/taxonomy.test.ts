import { describe, expect, it } from 'vitest';
import { assertCode, loadTaxonomy, parseTaxonomy } from '../../src/core/taxonomy.js';

describe('taxonomy', () => {
  it('loads every SPEC.md dimension with its codes in severity order', () => {
    const t = loadTaxonomy();
    expect(t.dimensions.failure.codes).toEqual(['Out', 'Sta', 'Net', 'LeR', 'MoR', 'Tim', 'No']);
    expect(t.dimensions.client.codes).toEqual(['SU', 'IA', 'HRT', 'NSI']);
    expect(t.dimensions.fault.codes).toHaveLength(13);
    expect(t.dimensions.component.codes).toHaveLength(20);
    expect(t.dimensions.error.codes).toHaveLength(13);
    expect(t.dimensions.error.codes).toContain('none');
  });

  it('rejects an unknown code with the valid list', () => {
    expect(() => assertCode(loadTaxonomy(), 'failure', 'Boom')).toThrow(/unknown failure code "Boom"; valid: Out, Sta/);
    expect(() => assertCode(loadTaxonomy(), 'colour', 'x')).toThrow(/unknown dimension "colour"/);
  });

  it('names the file and path of a schema error', () => {
    expect(() => parseTaxonomy('apiVersion: mutiny/v1alpha1\nkind: Taxonomy\nmetadata: {name: x}\ndimensions: [{name: failure}]\n', 'bad.yaml')).toThrow(
      /^bad\.yaml: dimensions\.0\.cardinality/,
    );
  });
});
