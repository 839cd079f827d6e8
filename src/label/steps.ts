import stem from 'wink-porter2-stemmer';
import { integerOption, numberOption } from '../errors.js';
import type { JsonObject, StageContext } from '../types.js';
import { dot } from '../vector.js';
import { acronymDefinitions } from './acronyms.js';
import type { LabelDraft, LabelInput, LabelStep } from './labeller.js';
import { isContentWord } from '../corpus/terms.js';
import { headTag, namesSomething } from './pos.js';
import { PhraseUsage } from './phrase-usage.js';

/**
 * Chain step: phrases that rank high in many themes ("optimization" in a corpus about
 * optimization) say what the corpus is about, not what one theme is about; they are dropped where
 * a theme has enough left.
 */
export class GenericPhraseFilter implements LabelStep {
  readonly id = 'generic-filter';
  readonly options = Object.freeze({});

  apply(draft: LabelDraft): LabelDraft {
    const candidates = draft.candidates;
    const k = candidates.length;
    if (k < 4) return draft;
    const seenIn = new Map<string, number>();
    for (const c of candidates) for (const [p] of c.slice(0, 15)) seenIn.set(p, (seenIn.get(p) ?? 0) + 1);
    const limit = Math.max(2, Math.ceil(0.25 * k));
    return {
      ...draft,
      candidates: candidates.map((c) => {
        const specific = c.filter(([p]) => (seenIn.get(p) ?? 0) <= limit);
        return specific.length >= 5 ? specific : c;
      }),
    };
  }
}

export interface MmrOptions {
  /** Keywords kept per theme. */
  keywords: number;
  /** 0 = pure relevance to the theme, 1 = pure diversity. */
  diversity: number;
}

/**
 * Chain step: keywords are the candidates re-ranked by maximal marginal relevance against the
 * theme centroid, so the list is about the theme and not ten spellings of one phrase. Candidate
 * phrases are embedded with the atlas's own model.
 */
export class MmrStep implements LabelStep {
  readonly id = 'mmr';
  readonly options: Readonly<MmrOptions & JsonObject>;

  constructor(options: MmrOptions) {
    this.options = Object.freeze({
      keywords: integerOption('labeller.keywords', options.keywords, 1, 100),
      diversity: numberOption('labeller.diversity', options.diversity, 0, 1),
    });
  }

  async apply(draft: LabelDraft, input: LabelInput, ctx: StageContext): Promise<LabelDraft> {
    const unique = [...new Set(draft.candidates.flat().map(([p]) => p))].sort();
    const embedded = await input.embedder.embed(unique, ctx.signal ? { signal: ctx.signal } : {});
    const vectors = new Map(unique.map((p, i) => [p, embedded[i]!]));
    const lambda = 1 - this.options.diversity;
    const keywords = draft.candidates.map((cands, c) => mmr(cands, input.centroids[c]!, vectors, this.options.keywords, lambda));
    return { ...draft, keywords };
  }
}

function mmr(cands: [string, number][], centroid: Float32Array, vectors: Map<string, Float32Array>, n: number, lambda: number): string[] {
  if (!cands.length) return [];
  const maxScore = cands[0]![1] || 1;
  // Relevance blends what c-TF-IDF says is distinctive with what the embedding says is central.
  // Phrases get a small bonus per extra word: "preference optimization" names a topic, "policy" does not.
  const relevance = new Map(cands.map(([p, s]) => [p, (0.5 * (s / maxScore) + 0.5 * dot(vectors.get(p)!, centroid)) * (1 + 0.15 * (p.split(' ').length - 1))]));
  const chosen: string[] = [];
  const left = cands.map(([p]) => p);
  while (chosen.length < n && left.length) {
    let bestIdx = 0;
    let best = -Infinity;
    left.forEach((p, i) => {
      const redundancy = chosen.length ? Math.max(...chosen.map((q) => dot(vectors.get(p)!, vectors.get(q)!))) : 0;
      const score = lambda * relevance.get(p)! - (1 - lambda) * redundancy;
      if (score > best + 1e-12) {
        best = score;
        bestIdx = i;
      }
    });
    chosen.push(left.splice(bestIdx, 1)[0]!);
  }
  return chosen;
}

