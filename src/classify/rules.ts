import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { InvalidDataError } from '../core/errors.js';
import { DIMENSIONS, type DimensionName, type Taxonomy } from '../core/taxonomy.js';
import { normalizePhrase, phraseStems, phraseWords, type AliasIndex, type SectionMatcher } from './text.js';

/** The fields of an incident row that rules read; evidence names one of them. */
export type Field = 'title' | 'impact' | 'text' | 'tags' | 'labels';

/** Bumped when the matching or scoring code changes meaning, so the classifier version changes with it. */
const ALGORITHM_REVISION = '1';

const FieldSchema = z.enum(['title', 'impact', 'text', 'tags', 'labels']);
const DimensionSchema = z.enum(['failure', 'client', 'fault', 'component', 'error']);
const Meta = z.strictObject({ name: z.string().min(1), description: z.string().optional() });
const DimensionWeights = z.partialRecord(z.union([DimensionSchema, z.literal('default')]), z.number().min(0));

const SettingsSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('ClassifierSettings'),
  metadata: Meta,
  fieldWeights: z.strictObject({ title: z.number(), impact: z.number(), text: z.number(), tags: z.number(), labels: z.number() }),
  sections: z.array(z.strictObject({ name: z.string().min(1), headings: z.array(z.string().min(1)).min(1), weights: DimensionWeights })),
  negation: z.strictObject({
    before: z.array(z.string().min(1)),
    after: z.array(z.string().min(1)),
    window: z.int().min(1).max(10),
    /** Words that start a new clause ("and", "but", "because"): a cue before one of them does not reach past it. */
    scopeBreaks: z.array(z.string().min(1)).default([]),
  }),
  hedging: z.strictObject({ cues: z.array(z.string().min(1)), window: z.int().min(1).max(10), factor: z.number().min(0).max(1) }),
  /** Sentences with one of these phrases talk about follow-ups, not the incident: their matches weigh `factor`. */
  forwardLooking: z.strictObject({ cues: z.array(z.string().min(1)), factor: z.number().min(0).max(1) }),
  thresholds: z.strictObject({ failure: z.number(), client: z.number(), fault: z.number(), component: z.number(), error: z.number() }),
  /** Multi-valued dimensions keep codes scoring at least this fraction of the best code. */
  relativeCutoff: z.number().min(0).max(1),
  /** Single-valued dimensions treat codes within this fraction of the best as tied (severity breaks the tie). */
  tieMargin: z.number().min(0).max(1),
  /** Each repeat of the same words counts this fraction of the previous one. */
  repeatDecay: z.number().min(0).max(1),
  /** Each further distinct phrase of the same rule counts this fraction of the previous one. */
  distinctDecay: z.number().min(0).max(1),
  /**
   * Long texts mention many things in passing: multi-valued thresholds grow with sqrt(tokens / lengthScale)
   * once an incident has more than lengthScale tokens.
   */
  lengthScale: z.int().positive(),
  /** At most this many values per multi-valued dimension (the best-scoring ones). */
  maxValues: z.strictObject({ fault: z.int().positive(), component: z.int().positive(), error: z.int().positive() }),
  /** Codes that exclude the others of their dimension (error `none`): kept alone when best, dropped otherwise. */
  exclusiveCodes: z.partialRecord(DimensionSchema, z.array(z.string().min(1))),
});

const AliasesSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('Aliases'),
  metadata: Meta,
  aliases: z.array(z.strictObject({ term: z.string().regex(/^[a-z0-9]+$/, 'a single lowercase word'), variants: z.array(z.string().min(1)).min(1) })),
});

const RuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case'),
  code: z.string().min(1),
  weight: z.number().positive().default(1),
  /** Word sequences, matched on Porter stems after alias rewriting, within one sentence. */
  phrases: z.array(z.string().min(1)).default([]),
  /** Case-insensitive regular expressions over the raw field text (JavaScript syntax, no `u` flag). */
  patterns: z.array(z.string().min(1)).default([]),
  /** Exact GitHub labels (case-insensitive). */
  labels: z.array(z.string().min(1)).default([]),
  /** Phrases matched only inside k8s.af `involved` tags. */
  tags: z.array(z.string().min(1)).default([]),
  /** Restricts phrases and patterns to these fields. */
  fields: z.array(FieldSchema).optional(),
});

