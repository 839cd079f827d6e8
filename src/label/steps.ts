import { integerOption, numberOption } from '../errors.js';
import type { JsonObject, StageContext } from '../types.js';
import { dot } from '../vector.js';
import { acronymDefinitions } from './acronyms.js';
import type { LabelDraft, LabelInput, LabelStep } from './labeller.js';

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
  const relevance = new Map(
    cands.map(([p, s]) => [p, (0.5 * (s / maxScore) + 0.5 * dot(vectors.get(p)!, centroid)) * (1 + 0.15 * (p.split(' ').length - 1))]),
  );
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
    return { ...draft, keywords };
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