/**
 * Chain step: an acronym keyword the abstracts define ("sharpness-aware minimization (SAM)")
 * becomes its expansion; dropped when the expansion is already a keyword.
 */
export class AcronymStep implements LabelStep {
  readonly id = 'acronyms';
  readonly options = Object.freeze({});

  apply(draft: LabelDraft, input: LabelInput): LabelDraft {
    const acronyms = acronymDefinitions(input.texts);
    const keywords = draft.keywords.map((kws) => {
      const out: string[] = [];
      for (const k of kws) {
        const next = acronyms.get(k) ?? k;
        if (!out.includes(next)) out.push(next);
      }
      return out;
    });
    // Candidates too, so that a later step choosing among them never picks the bare acronym.
    const candidates = draft.candidates.map((cands) => {
      const out: [string, number][] = [];
      for (const [p, score] of cands) {
        const next = acronyms.get(p) ?? p;
        if (!out.some(([q]) => q === next)) out.push([next, score]);
      }
      return out;
    });
    return { ...draft, keywords, candidates };
  }
}

/**
 * Chain step: the label is the first multi-word phrase among the top five keywords, else the top
 * keyword grown into a longer candidate phrase containing it when that phrase is nearly as strong
 * ("bilevel" → "bilevel optimization"): phrases read as topics, single words rarely do. A label
 * already taken by a stronger theme falls through to the next keyword, then to a two-keyword label.
 */
export class UniqueLabelStep implements LabelStep {
  readonly id = 'unique-labels';
  readonly options = Object.freeze({});

  apply(draft: LabelDraft): LabelDraft {
    const { keywords, candidates } = draft;
    const strength = candidates.map((c) => c[0]?.[1] ?? 0);
    const order = keywords.map((_, i) => i).sort((a, b) => strength[b]! - strength[a]! || a - b);
    const taken = new Set<string>();
    const labels: string[] = new Array(keywords.length).fill('');
    for (const c of order) {
      const kws = keywords[c]!;
      const score = new Map(candidates[c]);
      const grow = (p: string): string => {
        if (p.includes(' ')) return p;
        const base = score.get(p) ?? 0;
        const longer = candidates[c]!.find(([q, s]) => q.includes(' ') && q.split(' ').includes(p) && s >= 0.3 * base);
        return longer?.[0] ?? p;
      };
      const clash = (p: string): boolean => taken.has(p) || [...taken].some((t) => t === p || t.split(' / ').includes(p));
      const top = kws.slice(0, 5);
      const preferred = [...top.filter((p) => p.includes(' ')), ...top.map(grow), ...kws.slice(5).map(grow)];
      let label = preferred.find((p) => !clash(p));
      label ??= kws.length >= 2 ? `${kws[0]} / ${kws[1]}` : (kws[0] ?? `theme ${c + 1}`);
      for (let n = 2; taken.has(label); n++) label = `${label} (${n})`;
      taken.add(label);
      labels[c] = label;
    }
    return { ...draft, labels };
  }
}

/** A phrase's words, each reduced to its Porter2 stem: "regularized models" → "regular model". */
export function stemKey(phrase: string): string {
  return phrase
    .split(' ')
    .map((w) => stem(w))
    .join(' ');
}

export interface PhraseLabelOptions {
  /** Longest phrase in words, as the candidates were extracted. */
  maxNgram: number;
}

/** One word following (or preceding) this share of a phrase's uses makes the phrase part of a longer one. */
const FRAGMENT = 0.6;
/** Largest share of the papers outside a theme that may use its label while it has a phrase they use less. */
const OUTSIDE = 0.1;
/** A hyphenated word followed by another content word this often is a modifier ("black-box", "few-shot"). */
const MODIFIER = 0.6;
/** Nouns every abstract of a field uses: part of a label, never a label alone. */
const GENERIC_HEADS = new Set([
  'patients',
  'participants',
  'subjects',
  'cases',
  'people',
  'individuals',
  'data',
  'model',
  'models',
  'system',
  'systems',
  'analysis',
  'effect',
  'effects',
  'level',
  'levels',
  'activity',
  'treatment',
  'group',
  'groups',
  'samples',
  'problem',
  'problems',
  'task',
  'tasks',
  'algorithm',
  'algorithms',
  'application',
  'applications',
  'process',
  'properties',
  'factors',
  'changes',
  'conditions',
  'values',
  'response',
  'responses',
  'materials',
  'structure',
  'function',
  'functions',
  'information',
  'quality',
  'time',
  'number',
  'rate',
  'type',
  'types',
  'form',
  'order',
  'set',
  'case',
  'range',
  'role',
  'impact',
  'evidence',
  'research',
  'theory',
  'practice',
  'attempt',
  'iteration',
  'vector',
  'issue',
]);

