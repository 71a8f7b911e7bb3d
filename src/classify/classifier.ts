import { DIMENSIONS, UNKNOWN, type DimensionName } from '../core/taxonomy.js';
import type { CompiledRules, Field, PhraseNode } from './rules.js';
import { findSections, matchesAt, tokenize, type Section, type Token } from './text.js';

/** What the classifier reads of an incident: the row's text fields, its tags and (GitHub) labels. */
export interface IncidentInput {
  id: string;
  title: string;
  text?: string | null;
  impact?: string | null;
  /** k8s.af `involved` tags and similar free-text tags. */
  tags?: readonly string[];
  /** GitHub labels (sig/network, kind/bug, ...). */
  labels?: readonly string[];
}

/** One text span that made a rule fire; offsets are UTF-16 offsets into that field of the incident row. */
export interface Evidence {
  rule: string;
  field: Field;
  section: string | null;
  start: number;
  end: number;
  match: string;
  weight: number;
}

/** The classifier's answer for one dimension. `values` is `['unknown']` when no code reached the threshold. */
export interface DimensionResult {
  values: string[];
  /** Per value, in [0, 1]: how far the score cleared the threshold and how clearly it beat the other codes. */
  confidence: Record<string, number>;
  /** Per value, the spans that supported it (negated spans are dropped, hedged ones weigh less). */
  evidence: Record<string, Evidence[]>;
  /** Every code's score, for explain and tuning. */
  scores: Record<string, number>;
}

/** The full answer for one incident: every SPEC dimension plus the other failure classes seen. */
export interface Classification {
  id: string;
  classifierVersion: string;
  dimensions: Record<DimensionName | 'failure_also', DimensionResult>;
}

interface Hit {
  rule: number;
  evidence: Evidence;
}

/**
 * Classifies one incident with compiled rules. Pure: the same input and rules give the same output.
 * Single-valued dimensions (failure, client) take the best-scoring code, near-ties going to the most severe;
 * multi-valued ones keep every code above the threshold and close enough to the best.
 */
export function classifyIncident(incident: IncidentInput, rules: CompiledRules): Classification {
  const hits: Hit[] = [];
  const fieldWeights = rules.settings.fieldWeights;
  const textFields: ['title' | 'impact' | 'text', string | null | undefined][] = [
    ['title', incident.title],
    ['impact', incident.impact],
    ['text', incident.text],
  ];
  let tokenCount = 0;
  for (const [field, value] of textFields) {
    if (!value) continue;
    const sections = field === 'text' ? findSections(value, rules.sectionMatchers) : [];
    const tokens = tokenize(value, sections, rules.aliases);
    tokenCount += tokens.length;
    const forwardLooking = forwardLookingSentences(rules, tokens);
    matchPhrases(rules, rules.phrases, field, value, tokens, sections, 0, fieldWeights[field], forwardLooking, hits);
    matchPatterns(rules, field, value, tokens, sections, fieldWeights[field], forwardLooking, hits);
  }
  if (incident.tags && incident.tags.length > 0) matchTags(rules, incident.tags, hits);
  if (incident.labels && incident.labels.length > 0) matchLabels(rules, incident.labels, hits);

  const perCode = new Map<DimensionName, Map<string, Map<number, Evidence[]>>>();
  for (const d of DIMENSIONS) perCode.set(d, new Map());
  for (const hit of hits) {
    const rule = rules.rules[hit.rule];
    const codes = perCode.get(rule.dimension)!;
    const byRule = codes.get(rule.code) ?? new Map<number, Evidence[]>();
    codes.set(rule.code, byRule);
    const list = byRule.get(hit.rule) ?? [];
    list.push(hit.evidence);
    byRule.set(hit.rule, list);
  }

  const lengthFactor = Math.max(1, Math.sqrt(tokenCount / rules.settings.lengthScale));
  const dimensions = {} as Classification['dimensions'];
  for (const dimension of DIMENSIONS) {
    const scored = scoreCodes(perCode.get(dimension)!, rules.settings.repeatDecay, rules.settings.distinctDecay);
    const result = decide(dimension, scored, rules, lengthFactor);
    dimensions[dimension] = result.primary;
    if (dimension === 'failure') dimensions.failure_also = result.also;
  }
  return { id: incident.id, classifierVersion: rules.version, dimensions };
}

function scoreCodes(
  codes: Map<string, Map<number, Evidence[]>>,
  repeatDecay: number,
  distinctDecay: number,
): Map<string, { score: number; evidence: Evidence[] }> {
  const out = new Map<string, { score: number; evidence: Evidence[] }>();
  for (const [code, byRule] of codes) {
    let score = 0;
    const evidence: Evidence[] = [];
    for (const all of byRule.values()) {
      // "CPU throttling" also contains "throttling": a span inside a longer span of the same rule is one match.
      const list = all.filter((e) => !all.some((o) => o !== e && o.field === e.field && o.start <= e.start && o.end >= e.end && o.end - o.start > e.end - e.start));
      // Saying the same words again adds little; saying other words of the same rule adds more.
      const groups = new Map<string, number[]>();
      for (const e of list) {
        const key = e.match.toLowerCase();
        const g = groups.get(key) ?? [];
        g.push(e.weight);
        groups.set(key, g);
      }
      const groupScores = [...groups.values()].map((weights) => decayedSum(weights, repeatDecay));
      score += decayedSum(groupScores, distinctDecay);
      evidence.push(...list);
    }
    evidence.sort((a, b) => b.weight - a.weight || a.start - b.start);
    out.set(code, { score, evidence });
  }
  return out;
}