const RulesSchema = z.strictObject({
  apiVersion: z.literal('mutiny/v1alpha1'),
  kind: z.literal('ClassifierRules'),
  metadata: Meta,
  dimension: DimensionSchema,
  rules: z.array(RuleSchema).min(1),
});

export type ClassifierSettings = z.infer<typeof SettingsSchema>;

/** JSON Schemas of the three rule-file kinds, for editors (snapshotted in taxonomy/rules/*.schema.json). */
export function ruleFileJsonSchemas(): Record<'ClassifierSettings' | 'Aliases' | 'ClassifierRules', unknown> {
  return {
    ClassifierSettings: z.toJSONSchema(SettingsSchema, { io: 'input' }),
    Aliases: z.toJSONSchema(AliasesSchema, { io: 'input' }),
    ClassifierRules: z.toJSONSchema(RulesSchema, { io: 'input' }),
  };
}

/** A rule file's text and the path errors should name. */
export interface RuleFile {
  path: string;
  text: string;
}

/** One rule after validation, with where it was written (for explain and errors). */
export interface CompiledRule {
  name: string;
  dimension: DimensionName;
  code: string;
  weight: number;
  fields: ReadonlySet<Field> | undefined;
  file: string;
  line: number;
}

/** A node of the phrase trie: the rules whose phrase ends here, and the stems that continue a phrase. */
export interface PhraseNode {
  rules: number[];
  next: Map<string, PhraseNode>;
}

/** Rules compiled once for many incidents: phrase tries over stems, regexes, label lookups. */
export interface CompiledRules {
  /** `rules-<12 hex>`: changes whenever a rule file or the scoring code changes. */
  version: string;
  taxonomy: Taxonomy;
  settings: ClassifierSettings;
  rules: CompiledRule[];
  /** Trie roots: first stem -> node. */
  phrases: Map<string, PhraseNode>;
  tagPhrases: Map<string, PhraseNode>;
  patterns: { re: RegExp; rule: number }[];
  labels: Map<string, number[]>;
  aliases: AliasIndex;
  sectionMatchers: SectionMatcher[];
  /** Per section name, the weight for each dimension. */
  sectionWeights: Map<string, Record<DimensionName, number>>;
  /** One-word negation cues before a match. */
  negationBefore: Set<string>;
  /** Several-word negation cues ("rather than", "ruled out"), keyed by their last stem: matched as sequences. */
  negationBeforePhrases: Map<string, string[][]>;
  negationAfter: string[][];
  /** Stems that end the reach of negation and hedging cues looking back from a match. */
  scopeBreaks: Set<string>;
  hedges: Set<string>;
  /** First stem -> the cue phrases (as stems) starting with it. */
  forwardLookingCues: Map<string, string[][]>;
}

interface Located<T> {
  file: string;
  data: T;
  doc: Document;
  lines: LineCounter;
}