/**
 * Chain step: keywords cleaned and labels chosen from how the theme's own papers use each phrase.
 *
 * Keywords: a phrase that is mostly part of a longer one grows into it ("large language" → "large
 * language models", "language models" → "large language models"); one that would grow past
 * `maxNgram` words is a fragment and goes ("training deep neural"); phrases no more frequent in the
 * theme than in the corpus say nothing about it and go; stems never repeat ("regularized" after
 * "regularization").
 *
 * Label: the theme's most distinctive established term. Among the cleaned keywords and the
 * strongest candidates whose head word names something (a noun or gerund, by wink-nlp's tagger:
 * not "convex" or "experimentally"; not a word every paper of a field uses, such as "patients"; no
 * single word of every fourth paper), the phrase that best picks out the theme's papers: its own
 * F1 (share of the theme's papers using it, or the acronym the texts define for it, against the
 * share of its users in the theme) together with how well its most telling word family does, with
 * a quarter more per extra word, among the phrases that at most 10% of the other papers use (while
 * the theme has any). A second keyword joins it ("a / b") only when it reaches fewer than 60% of
 * the theme's papers and the second is used by mostly the same papers: two phrases naming two
 * groups of a theme are left to its parts. Labels are unique by stem; a theme whose best phrase a
 * stronger theme took takes its next best.
 */
export class PhraseLabelStep implements LabelStep {
  readonly id = 'phrase-labels';
  readonly options: Readonly<PhraseLabelOptions & JsonObject>;

  constructor(options: PhraseLabelOptions = { maxNgram: 3 }) {
    this.options = Object.freeze({ maxNgram: integerOption('labeller.maxNgram', options.maxNgram, 1, 6) });
  }

  apply(draft: LabelDraft, input: LabelInput): LabelDraft {
    const k = draft.keywords.length;
    const usage = new PhraseUsage(input.texts, input.assignments, k, this.options.maxNgram, acronymDefinitions(input.texts));
    const pools = draft.keywords.map((kws, c) => [...new Set([...kws, ...(draft.candidates[c] ?? []).map(([p]) => p)])]);
    usage.count(pools.flat());
    const forms = new PhraseForms(usage, this.options.maxNgram);
    forms.countGrown(pools);
    const measure = new ThemeMeasures(usage);
    const keywords = pools.map((_, c) => cleanKeywords(c, draft.keywords[c]!, forms, measure));
    const labelPools = pools.map((_, c) => labelPool(c, keywords[c]!, draft.candidates[c] ?? [], forms));
    usage.countFamilies(labelPools.flatMap((pool) => pool.flatMap(contentWords)));
    const ranked = labelPools.map((pool, c) => rankLabels(c, pool, measure));
    return { ...draft, keywords, labels: assignLabels(ranked, keywords, measure) };
  }
}

/** Label phrases may be this many times as likely in a theme as its share of the corpus (keywords 1.5×, labels 2×)… */
const KEYWORD_CONCENTRATION = 1.5;
const LABEL_CONCENTRATION = 2;
/** …but never need more than this share of their users in the theme (a small corpus of few themes). */
const CONCENTRATION_CAP = 0.9;
/** Keywords kept, at most, when none is specific to the theme (its best rather than none). */
const LOOSE_KEYWORDS = 3;
/** c-TF-IDF candidates considered for the label, besides the keywords. */
const LABEL_CANDIDATES = 10;
/** Each word past the first adds this share to a phrase's score: "bilevel optimization" over "bilevel". */
const EXTRA_WORD_BONUS = 0.25;
/**
 * Precision counts 4× coverage (β = 0.5) when a word family is judged: a word most papers of the
 * theme use but as many others do too ("stochastic") tells less than one fewer of them use and
 * few others ("bilevel"). Measured (bench/quality.ts naming accuracy, bundled corpus, seeds 1-5):
 * β = 1 lost "bilevel" in three of five runs; 0.7 in two; 0.5 in none.
 */
