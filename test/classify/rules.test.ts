import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRules, ruleFileJsonSchemas, type RuleFile } from '../../src/classify/rules.js';
import { readRuleFiles, RULES_DIR } from '../../src/classify/rule-files.js';
import { loadTaxonomy } from '../../src/core/taxonomy.js';

const taxonomy = loadTaxonomy();
const settings: RuleFile = { path: 'settings.yaml', text: readFileSync(path.join(RULES_DIR, 'settings.yaml'), 'utf8') };

function rulesFile(body: string, name = 'failure.yaml'): RuleFile {
  const header = 'apiVersion: mutiny/v1alpha1\nkind: ClassifierRules\nmetadata: { name: test }\ndimension: failure\nrules:\n';
  return { path: name, text: header + body };
}

describe('rule files', () => {
  it('compiles the committed rules and versions them by content', () => {
    const files = readRuleFiles();
    const compiled = compileRules(files, taxonomy);
    expect(compiled.version).toMatch(/^rules-[0-9a-f]{12}$/);
    expect(compiled.rules.length).toBeGreaterThan(50);
    const changed = files.map((f) => (f.path.endsWith('client.yaml') ? { ...f, text: `${f.text}\n# edited\n` } : f));
    expect(compileRules(changed, taxonomy).version).not.toBe(compiled.version);
  });

  it('names file and line of an unknown code', () => {
    const file = rulesFile('  - name: ok\n    code: Net\n    phrases: [dns]\n  - name: bad\n    code: Boom\n    phrases: [x]\n');
    expect(() => compileRules([settings, file], taxonomy)).toThrow(/^failure\.yaml:10: rules\.1\.code: unknown failure code "Boom"; valid: Out, Sta/);
  });

  it('names file and line of a bad regex', () => {
    const file = rulesFile('  - name: broken\n    code: Net\n    patterns:\n      - "dns("\n');
    expect(() => compileRules([settings, file], taxonomy)).toThrow(/^failure\.yaml:9: bad regular expression \/dns\(\//);
  });

  it('names both places of a duplicate rule, across files', () => {
    const a = rulesFile('  - name: same\n    code: Net\n    phrases: [dns]\n', 'a.yaml');
    const b = rulesFile('  - name: other\n    code: Out\n    phrases: [etcd]\n  - name: same\n    code: Out\n    phrases: [apiserver]\n', 'b.yaml');
    expect(() => compileRules([settings, a, b], taxonomy)).toThrow('b.yaml:9: duplicate rule "same" (already at a.yaml:6); rename one');
  });

  it('rejects unknown fields and kinds with file and line', () => {
    const typo = rulesFile('  - name: typo\n    code: Net\n    phrase: [dns]\n');
    expect(() => compileRules([settings, typo], taxonomy)).toThrow(/^failure\.yaml:6: rules\.0: Unrecognized key: "phrase"/);
    const kind: RuleFile = { path: 'k.yaml', text: 'apiVersion: mutiny/v1alpha1\nkind: Rulez\n' };
    expect(() => compileRules([settings, kind], taxonomy)).toThrow(/^k\.yaml:2: kind: unknown kind "Rulez"/);
    const syntax: RuleFile = { path: 's.yaml', text: 'rules: [\n' };
    expect(() => compileRules([settings, syntax], taxonomy)).toThrow(/^s\.yaml:\d+: YAML syntax error/);
  });

  it('requires exactly one settings file', () => {
    expect(() => compileRules([rulesFile('  - name: a\n    code: Net\n    phrases: [dns]\n')], taxonomy)).toThrow(/exactly one ClassifierSettings file \(found: none\)/);
  });
});

describe('rule file JSON Schemas', () => {
  it('match the committed editor schemas', async () => {
    const schemas = ruleFileJsonSchemas();
    for (const [kind, schema] of Object.entries(schemas)) {
      await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(path.join(RULES_DIR, 'schemas', `${kind}.schema.json`));
    }
  });
});