/** Line (1-based) of the YAML node at `path`, or of its nearest existing ancestor. */
function lineAt(doc: Document, lines: LineCounter, path: (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

function parseFile(file: RuleFile): Located<unknown> & { kind: string } {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0].line ?? 1;
    throw new InvalidDataError(`${file.path}:${line}: YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as unknown;
  const kind = (data as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !['ClassifierSettings', 'Aliases', 'ClassifierRules'].includes(kind)) {
    throw new InvalidDataError(
      `${file.path}:${lineAt(doc, lines, ['kind'])}: kind: unknown kind ${JSON.stringify(kind)}; use ClassifierSettings, Aliases or ClassifierRules`,
    );
  }
  return { file: file.path, data, doc, lines, kind };
}

function validate<S extends z.ZodType>(schema: S, parsed: Located<unknown>): Located<z.infer<S>> {
  const result = schema.safeParse(parsed.data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path as (string | number)[];
    throw new InvalidDataError(`${parsed.file}:${lineAt(parsed.doc, parsed.lines, path)}: ${path.join('.')}: ${issue.message}`);
  }
  return { ...parsed, data: result.data };
}

/**
 * Validates and compiles the classifier's rule files (settings, aliases, per-dimension rules) against the
 * taxonomy. Every error names the file and line: YAML syntax, schema, unknown code, bad regex, duplicate rule.
 */
export function compileRules(files: readonly RuleFile[], taxonomy: Taxonomy): CompiledRules {
  const parsed = [...files].sort((a, b) => a.path.localeCompare(b.path)).map(parseFile);
  const settingsFiles = parsed.filter((p) => p.kind === 'ClassifierSettings');
  if (settingsFiles.length !== 1) {
    const names = settingsFiles.map((p) => p.file).join(', ') || 'none';
    throw new InvalidDataError(`classifier rules need exactly one ClassifierSettings file (found: ${names})`);
  }
  const settings = validate(SettingsSchema, settingsFiles[0]).data;

  const aliases: AliasIndex = new Map();
  const aliasOwner = new Map<string, { where: string; term: string }>();
  const addAlias = (words: string[], term: string, where: string) => {
    const key = words.join(' ');
    const previous = aliasOwner.get(key);
    if (previous && previous.term === term) return;
    if (previous) throw new InvalidDataError(`${where}: alias "${key}" is already claimed by "${previous.term}" at ${previous.where}; keep one`);
    aliasOwner.set(key, { where, term });
    const list = aliases.get(words[0]) ?? [];
    // "=" keeps the term apart from every stem ("bound" the term is not the stem of "bounded").
    list.push({ words, canonical: `=${term}` });
    aliases.set(words[0], list);
  };
  for (const p of parsed.filter((x) => x.kind === 'Aliases')) {
    const located = validate(AliasesSchema, p);
    located.data.aliases.forEach((alias, i) => {
      // The term is a spelling of itself.
      addAlias([alias.term], alias.term, `${p.file}:${lineAt(p.doc, p.lines, ['aliases', i, 'term'])}`);
      alias.variants.forEach((variant, j) => {
        const words = phraseWords(variant);
        const where = `${p.file}:${lineAt(p.doc, p.lines, ['aliases', i, 'variants', j])}`;
        if (words.length === 0) throw new InvalidDataError(`${where}: aliases.${i}.variants.${j}: "${variant}" has no words`);
        addAlias(words, alias.term, where);
      });
    });
  }
  for (const list of aliases.values()) list.sort((a, b) => b.words.length - a.words.length);
  // Rule phrases go through the same alias rewriting as text, so "API server" in a rule means apiserver.
  const normalize = (phrase: string): string[] => normalizePhrase(phrase, aliases);

  const compiled: CompiledRules = {
    version: rulesVersion(files),
    taxonomy,
    settings,
    rules: [],
    phrases: new Map(),
    tagPhrases: new Map(),
    patterns: [],
    labels: new Map(),
    aliases,
    sectionMatchers: settings.sections.map((s) => ({ name: s.name, headings: s.headings.map((h) => h.toLowerCase()) })),
    sectionWeights: new Map(
      settings.sections.map((s) => [
        s.name,
        Object.fromEntries(DIMENSIONS.map((d) => [d, s.weights[d] ?? s.weights.default ?? 1])) as Record<DimensionName, number>,
      ]),
    ),
    negationBefore: new Set(settings.negation.before.map((c) => phraseStems(c)).filter((stems) => stems.length === 1).map((stems) => stems[0])),
    negationBeforePhrases: new Map(),
    negationAfter: settings.negation.after.map((c) => normalize(c)),
    scopeBreaks: new Set(settings.negation.scopeBreaks.flatMap((c) => phraseStems(c))),
    hedges: new Set(settings.hedging.cues.flatMap((c) => phraseStems(c))),
    forwardLookingCues: new Map(),
  };
  // Multi-word cues must match whole: "ran out of disk" is not negated by the "out" of "ruled out".
  for (const stems of settings.negation.before.map((c) => phraseStems(c)).filter((st) => st.length > 1)) {
    const last = stems[stems.length - 1];
    compiled.negationBeforePhrases.set(last, [...(compiled.negationBeforePhrases.get(last) ?? []), stems]);
  }
  for (const cue of settings.forwardLooking.cues) {
    const stems = normalize(cue);
    if (stems.length === 0) continue;
    compiled.forwardLookingCues.set(stems[0], [...(compiled.forwardLookingCues.get(stems[0]) ?? []), stems]);
  }

  for (const [dimension, codes] of Object.entries(settings.exclusiveCodes)) {
    for (const code of codes ?? []) {
      if (!taxonomy.dimensions[dimension as DimensionName].codes.includes(code)) {
        const at = `${settingsFiles[0].file}:${lineAt(settingsFiles[0].doc, settingsFiles[0].lines, ['exclusiveCodes', dimension])}`;
        throw new InvalidDataError(`${at}: exclusiveCodes.${dimension}: unknown ${dimension} code "${code}"`);
      }
    }
  }

  const ruleNames = new Map<string, string>();
  const addPhrase = (roots: Map<string, PhraseNode>, stems: string[], rule: number) => {
    let level = roots;
    let node: PhraseNode | undefined;
    for (const stem of stems) {
      node = level.get(stem);
      if (!node) {
        node = { rules: [], next: new Map() };
        level.set(stem, node);
      }
      level = node.next;
    }
    node!.rules.push(rule);
  };
  for (const p of parsed.filter((x) => x.kind === 'ClassifierRules')) {
    const located = validate(RulesSchema, p);
    const dimension = located.data.dimension;
    const codes = taxonomy.dimensions[dimension].codes;
    located.data.rules.forEach((spec, i) => {
      const at = (...path: (string | number)[]) => `${p.file}:${lineAt(p.doc, p.lines, ['rules', i, ...path])}`;
      if (!codes.includes(spec.code)) {
        throw new InvalidDataError(`${at('code')}: rules.${i}.code: unknown ${dimension} code "${spec.code}"; valid: ${codes.join(', ')}`);
      }
      const previous = ruleNames.get(spec.name);
      if (previous) throw new InvalidDataError(`${at('name')}: duplicate rule "${spec.name}" (already at ${previous}); rename one`);
      ruleNames.set(spec.name, at('name'));
      const index = compiled.rules.length;
      compiled.rules.push({
        name: spec.name,
        dimension,
        code: spec.code,
        weight: spec.weight,
        fields: spec.fields ? new Set(spec.fields) : undefined,
        file: p.file,
        line: lineAt(p.doc, p.lines, ['rules', i, 'name']),
      });
      const seen = new Set<string>();
      const once = (kind: string, value: string, j: number) => {
        const key = `${kind}:${value.toLowerCase()}`;
        if (seen.has(key)) throw new InvalidDataError(`${at(kind, j)}: rule "${spec.name}" lists ${kind.slice(0, -1)} "${value}" twice`);
        seen.add(key);
      };
      // Inflections of one phrase ("crash", "crashes") stem alike: index each stem sequence once per rule.
      const indexed = new Set<string>();
      spec.phrases.forEach((phrase, j) => {
        once('phrases', phrase, j);
        const stems = normalize(phrase);
        if (stems.length === 0) throw new InvalidDataError(`${at('phrases', j)}: phrase "${phrase}" has no words`);
        if (!indexed.has(stems.join(' '))) addPhrase(compiled.phrases, stems, index);
        indexed.add(stems.join(' '));
      });
      spec.tags.forEach((tag, j) => {
        once('tags', tag, j);
        const stems = normalize(tag);
        if (stems.length === 0) throw new InvalidDataError(`${at('tags', j)}: tag "${tag}" has no words`);
        // A tag that is also one of the rule's phrases already matches in tags through the phrase.
        if (!indexed.has(`tag:${stems.join(' ')}`) && !indexed.has(stems.join(' '))) addPhrase(compiled.tagPhrases, stems, index);
        indexed.add(`tag:${stems.join(' ')}`);
      });
      spec.patterns.forEach((pattern, j) => {
        once('patterns', pattern, j);
        let re: RegExp;
        try {
          re = new RegExp(pattern, 'gi');
        } catch (cause) {
          throw new InvalidDataError(`${at('patterns', j)}: bad regular expression /${pattern}/: ${(cause as Error).message}`, { cause });
        }
        if (re.test('')) throw new InvalidDataError(`${at('patterns', j)}: regular expression /${pattern}/ matches the empty string`);
        compiled.patterns.push({ re, rule: index });
      });
      spec.labels.forEach((label, j) => {
        once('labels', label, j);
        const key = label.toLowerCase();
        compiled.labels.set(key, [...(compiled.labels.get(key) ?? []), index]);
      });
    });
  }
  return compiled;
}

/** `rules-<sha256 prefix>` of the rule files' names and bytes and the scoring code's revision. */
export function rulesVersion(files: readonly RuleFile[]): string {
  const hash = createHash('sha256').update(`algorithm ${ALGORITHM_REVISION}\n`);
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(`${f.path.split(/[\\/]/).pop()}\n${f.text}\n`);
  }
  return `rules-${hash.digest('hex').slice(0, 12)}`;
}
