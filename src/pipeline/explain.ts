import { Corpus } from '../corpus/corpus.js';
import { PhraseStats, sharedPhrases } from '../corpus/phrase-stats.js';
import type { Embedder } from '../embed/embedder.js';
import type { CitationLinks } from './citations.js';
import type { Paper } from '../types.js';
import { dot } from '../vector.js';

/** Why two papers are related. */
export interface Explanation {
  /** Cosine similarity of the two papers' embeddings. */
  score: number;
  /** Phrases both papers use, most distinctive in the corpus first. */
  phrases: string[];
  /** The best-matching sentence pairs, verbatim from each paper's title and abstract, best first. */
  sentences: { a: string; b: string; score: number }[];
  /** Where papers list references: direct links, works both cite, papers of the atlas citing both. */
  citations?: CitationLinks;
}

/** Sentences of a paper (its title is one), at most `max`, each at most 1,000 characters. */
export function sentencesOf(p: Paper, max = 40): string[] {
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const out = [p.title.trim()];
  for (const s of seg.segment(p.abstract ?? '')) {
    const text = s.segment.trim();
    if (text.length >= 12) out.push(text.slice(0, 1000));
    if (out.length >= max) break;
  }
  return out;
}

/**
 * Explains pairs of papers of one corpus: corpus phrase statistics are computed once, and each
 * paper's sentence embeddings are kept (up to `keep` papers) so that explaining one paper's ten
 * related papers embeds its sentences once.
 */
export class Explainer {
  private stats: PhraseStats | undefined;
  private readonly sentenceVectors = new Map<number, Promise<{ sentences: string[]; vectors: Float32Array[] }>>();

  constructor(
    private readonly papers: readonly Paper[],
    private readonly embedder: () => Promise<Embedder>,
    private readonly keep = 256,
  ) {}

  /** Phrase statistics over the corpus, computed on first use. */
  phraseStats(): PhraseStats {
    this.stats ??= new PhraseStats(this.papers.map(Corpus.textOf));
    return this.stats;
  }

  /** Shared phrases only (no model needed): what the HTML map shows beside each related paper. */
  phrases(a: number, b: number, max = 8): string[] {
    return sharedPhrases(Corpus.textOf(this.papers[a]!), Corpus.textOf(this.papers[b]!), this.phraseStats(), max);
  }

  async explain(a: number, b: number, score: number, opts: { sentences?: number; signal?: AbortSignal | undefined } = {}): Promise<Explanation> {
    const [sa, sb] = await Promise.all([this.sentences(a, opts.signal), this.sentences(b, opts.signal)]);
    const pairs: { i: number; j: number; score: number }[] = [];
    sa.vectors.forEach((va, i) => sb.vectors.forEach((vb, j) => pairs.push({ i, j, score: dot(va, vb) })));
    pairs.sort((x, y) => y.score - x.score || x.i - y.i || x.j - y.j);
    // Each sentence in at most one pair, so the pairs show different reasons.
    const usedA = new Set<number>();
    const usedB = new Set<number>();
    const sentences: Explanation['sentences'] = [];
    for (const p of pairs) {
      if (usedA.has(p.i) || usedB.has(p.j)) continue;
      usedA.add(p.i);
      usedB.add(p.j);
      sentences.push({ a: sa.sentences[p.i]!, b: sb.sentences[p.j]!, score: p.score });
      if (sentences.length === (opts.sentences ?? 3)) break;
    }
    return { score, phrases: this.phrases(a, b), sentences };
  }

  private sentences(row: number, signal?: AbortSignal): Promise<{ sentences: string[]; vectors: Float32Array[] }> {
    let entry = this.sentenceVectors.get(row);
    if (!entry) {
      const sentences = sentencesOf(this.papers[row]!);
      entry = this.embedder()
        .then((e) => e.embed(sentences, signal ? { signal } : {}))
        .then((vectors) => ({ sentences, vectors }));
      // A failed embedding is not remembered: the next call tries again.
      entry.catch(() => this.sentenceVectors.delete(row));
      this.sentenceVectors.set(row, entry);
      if (this.sentenceVectors.size > this.keep) this.sentenceVectors.delete(this.sentenceVectors.keys().next().value!);
    }
    return entry;
  }
}