/** Sum of values, largest first, each counting `decay` times the one before. */
function decayedSum(values: number[], decay: number): number {
  const sorted = [...values].sort((a, b) => b - a);
  let sum = 0;
  let factor = 1;
  for (const v of sorted) {
    sum += v * factor;
    factor *= decay;
  }
  return sum;
}

function decide(
  dimension: DimensionName,
  scored: Map<string, { score: number; evidence: Evidence[] }>,
  rules: CompiledRules,
  lengthFactor: number,
): { primary: DimensionResult; also: DimensionResult } {
  const single = rules.taxonomy.dimensions[dimension].cardinality === 'single';
  const threshold = rules.settings.thresholds[dimension] * (single ? 1 : lengthFactor);
  const order = rules.taxonomy.dimensions[dimension].codes;
  const scores: Record<string, number> = {};
  for (const [code, s] of scored) scores[code] = round(s.score);
  const passing = order.filter((c) => (scored.get(c)?.score ?? 0) >= threshold);
  const total = [...scored.values()].reduce((sum, s) => sum + s.score, 0);
  const confidenceOf = (code: string) => {
    const s = scored.get(code)!.score;
    return round((s / (s + threshold)) * Math.sqrt(s / total));
  };
  const result = (values: string[]): DimensionResult => {
    if (values.length === 0) return { values: [UNKNOWN], confidence: { [UNKNOWN]: 0 }, evidence: { [UNKNOWN]: [] }, scores };
    return {
      values,
      confidence: Object.fromEntries(values.map((v) => [v, confidenceOf(v)])),
      evidence: Object.fromEntries(values.map((v) => [v, scored.get(v)!.evidence])),
      scores,
    };
  };
  const empty: DimensionResult = { values: [], confidence: {}, evidence: {}, scores: {} };
  if (passing.length === 0) return { primary: result([]), also: empty };
  const best = Math.max(...passing.map((c) => scored.get(c)!.score));
  if (single) {
    // `order` is most severe first, so the first near-tie is the most severe of them.
    const chosen = passing.find((c) => scored.get(c)!.score >= best * (1 - rules.settings.tieMargin))!;
    const others = passing.filter((c) => c !== chosen);
    const also = others.length > 0 ? { ...result(others), scores: {} } : empty;
    return { primary: result([chosen]), also };
  }
  let kept = passing
    .filter((c) => scored.get(c)!.score >= best * rules.settings.relativeCutoff)
    .sort((a, b) => scored.get(b)!.score - scored.get(a)!.score);
  const exclusive = rules.settings.exclusiveCodes[dimension] ?? [];
  if (exclusive.includes(kept[0])) kept = [kept[0]];
  else kept = kept.filter((c) => !exclusive.includes(c));
  const max = rules.settings.maxValues[dimension as 'fault' | 'component' | 'error'];
  return { primary: result(kept.slice(0, max)), also: empty };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function sectionOf(sections: readonly Section[], token: Token): string | null {
  return token.section >= 0 ? sections[token.section].name : null;
}

const NO_SENTENCES: ReadonlySet<number> = new Set();

/**
 * Sentences about what will be done ("we will add alerts for kube-proxy", "future prevention includes ...")
 * name components and causes that were not the incident's: their matches count less.
 */
function forwardLookingSentences(rules: CompiledRules, tokens: readonly Token[]): ReadonlySet<number> {
  let found: Set<number> | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const cues = rules.forwardLookingCues.get(tokens[i].stem);
    if (cues?.some((cue) => matchesAt(tokens, i, cue))) (found ??= new Set()).add(tokens[i].sentence);
  }
  return found ?? NO_SENTENCES;
}

/** Weight factor of a match at tokens [first, last]: 0 when negated, less when hedged or forward-looking. */
function contextFactor(rules: CompiledRules, tokens: readonly Token[], first: number, last: number, forwardLooking: ReadonlySet<number>): number {
  const { negation, hedging } = rules.settings;
  const sentence = tokens[first].sentence;
  let factor = forwardLooking.has(sentence) ? rules.settings.forwardLooking.factor : 1;
  const lookback = Math.max(negation.window, hedging.window);
  for (let k = first - 1; k >= 0 && k >= first - lookback; k--) {
    const t = tokens[k];
    if (t.sentence !== sentence || rules.scopeBreaks.has(t.stem)) break;
    const distance = first - k;
    if (distance <= negation.window && rules.negationBefore.has(t.stem)) return 0;
    const phrases = distance <= negation.window ? rules.negationBeforePhrases.get(t.stem) : undefined;
    if (phrases?.some((stems) => k - stems.length + 1 >= 0 && matchesAt(tokens, k - stems.length + 1, stems))) return 0;
    if (distance <= hedging.window && rules.hedges.has(t.stem)) factor = Math.min(factor, hedging.factor);
  }
  for (let k = last + 1; k < tokens.length && k <= last + 1 + negation.window; k++) {
    if (tokens[k].sentence !== sentence) break;
    for (const cue of rules.negationAfter) if (matchesAt(tokens, k, cue)) return 0;
  }
  return factor;
}