const FAMILY_BETA = 0.5;
/** A single word that more than this share of the corpus's papers use never names a theme alone. */
const CORPUS_WORD = 0.25;
/** A label reaching fewer than this share of the theme's papers may take a second phrase… */
const PAIR_BELOW_COVERAGE = 0.6;
/** …one at least this strong, relative to the first… */
const PAIR_STRENGTH = 0.5;
/** …used by papers of which this share (of the fewer) use both. */
const PAIR_OVERLAP = 2 / 3;

/** The longer phrase each phrase is part of, as a theme uses it (`FRAGMENT`), up to `maxNgram` words. */
class PhraseForms {
  private readonly grown: Map<string, string | null>[];

  constructor(
    private readonly usage: PhraseUsage,
    private readonly maxNgram: number,
  ) {
    this.grown = Array.from({ length: usage.sizes.length }, () => new Map<string, string | null>());
  }

  /** One step: the phrase with the word that follows (or precedes) most of its uses; null for a fragment with no room to grow. */
  growOnce(c: number, p: string): string | null {
    const u = this.usage.of(c, p);
    if (u.count < 2) return p;
    const n = p.split(' ').length;
    const [after, a] = top(u.next);
    if (a >= FRAGMENT * u.count) return n < this.maxNgram ? `${p} ${after}` : null;
    const [before, b] = top(u.prev);
    if (b >= FRAGMENT * u.count && n < this.maxNgram) return `${before} ${p}`;
    return p;
  }

  /** Counts, round by round, the longer phrases the pools' phrases grow into, so that growing can read their use. */
  countGrown(pools: readonly string[][]): void {
    for (let round = 0; round < this.maxNgram; round++) {
      const fresh = new Set<string>();
      pools.forEach((pool, c) => {
        for (const p of pool) {
          const unseen = this.walk(c, p, (q) => !this.usage.has(q));
          if (unseen !== undefined) fresh.add(unseen);
        }
      });
      if (!fresh.size) break;
      this.usage.count(fresh);
    }
  }

  /** The phrase's full form in theme `c` (cached); null for a fragment with no room to grow. */
  of(c: number, p: string): string | null {
    const cached = this.grown[c]!;
    if (cached.has(p)) return cached.get(p)!;
    let form: string | null = p;
    this.walk(
      c,
      p,
      () => false,
      (q) => (form = q),
    );
    cached.set(p, form);
    return form;
  }

  /** Grows `p` step by step; returns the first form `stop` holds for, and reports each form reached to `reached`. */
  private walk(c: number, p: string, stop: (q: string) => boolean, reached?: (q: string | null) => void): string | undefined {
    let q: string | null = p;
    for (let step = 0; q !== null && step < this.maxNgram; step++) {
      if (stop(q)) return q;
      const next = this.growOnce(c, q);
      if (next === q) break;
      q = next;
      reached?.(q);
    }
    return undefined;
  }
}

/** How a phrase sits in a theme: coverage, precision, their F1, and whether it may name the theme. */
class ThemeMeasures {
  constructor(readonly usage: PhraseUsage) {}

  share(c: number): number {
    return this.usage.sizes[c]! / Math.max(1, this.usage.papers);
  }

  /** Coverage (share of the theme's papers using it) and precision (share of its users in the theme), together. */
  f1(c: number, inTheme: number, users: number): number {
    return inTheme ? (2 * inTheme) / (this.usage.sizes[c]! + users) : 0;
  }

  /** How well a word family (singular and plural, any hyphenation) picks out the theme: F-measure weighing precision `FAMILY_BETA`⁻² times coverage. */
  familyFBeta(c: number, word: string): number {
    const { inTheme, papers } = this.usage.familyUse(c, word);
    const r = inTheme / Math.max(1, this.usage.sizes[c]!);
    const q = inTheme / Math.max(1, papers);
    const b2 = FAMILY_BETA ** 2;
    return r && q ? ((1 + b2) * r * q) / (b2 * q + r) : 0;
  }

  phraseF1(c: number, p: string): number {
    return this.f1(c, this.rows(c, p).length, this.usage.docFreq(p));
  }

