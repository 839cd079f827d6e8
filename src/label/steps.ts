import stem from 'wink-porter2-stemmer';
import { integerOption, numberOption } from '../errors.js';
import type { JsonObject, StageContext } from '../types.js';
import { dot } from '../vector.js';
import { acronymDefinitions } from './acronyms.js';
import type { LabelDraft, LabelInput, LabelStep } from './labeller.js';
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
 * Label: among the cleaned keywords and the strongest candidates whose head word names something
 * (a noun or gerund, by wink-nlp's tagger: not "convex" or "experimentally"; not a word every paper
 * of a field uses, such as "patients"), the phrase with the best coverage and distinctiveness
 * together: F1 of the share of the theme's papers using it and the share of its users in the theme,
 * with a quarter more per extra word, among the phrases that at most 10% of the other papers use
 * (while the theme has any). When it reaches fewer than 60% of the theme's papers, a second
 * keyword joins it if papers using either are clearly (10%) better the theme's papers by the same
 * measure ("bilevel optimization / hyperparameter tuning"). Labels are unique by stem; a theme whose
 * best phrase a stronger theme took takes its next best.
 */
export class PhraseLabelStep implements LabelStep {
  readonly id = 'phrase-labels';
  readonly options: Readonly<PhraseLabelOptions & JsonObject>;

  constructor(options: PhraseLabelOptions = { maxNgram: 3 }) {
    this.options = Object.freeze({ maxNgram: integerOption('labeller.maxNgram', options.maxNgram, 1, 6) });
  }

