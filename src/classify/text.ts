import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';

/** One word of a field, with its UTF-16 offsets, its stem and where it sits (sentence, section). */
export interface Token {
  /** Porter stem of the lowercased word, or the canonical term an alias rewrote it to. */
  stem: string;
  /** The lowercased word as written (aliases match spellings, not stems: "scheduled" is not "scheduler"). */
  word: string;
  start: number;
  end: number;
  sentence: number;
  /** Index into the section list of the field, or -1 outside any named section. */
  section: number;
}

/** A named part of a field: a Markdown heading's body, or a `Key: value` line such as `impact: ...`. */
export interface Section {
  name: string;
  start: number;
  end: number;
}

/** How section headings map to section names (the names the settings weight). */
export interface SectionMatcher {
  name: string;
  /** Lowercased heading texts, compared after stripping punctuation and numbering. */
  headings: string[];
}

// Words are letter/digit runs, with inner apostrophes kept so "didn't" stays one negation cue, and dots/
// slashes between letters kept out (so "kube-proxy" is two words in text and in rule phrases alike).
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const stemCache = new Map<string, string>();

/** Stems one lowercased word with natural's Porter stemmer (memoized: the vocabulary is small). */
function stemWord(lower: string): string {
  let stem = stemCache.get(lower);
  if (stem === undefined) {
    const plain = lower.replace(/’/g, "'");
    stem = plain.includes("'") || /\d/.test(plain) ? plain : PorterStemmer.stem(plain);
    if (stemCache.size < 200_000) stemCache.set(lower, stem);
  }
  return stem;
}

/** Lowercased words of a phrase, as the tokenizer splits text. */
export function phraseWords(phrase: string): string[] {
  return [...phrase.toLowerCase().matchAll(WORD)].map((m) => m[0]);
}

/** Stems of a phrase, as the classifier sees the same words in text. */
export function phraseStems(phrase: string): string[] {
  return phraseWords(phrase).map(stemWord);
}

/** A phrase as the token stream will show it: aliases rewritten to their term, other words stemmed. */
export function normalizePhrase(phrase: string, aliases: AliasIndex): string[] {
  const words = phraseWords(phrase);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const hit = aliases.get(words[i])?.find((a) => a.words.every((w, k) => words[i + k] === w));
    if (hit) {
      out.push(hit.canonical);
      i += hit.words.length - 1;
    } else out.push(stemWord(words[i]));
  }
  return out;
}

const HEADING = /^[ \t]{0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$/gm;
const BOLD_HEADING = /^[ \t]*(?:\*\*|__)([^*_\n]{2,60})(?:\*\*|__)[ \t]*:?[ \t]*$/gm;
const KEY_LINE = /^[ \t]*(?:[-*][ \t]+)?(?:\*\*)?([A-Za-z][A-Za-z /-]{1,30}?)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]+\S.*$/gm;