  /**
   * How well a phrase picks out the theme's papers, as a term of the field: the geometric mean of
   * its own F1 and the score of its most telling word family (`familyFBeta`). A phrase made of
   * words every theme uses ("stochastic optimization") scores below its F1; one whose key word the
   * theme's papers use in several forms ("bilevel" in "bilevel optimization", "bi-level problems")
   * scores above it. Needs the phrase's content words' families counted.
   */
  distinctive(c: number, p: string): number {
    const own = this.phraseF1(c, p);
    const words = contentWords(p);
    const word = Math.max(...(words.length ? words : [p]).map((w) => this.familyFBeta(c, w)));
    return Math.sqrt(own * word);
  }

  rows(c: number, p: string): readonly number[] {
    return this.usage.of(c, p).rows;
  }

  coverage(c: number, p: string): number {
    return this.rows(c, p).length / Math.max(1, this.usage.sizes[c]!);
  }

  precision(c: number, p: string): number {
    return this.rows(c, p).length / Math.max(1, this.usage.docFreq(p));
  }

  /** A keyword less concentrated in the theme than `KEYWORD_CONCENTRATION`× its share of the corpus is corpus-wide. */
  specific(c: number, p: string): boolean {
    return this.precision(c, p) >= Math.min(CONCENTRATION_CAP, KEYWORD_CONCENTRATION * this.share(c));
  }

  specificLabel(c: number, p: string): boolean {
    return this.precision(c, p) >= Math.min(CONCENTRATION_CAP, LABEL_CONCENTRATION * this.share(c));
  }

  /**
   * What a label may be: a phrase whose head names something (not "convex", "experimentally"); a
   * hyphenated head is judged by use, since taggers split it ("black-box" is mostly followed by a noun).
   */
  nameLike(c: number, p: string): boolean {
    if (!p.includes(' ') && GENERIC_HEADS.has(p)) return false;
    const head = p.slice(p.lastIndexOf(' ') + 1);
    if (head.includes('-')) {
      const u = this.usage.of(c, p);
      return u.count > 0 && sum(u.next) < MODIFIER * u.count;
    }
    return namesSomething(p);
  }
}

/** A theme's keywords in their full forms, specific ones first (a theme whose keywords are all corpus-wide keeps its best). */
function cleanKeywords(c: number, given: readonly string[], forms: PhraseForms, measure: ThemeMeasures): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const take = (strict: boolean): void => {
    for (const kw of given) {
      if (!strict && out.length >= LOOSE_KEYWORDS) break;
      const form = forms.of(c, kw);
      if (form === null || !wordLike(form) || (strict && !measure.specific(c, form))) continue;
      const key = stemKey(form);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(form);
    }
  };
  take(true);
  take(false);
  // A lone modifier that a longer keyword spells out ("stochastic" beside "stochastic gradient descent") adds nothing.
  return out.filter((p) => p.includes(' ') || namesSomething(p) || !out.some((q) => q !== p && ` ${q} `.includes(` ${p} `)));
}

/** A theme's label candidates: its cleaned keywords and its strongest c-TF-IDF phrases grown past fragments. */
function labelPool(c: number, keywords: readonly string[], candidates: readonly (readonly [string, number])[], forms: PhraseForms): string[] {
  const pool = new Set<string>(keywords);
  for (const [p] of candidates.slice(0, LABEL_CANDIDATES)) {
    const f = forms.of(c, p);
    if (f) pool.add(f);
  }
  return [...pool];
}

/**
 * A theme's label candidates, best first: those that name something, are concentrated in the theme
 * and are no single word of the corpus's every fourth paper (`CORPUS_WORD`), scored by `distinctive`
 * with `EXTRA_WORD_BONUS` per extra word. Phrases that more than `OUTSIDE` of the other papers use
 * ("machine learning" in a machine-learning corpus) give way while the theme has others.
 */
function rankLabels(c: number, pool: readonly string[], measure: ThemeMeasures): { p: string; s: number }[] {
  const { usage } = measure;
  const list = pool
    .filter(
      (p) =>
        measure.rows(c, p).length >= Math.min(2, usage.sizes[c]!) &&
        measure.specificLabel(c, p) &&
        measure.nameLike(c, p) &&
        (p.includes(' ') || usage.docFreq(p) <= CORPUS_WORD * usage.papers),
    )
    .map((p) => ({ p, s: measure.distinctive(c, p) * (1 + EXTRA_WORD_BONUS * (p.split(' ').length - 1)) }))
    .sort((a, b) => b.s - a.s || (a.p < b.p ? -1 : 1));
  const others = Math.max(1, usage.papers - usage.sizes[c]!);
  const apart = list.filter(({ p }) => usage.docFreq(p) - measure.rows(c, p).length <= OUTSIDE * others);
  return apart.length ? apart : list;
}