  apply(draft: LabelDraft, input: LabelInput): LabelDraft {
    const { maxNgram } = this.options;
    const k = draft.keywords.length;
    const usage = new PhraseUsage(input.texts, input.assignments, k, maxNgram);
    const pools = draft.keywords.map((kws, c) => [...new Set([...kws, ...(draft.candidates[c] ?? []).map(([p]) => p)])]);
    usage.count(pools.flat());

    // The longer phrase each one is part of, as the theme uses it; null for a fragment with no room to grow.
    const grown = Array.from({ length: k }, () => new Map<string, string | null>());
    const growOnce = (c: number, p: string): string | null => {
      const u = usage.of(c, p);
      if (u.count < 2) return p;
      const n = p.split(' ').length;
      const [after, a] = top(u.next);
      if (a >= FRAGMENT * u.count) return n < maxNgram ? `${p} ${after}` : null;
      const [before, b] = top(u.prev);
      if (b >= FRAGMENT * u.count && n < maxNgram) return `${before} ${p}`;
      return p;
    };
    for (let round = 0; round < maxNgram; round++) {
      const fresh = new Set<string>();
      pools.forEach((pool, c) => {
        for (const p of pool) {
          let q: string | null = p;
          for (let step = 0; q !== null && step < maxNgram; step++) {
            if (!usage.has(q)) {
              fresh.add(q);
              break;
            }
            const next = growOnce(c, q);
            if (next === q) break;
            q = next;
          }
        }
      });
      if (!fresh.size) break;
      usage.count(fresh);
    }
    const formOf = (c: number, p: string): string | null => {
      if (grown[c]!.has(p)) return grown[c]!.get(p)!;
      let q: string | null = p;
      for (let step = 0; q !== null && step < maxNgram; step++) {
        const next = growOnce(c, q);
        if (next === q) break;
        q = next;
      }
      grown[c]!.set(p, q);
      return q;
    };

    const n = usage.papers;
    const share = (c: number): number => usage.sizes[c]! / Math.max(1, n);
    // Coverage (share of the theme's papers using it) and precision (share of its users in the theme), together.
    const f1 = (c: number, inTheme: number, users: number): number => (inTheme ? (2 * inTheme) / (usage.sizes[c]! + users) : 0);
    const coverage = (c: number, p: string): number => usage.of(c, p).rows.length / Math.max(1, usage.sizes[c]!);
    const precision = (c: number, p: string): number => usage.of(c, p).rows.length / Math.max(1, usage.docFreq(p));
    // What a label may be: a phrase whose head names something (not "convex", "experimentally"); a
    // hyphenated head is judged by use, since taggers split it ("black-box" is mostly followed by a noun).
    const nameLike = (c: number, p: string): boolean => {
      if (!p.includes(' ') && GENERIC_HEADS.has(p)) return false;
      const head = p.slice(p.lastIndexOf(' ') + 1);
      if (head.includes('-')) {
        const u = usage.of(c, p);
        return u.count > 0 && sum(u.next) < MODIFIER * u.count;
      }
      return namesSomething(p);
    };
    // A keyword less concentrated in the theme than 1.5× the theme's share of the corpus is corpus-wide;
    // a label must be twice as concentrated.
    const specific = (c: number, p: string): boolean => precision(c, p) >= Math.min(0.9, 1.5 * share(c));
    const specificLabel = (c: number, p: string): boolean => precision(c, p) >= Math.min(0.9, 2 * share(c));

    const keywords = pools.map((_, c) => {
      const seen = new Set<string>();
      let out: string[] = [];
      const take = (strict: boolean): void => {
        for (const kw of draft.keywords[c]!) {
          if (!strict && out.length >= 3) break;
          const form = formOf(c, kw);
          if (form === null || !wordLike(form) || (strict && !specific(c, form))) continue;
          const key = stemKey(form);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(form);
        }
      };
      take(true);
      // A theme whose keywords are nearly all corpus-wide keeps its best ones rather than none.
      take(false);
      // A lone modifier that a longer keyword spells out ("stochastic" beside "stochastic gradient descent") adds nothing.
      out = out.filter((p) => p.includes(' ') || namesSomething(p) || !out.some((q) => q !== p && ` ${q} `.includes(` ${p} `)));
      return out;
    });

    // Label candidates: the cleaned keywords, and the strongest c-TF-IDF phrases grown past fragments.
    const ranked = pools
      .map((_, c) => {
        const forms = new Set<string>(keywords[c]);
        for (const [p] of (draft.candidates[c] ?? []).slice(0, 10)) {
          const f = formOf(c, p);
          if (f) forms.add(f);
        }
        return [...forms]
          .filter((p) => usage.of(c, p).rows.length >= Math.min(2, usage.sizes[c]!) && specificLabel(c, p) && nameLike(c, p))
          .map((p) => ({ p, s: f1(c, usage.of(c, p).rows.length, usage.docFreq(p)) * (1 + 0.25 * (p.split(' ').length - 1)) }))
          .sort((a, b) => b.s - a.s || (a.p < b.p ? -1 : 1));
      })
      .map((list, c) => {
        // A label tells the theme apart: phrases that more than `OUTSIDE` of the other papers use
        // ("machine learning" in a machine-learning corpus) give way while a theme has others.
        const others = Math.max(1, n - usage.sizes[c]!);
        const apart = list.filter(({ p }) => usage.docFreq(p) - usage.of(c, p).rows.length <= OUTSIDE * others);
        return apart.length ? apart : list;
      });
    const order = ranked.map((_, c) => c).sort((a, b) => (ranked[b]![0]?.s ?? 0) - (ranked[a]![0]?.s ?? 0) || a - b);
    const taken = new Set<string>();
    const labels: string[] = new Array<string>(k).fill('');
    for (const c of order) {
      const first = ranked[c]!.find(({ p }) => !taken.has(stemKey(p)))?.p;
      let label = first ?? keywords[c]![0] ?? `theme ${c + 1}`;
      if (first && coverage(c, first) < 0.6) {
        // The label as a query for the theme's papers: a second phrase joins when papers using
        // either phrase are the theme's papers clearly better (F1) than with the first alone.
        const alone = f1(c, usage.of(c, first).rows.length, usage.docFreq(first));
        const covered = new Set(usage.of(c, first).rows);
        const paired = (p: string): number => {
          const extra = usage.of(c, p).rows.filter((r) => !covered.has(r)).length;
          // Papers outside the theme using either phrase: at most the sum of both (an upper bound, so the pair never looks better than it is).
          const outside = usage.docFreq(first) - covered.size + (usage.docFreq(p) - usage.of(c, p).rows.length);
          return f1(c, covered.size + extra, covered.size + extra + outside);
        };
        const apart = (p: string): boolean =>
          !` ${first} `.includes(` ${p} `) && !` ${p} `.includes(` ${first} `) && !taken.has(stemKey(p)) && sharesNoStem(p, first);
        const second = ranked[c]!.filter(({ p }) => p !== first && keywords[c]!.includes(p) && apart(p))
          .map(({ p }) => ({ p, s: paired(p) }))
          .sort((x, y) => y.s - x.s || (x.p < y.p ? -1 : 1))[0];
        if (second && second.s >= 1.1 * alone) label = `${first} / ${second.p}`;
      }
      let unique = label;
      for (let m = 2; taken.has(stemKey(unique)); m++) unique = `${label} (${m})`;
      taken.add(stemKey(unique));
      if (first) taken.add(stemKey(first));
      labels[c] = unique;
    }
    return { ...draft, keywords, labels };
  }
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