/** Normalizes a heading for lookup: lowercase, no numbering, emphasis or trailing punctuation. */
function normalizeHeading(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[*_`]/g, '')
    .replace(/^[\d.\s)]+/, '')
    .replace(/[:.?!\s]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Finds the named sections of a Markdown field: a known heading opens a section that runs to the next known
 * heading or the next heading of the same or a higher level; a known `Key: value` line is a one-line section.
 */
export function findSections(text: string, matchers: readonly SectionMatcher[]): Section[] {
  const lookup = new Map<string, string>();
  for (const m of matchers) for (const h of m.headings) lookup.set(h, m.name);
  const headings: { name: string | undefined; level: number; start: number; bodyStart: number }[] = [];
  for (const re of [HEADING, BOLD_HEADING]) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const title = re === HEADING ? m[2] : m[1];
      // A bold line acts as the deepest heading level.
      const level = re === HEADING ? m[1].length : 7;
      headings.push({ name: lookup.get(normalizeHeading(title)), level, start: m.index, bodyStart: m.index + m[0].length });
    }
  }
  headings.sort((a, b) => a.start - b.start);
  const sections: Section[] = [];
  headings.forEach((h, i) => {
    if (!h.name) return;
    // The section runs until the next heading of the same or a higher level, so "### 16:30" entries stay in
    // their "## Timeline".
    let end = text.length;
    for (let k = i + 1; k < headings.length; k++) {
      if (headings[k].level <= h.level || headings[k].name) {
        end = headings[k].start;
        break;
      }
    }
    sections.push({ name: h.name, start: h.bodyStart, end });
  });
  KEY_LINE.lastIndex = 0;
  for (const m of text.matchAll(KEY_LINE)) {
    const name = lookup.get(normalizeHeading(m[1]));
    if (name) sections.push({ name, start: m.index, end: m.index + m[0].length });
  }
  // Key lines nest inside heading sections; the innermost (latest starting) wins when looking a token up.
  return sections.sort((a, b) => a.start - b.start);
}

/** An alias table compiled for the token stream: first word -> spellings (longest first) -> canonical term. */
export type AliasIndex = Map<string, { words: string[]; canonical: string }[]>;

/**
 * Splits a field into stemmed tokens with offsets, sentence numbers and sections, rewriting aliases
 * ("API server" -> apiserver) so that rules match every spelling of a term.
 */
export function tokenize(text: string, sections: readonly Section[], aliases: AliasIndex): Token[] {
  const raw: Token[] = [];
  let sentence = 0;
  let lastEnd = 0;
  let sectionCursor = 0;
  let currentSection = -1;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const start = m.index;
    if (raw.length > 0 && isSentenceBreak(text, lastEnd, start)) sentence++;
    let entered = false;
    while (sectionCursor < sections.length && sections[sectionCursor].start <= start) {
      sectionCursor++;
      entered = true;
    }
    // Look back only when a section starts or the current one ends: most words change nothing.
    if (entered || (currentSection >= 0 && sections[currentSection].end <= start)) {
      currentSection = -1;
      for (let s = sectionCursor - 1; s >= 0; s--) {
        if (sections[s].end > start) {
          currentSection = s;
          break;
        }
      }
    }
    const end = start + m[0].length;
    const word = m[0].toLowerCase();
    raw.push({ stem: stemWord(word), word, start, end, sentence, section: currentSection });
    lastEnd = end;
  }
  return aliases.size === 0 ? raw : rewriteAliases(raw, aliases);
}

function isSentenceBreak(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // . ! ? ; or a newline followed by another newline, a list bullet or a heading
    if (c === 46 || c === 33 || c === 63 || c === 59) {
      const next = text.charCodeAt(i + 1);
      if (i + 1 >= to || next === 32 || next === 10 || next === 9 || next === 41 || next === 42) return true;
    } else if (c === 10) {
      for (let j = i + 1; j < to; j++) {
        const d = text.charCodeAt(j);
        if (d === 10 || d === 45 || d === 42 || d === 35 || d === 124) return true;
        if (d !== 32 && d !== 9) break;
      }
    }
  }
  return false;
}

function rewriteAliases(tokens: Token[], aliases: AliasIndex): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const candidates = aliases.get(tokens[i].word);
    const hit = candidates?.find((c) => spellsAt(tokens, i, c.words));
    if (hit) {
      const last = tokens[i + hit.words.length - 1];
      out.push({ ...tokens[i], stem: hit.canonical, end: last.end });
      i += hit.words.length - 1;
    } else out.push(tokens[i]);
  }
  return out;
}

function spellsAt(tokens: readonly Token[], i: number, words: readonly string[]): boolean {
  if (i + words.length > tokens.length) return false;
  const sentence = tokens[i].sentence;
  for (let k = 0; k < words.length; k++) {
    const t = tokens[i + k];
    if (t.word !== words[k] || t.sentence !== sentence) return false;
  }
  return true;
}

/** True when `stems` occur at token `i` within one sentence. */
export function matchesAt(tokens: readonly Token[], i: number, stems: readonly string[]): boolean {
  if (i + stems.length > tokens.length) return false;
  const sentence = tokens[i].sentence;
  for (let k = 0; k < stems.length; k++) {
    const t = tokens[i + k];
    if (t.stem !== stems[k] || t.sentence !== sentence) return false;
  }
  return true;
}
