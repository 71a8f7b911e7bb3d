import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidDataError } from '../core/errors.js';
import { TAXONOMY_DIR } from '../core/paths.js';
import { loadTaxonomy } from '../core/taxonomy.js';
import { compileRules, type CompiledRules, type RuleFile } from './rules.js';

/** Where the classifier's YAML rules live. */
export const RULES_DIR = path.join(TAXONOMY_DIR, 'rules');

/** Reads every *.yaml file of a rules directory (sorted, so the version hash is stable). */
export function readRuleFiles(dir: string = RULES_DIR): RuleFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  } catch (cause) {
    throw new InvalidDataError(`${dir}: cannot read the classifier rules directory (${(cause as Error).message})`, { cause });
  }
  return names.map((name) => {
    const file = path.join(dir, name);
    return { path: path.relative(process.cwd(), file) || file, text: readFileSync(file, 'utf8') };
  });
}

/** Reads and compiles the rules of `dir` against taxonomy/dimensions.yaml; compile once, classify many. */
export function loadRules(dir: string = RULES_DIR): CompiledRules {
  return compileRules(readRuleFiles(dir), loadTaxonomy());
}
