import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { phrases } from '../corpus/terms.js';
import { normalizeInPlace } from '../vector.js';
import { ProgressTracker, type EmbedOptions, type Embedder } from './embedder.js';

export interface LexicalEmbedderOptions {
  /** Output dimensions (default 128, capped at documents − 1). */
  dims?: number;
  /** Largest vocabulary kept, most frequent first (default 20,000). */
  maxTerms?: number;
  /** Documents the SVD is fitted on; beyond that a deterministic sample is used (default 2,000). */
  maxFitDocs?: number;
}

/** Serialised form, stored with a saved atlas so queries embed the same way after `load`. */
export interface LexicalModel {
  terms: string[];
  idf: number[];
  dims: number;
  /** Term-by-dimension projection, row-major (`terms.length × dims`). */
  components: number[];
}

type SparseVec = Map<number, number>;

/**
 * The fallback when no transformer model can be loaded: TF-IDF over 1-2-word phrases, reduced by
 * truncated SVD (LSA) and scaled to unit length. It ranks by shared vocabulary, not meaning, so the
 * atlas reports its use loudly; but build, related, themes and maps all keep working.
 */
export class LexicalEmbedder implements Embedder {
  readonly id: string;
  private readonly termIndex: Map<string, number>;

  private constructor(private readonly model: LexicalModel) {
    this.termIndex = new Map(model.terms.map((t, i) => [t, i]));
    this.id = `lexical-tfidf-svd@${model.terms.length}x${model.dims}`;
  }

  get dims(): number {
    return this.model.dims;
  }

  /** Fits vocabulary, IDF and the SVD projection on a corpus's texts. */
  static fit(texts: readonly string[], opts: LexicalEmbedderOptions = {}): LexicalEmbedder {
    const docs = texts.map((t) => termCounts(t));
    const df = new Map<string, number>();
    for (const d of docs) for (const term of d.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    const minDf = texts.length >= 50 ? 2 : 1;
    const terms = [...df.entries()]
      .filter(([, n]) => n >= minDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, opts.maxTerms ?? 20000)
      .map(([t]) => t);
    const n = texts.length;
    const idf = terms.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
    const partial: LexicalModel = { terms, idf, dims: 0, components: [] };
    const shell = new LexicalEmbedder(partial);
    const fitDocs = sample(
      docs.map((d) => shell.tfidf(d)),
      opts.maxFitDocs ?? 2000,
    );
    const k = Math.max(1, Math.min(opts.dims ?? 128, fitDocs.length - 1, terms.length));
    // X = U S Vᵀ; from the small Gram matrix X Xᵀ = U S² Uᵀ we get V_k = Xᵀ U_k S_k⁻¹ without
    // ever forming the (documents × vocabulary) dense matrix.
    const gram = new Matrix(fitDocs.length, fitDocs.length);
    for (let i = 0; i < fitDocs.length; i++) {
      for (let j = i; j < fitDocs.length; j++) {
        const v = sparseDot(fitDocs[i]!, fitDocs[j]!);
        gram.set(i, j, v);
        gram.set(j, i, v);
      }
    }
    const eig = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
    const values = eig.realEigenvalues;
    const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
    const vectors = eig.eigenvectorMatrix;
    const components = new Array<number>(terms.length * k).fill(0);
    for (let c = 0; c < k; c++) {
      const col = order[c]!;
      const s = Math.sqrt(Math.max(values[col]!, 0));
      if (s < 1e-9) break;
      // Fix the sign so refits on the same data give the same vectors.
      let sign = 0;
      for (let i = 0; i < fitDocs.length && sign === 0; i++) sign = Math.sign(vectors.get(i, col));
      for (let i = 0; i < fitDocs.length; i++) {
        const u = (vectors.get(i, col) * (sign || 1)) / s;
        if (u === 0) continue;
        for (const [t, w] of fitDocs[i]!) components[t * k + c]! += w * u;
      }
    }
    return new LexicalEmbedder({ terms, idf, dims: k, components });
  }

  static fromJSON(model: LexicalModel): LexicalEmbedder {
    return new LexicalEmbedder(model);
  }

  toJSON(): LexicalModel {
    return this.model;
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const progress = new ProgressTracker(texts.length, opts);
    const k = this.model.dims;
    return texts.map((text) => {
      progress.check();
      const out = new Float32Array(k);
      for (const [t, w] of this.tfidf(termCounts(text))) {
        const row = t * k;
        for (let c = 0; c < k; c++) out[c]! += w * this.model.components[row + c]!;
      }
      progress.advance();
      return normalizeInPlace(out);
    });
  }

  /** Sublinear TF-IDF, L2-normalised, over the fitted vocabulary. */
  private tfidf(counts: Map<string, number>): SparseVec {
    const v: SparseVec = new Map();
    let norm = 0;
    for (const [term, count] of counts) {
      const i = this.termIndex.get(term);
      if (i === undefined) continue;
      const w = (1 + Math.log(count)) * this.model.idf[i]!;
      v.set(i, w);
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (const [i, w] of v) v.set(i, w / norm);
    return v;
  }
}

function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of phrases(text, 1, 2)) counts.set(p, (counts.get(p) ?? 0) + 1);
  return counts;
}

function sparseDot(a: SparseVec, b: SparseVec): number {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [i, w] of small) {
    const o = big.get(i);
    if (o !== undefined) s += w * o;
  }
  return s;
}

/** Every ⌈n/max⌉-th item: deterministic, and spread over the whole input order. */
function sample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}