/** The words of a phrase that can carry meaning (no stop words). */
function contentWords(p: string): string[] {
  return p.split(' ').filter(isContentWord);
}

/**
 * The second phrase of a label whose first reaches few of the theme's papers: a strong candidate
 * among its keywords (`PAIR_STRENGTH` of the first's score) used by mostly the same papers (`PAIR_OVERLAP` of the
 * fewer), so that "a / b" names one group twice over ("inverse problems / image denoising"), never
 * two groups side by side; the theme's parts name its groups. None when no phrase does that.
 */
function secondPhrase(
  c: number,
  first: { p: string; s: number },
  ranked: readonly { p: string; s: number }[],
  keywords: readonly string[],
  taken: ReadonlySet<string>,
  measure: ThemeMeasures,
): string | undefined {
  const firstRows = new Set(measure.rows(c, first.p));
  const apart = (p: string): boolean =>
    !` ${first.p} `.includes(` ${p} `) && !` ${p} `.includes(` ${first.p} `) && !taken.has(stemKey(p)) && sharesNoStem(p, first.p);
  const sameGroup = (p: string): boolean => {
    const rows = measure.rows(c, p);
    const shared = rows.filter((r) => firstRows.has(r)).length;
    return shared >= 2 && shared >= PAIR_OVERLAP * Math.min(rows.length, firstRows.size);
  };
  return ranked.find(({ p, s }) => p !== first.p && keywords.includes(p) && s >= PAIR_STRENGTH * first.s && apart(p) && sameGroup(p))?.p;
}

/** Labels, strongest theme first: its best phrase not yet taken (by stem), a second one where it helps, unique. */
function assignLabels(ranked: readonly { p: string; s: number }[][], keywords: readonly string[][], measure: ThemeMeasures): string[] {
  const order = ranked.map((_, c) => c).sort((a, b) => (ranked[b]![0]?.s ?? 0) - (ranked[a]![0]?.s ?? 0) || a - b);
  const taken = new Set<string>();
  const labels: string[] = new Array<string>(ranked.length).fill('');
  for (const c of order) {
    const best = ranked[c]!.find(({ p }) => !taken.has(stemKey(p)));
    const first = best?.p;
    let label = first ?? keywords[c]![0] ?? `theme ${c + 1}`;
    if (best && measure.coverage(c, best.p) < PAIR_BELOW_COVERAGE) {
      const second = secondPhrase(c, best, ranked[c]!, keywords[c]!, taken, measure);
      if (second) label = `${best.p} / ${second}`;
    }
    let unique = label;
    for (let m = 2; taken.has(stemKey(unique)); m++) unique = `${label} (${m})`;
    taken.add(stemKey(unique));
    if (first) taken.add(stemKey(first));
    labels[c] = unique;
  }
  return labels;
}

/** Single words that are not adverbs, verbs (gerunds aside), prepositions and the like. */
function wordLike(p: string): boolean {
  if (p.includes(' ') || p.includes('-')) return true;
  const tag = headTag(p);
  return tag === 'NOUN' || tag === 'PROPN' || tag === 'ADJ' || tag === 'X' || (tag === 'VERB' && /ing$/u.test(p));
}

function top(counts: Map<string, number>): [string, number] {
  let best: [string, number] = ['', 0];
  for (const [w, n] of counts) if (n > best[1] || (n === best[1] && w < best[0])) best = [w, n];
  return best;
}

const sum = (counts: Map<string, number>): number => {
  let s = 0;
  for (const n of counts.values()) s += n;
  return s;
};

/** Two phrases with no word stem in common ("optimal transport" and "transport maps" share one). */
function sharesNoStem(a: string, b: string): boolean {
  const sa = new Set(stemKey(a).split(' '));
  return !stemKey(b)
    .split(' ')
    .some((w) => sa.has(w));
}