function matchPhrases(
  rules: CompiledRules,
  roots: Map<string, PhraseNode>,
  field: Field,
  value: string,
  tokens: readonly Token[],
  sections: readonly Section[],
  offsetBase: number,
  fieldWeight: number,
  forwardLooking: ReadonlySet<number>,
  hits: Hit[],
): void {
  const tagOnly = roots === rules.tagPhrases;
  for (let i = 0; i < tokens.length; i++) {
    let node = roots.get(tokens[i].stem);
    const sentence = tokens[i].sentence;
    const section = sectionOf(sections, tokens[i]);
    for (let last = i; node !== undefined; ) {
      // Negation and hedging depend on the span, not the rule: computed once for all rules ending here.
      let factor = -1;
      for (const index of node.rules) {
        const rule = rules.rules[index];
        if (!tagOnly && rule.fields && !rule.fields.has(field)) continue;
        if (factor < 0) factor = contextFactor(rules, tokens, i, last, forwardLooking);
        if (factor === 0) break;
        const sectionWeight = section ? rules.sectionWeights.get(section)![rule.dimension] : 1;
        const weight = rule.weight * fieldWeight * sectionWeight * factor;
        if (weight <= 0) continue;
        const start = tokens[i].start;
        const end = tokens[last].end;
        hits.push({
          rule: index,
          evidence: { rule: rule.name, field, section, start: start + offsetBase, end: end + offsetBase, match: value.slice(start, end), weight: round(weight) },
        });
      }
      last++;
      if (last >= tokens.length || tokens[last].sentence !== sentence) break;
      node = node.next.get(tokens[last].stem);
    }
  }
}

function matchPatterns(
  rules: CompiledRules,
  field: Field,
  value: string,
  tokens: readonly Token[],
  sections: readonly Section[],
  fieldWeight: number,
  forwardLooking: ReadonlySet<number>,
  hits: Hit[],
): void {
  for (const { re, rule: index } of rules.patterns) {
    const rule = rules.rules[index];
    if (rule.fields && !rule.fields.has(field)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(value); m !== null; m = re.exec(value)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const start = m.index;
      const end = start + m[0].length;
      const first = firstTokenAtOrAfter(tokens, start);
      let factor = 1;
      let section: string | null = null;
      if (first < tokens.length && tokens[first].start < end) {
        let last = first;
        while (last + 1 < tokens.length && tokens[last + 1].start < end) last++;
        factor = contextFactor(rules, tokens, first, last, forwardLooking);
        section = sectionOf(sections, tokens[first]);
      }
      if (factor === 0) continue;
      const sectionWeight = section ? rules.sectionWeights.get(section)![rule.dimension] : 1;
      const weight = rule.weight * fieldWeight * sectionWeight * factor;
      if (weight <= 0) continue;
      hits.push({ rule: index, evidence: { rule: rule.name, field, section, start, end, match: m[0], weight: round(weight) } });
    }
  }
}

function firstTokenAtOrAfter(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Offsets of each element's content inside JSON.stringify(list), which is how the row stores the list. */
function listOffsets(list: readonly string[]): number[] {
  const offsets: number[] = [];
  let at = 1;
  for (const item of list) {
    offsets.push(at + 1);
    at += JSON.stringify(item).length + 1;
  }
  return offsets;
}

function matchTags(rules: CompiledRules, tags: readonly string[], hits: Hit[]): void {
  const offsets = listOffsets(tags);
  const weight = rules.settings.fieldWeights.tags;
  tags.forEach((tag, i) => {
    const tokens = tokenize(tag, [], rules.aliases);
    if (tokens.length === 0) return;
    // Tags carry no sentences; a tag never negates another, so each is matched on its own.
    matchPhrases(rules, rules.phrases, 'tags', tag, tokens, [], offsets[i], weight, NO_SENTENCES, hits);
    matchPhrases(rules, rules.tagPhrases, 'tags', tag, tokens, [], offsets[i], weight, NO_SENTENCES, hits);
  });
}

function matchLabels(rules: CompiledRules, labels: readonly string[], hits: Hit[]): void {
  const offsets = listOffsets(labels);
  const fieldWeight = rules.settings.fieldWeights.labels;
  labels.forEach((label, i) => {
    for (const index of rules.labels.get(label.toLowerCase()) ?? []) {
      const rule = rules.rules[index];
      const weight = round(rule.weight * fieldWeight);
      hits.push({
        rule: index,
        evidence: { rule: rule.name, field: 'labels', section: null, start: offsets[i], end: offsets[i] + label.length, match: label, weight },
      });
    }
  });
}
