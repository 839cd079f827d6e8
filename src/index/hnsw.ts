import hnswlib from 'hnswlib-node';
import { OptionError } from '../errors.js';
import { dot } from '../embed/embedder.js';

/** HNSW parameters; see `DEFAULT_INDEX_PARAMS` for how the defaults were chosen. */
export interface IndexParams {
  /** Graph degree: links per node (hnswlib `M`). */
  M: number;
  /** Candidate list size while building; higher builds slower and recalls more. */
  efConstruction: number;
  /** Candidate list size while searching; raised to at least `2k` for large `k`. */
  efSearch: number;
}

/**
 * Defaults measured on 20k random 384-d unit vectors, the hardest case (no cluster structure, high
 * intrinsic dimension), recall@10 against exact search:
 *   M 16: ef 64 → 0.71, ef 400 → 0.86;   M 32: ef 64 → 0.89, ef 200 → 0.93, ef 300 → 0.96, ef 400 → 0.97.
 * So M 32 / efConstruction 200 / efSearch 400. Real abstract embeddings are far easier (recall@10 is
 * 1.0 on the bundled corpus even at ef 64); lower efSearch for speed on large corpora.
 * `bench/index.ts` reruns the measurement.
 */
export const DEFAULT_INDEX_PARAMS: Readonly<IndexParams> = { M: 32, efConstruction: 200, efSearch: 400 };

/** One search hit: the vector's label (its row in the atlas) and cosine similarity in [-1, 1]. */
export interface Hit {
  label: number;
  score: number;
}

function checkParams(p: IndexParams): void {
  if (!Number.isInteger(p.M) || p.M < 2 || p.M > 128) throw new OptionError('M', `must be an integer in [2, 128], got ${p.M}`);
  if (!Number.isInteger(p.efConstruction) || p.efConstruction < 1) {
    throw new OptionError('efConstruction', `must be a positive integer, got ${p.efConstruction}`);
  }
  if (!Number.isInteger(p.efSearch) || p.efSearch < 1) throw new OptionError('efSearch', `must be a positive integer, got ${p.efSearch}`);
}

/**
 * Cosine nearest neighbours over unit-length vectors, on hnswlib's inner-product space (the vectors
 * are normalised once, upstream, so cosine = inner product). Labels are row numbers.
 */
export class VectorIndex {
  private readonly deleted = new Set<number>();

  private constructor(
    private readonly index: hnswlib.HierarchicalNSW,
    readonly dims: number,
    readonly params: Readonly<IndexParams>,
  ) {}

  /** Builds an index over `vectors` (labels 0..n-1); `seed` makes the graph reproducible. */
  static build(vectors: readonly Float32Array[], dims: number, params: Partial<IndexParams> = {}, seed = 42): VectorIndex {
    const p = { ...DEFAULT_INDEX_PARAMS, ...params };
    checkParams(p);
    const index = new hnswlib.HierarchicalNSW('ip', dims);
    index.initIndex({ maxElements: Math.max(vectors.length, 16), m: p.M, efConstruction: p.efConstruction, randomSeed: seed });
    const out = new VectorIndex(index, dims, p);
    out.addAt(vectors, 0);
    return out;
  }

  /** Reads an index file previously written by `writeTo`; the caller has verified its checksum. */
  static async readFrom(file: string, dims: number, params: IndexParams, deleted: readonly number[]): Promise<VectorIndex> {
    const index = new hnswlib.HierarchicalNSW('ip', dims);
    await index.readIndex(file);
    const out = new VectorIndex(index, dims, params);
    // hnswlib stores delete marks in the file; re-marking would throw, so only the set is restored.
    for (const label of deleted) out.deleted.add(label);
    return out;
  }

  async writeTo(file: string): Promise<void> {
    await this.index.writeIndex(file);
  }

  /** Number of searchable (not deleted) vectors. */
  get size(): number {
    return this.index.getCurrentCount() - this.deleted.size;
  }

  /** Labels hidden by `remove`, in ascending order (saved with the index). */
  get removed(): number[] {
    return [...this.deleted].sort((a, b) => a - b);
  }

  /** Inserts vectors with labels `start, start+1, ...`, growing the index as needed. */
  addAt(vectors: readonly Float32Array[], start: number): void {
    const needed = start + vectors.length;
    if (needed > this.index.getMaxElements()) this.index.resizeIndex(Math.max(needed, Math.ceil(this.index.getMaxElements() * 1.5)));
    vectors.forEach((v, i) => {
      if (v.length !== this.dims) throw new OptionError('vectors', `expected ${this.dims} dimensions, got ${v.length}`);
      this.index.addPoint(Array.from(v), start + i);
    });
  }

  /** Hides a label from every later search (hnswlib `markDelete`). */
  remove(label: number): void {
    if (this.deleted.has(label)) return;
    this.index.markDelete(label);
    this.deleted.add(label);
  }

  /** The `k` most similar vectors, best first; `exclude` labels are skipped (e.g. the query paper). */
  search(query: Float32Array, k: number, exclude?: ReadonlySet<number>): Hit[] {
    const available = this.size - (exclude ? [...exclude].filter((l) => !this.deleted.has(l)).length : 0);
    const want = Math.min(k, Math.max(available, 0));
    if (want <= 0) return [];
    // A few excluded labels (the query paper itself) are cheaper to over-fetch and drop than to
    // filter: hnswlib-node calls a JS filter once per visited node (measured 2-3× slower queries).
    const overFetch = exclude && exclude.size <= 16;
    const ask = overFetch ? Math.min(want + exclude.size, this.size) : want;
    this.index.setEf(Math.max(this.params.efSearch, 2 * ask));
    const filter = exclude?.size && !overFetch ? (label: number) => !exclude.has(label) : undefined;
    const res = this.index.searchKnn(Array.from(query), ask, filter);
    return res.neighbors
      .map((label, i) => ({ label, score: clampScore(1 - res.distances[i]!) }))
      .filter((h) => !overFetch || !exclude.has(h.label))
      .sort((a, b) => b.score - a.score || a.label - b.label)
      .slice(0, want);
  }
}

function clampScore(s: number): number {
  return Math.max(-1, Math.min(1, s));
}

/** Exact top-k by cosine over unit vectors: the ground truth recall is measured against. */
export function exactSearch(
  vectors: readonly Float32Array[],
  query: Float32Array,
  k: number,
  exclude?: ReadonlySet<number>,
  deleted?: ReadonlySet<number>,
): Hit[] {
  const hits: Hit[] = [];
  vectors.forEach((v, label) => {
    if (exclude?.has(label) || deleted?.has(label)) return;
    hits.push({ label, score: clampScore(dot(v, query)) });
  });
  return hits.sort((a, b) => b.score - a.score || a.label - b.label).slice(0, k);
}

/** recall@k of the index against exact search, averaged over the query rows. */
export interface RecallReport {
  k: number;
  queries: number;
  recall: number;
  /** Lowest per-query recall, to spot a bad tail the average hides. */
  worst: number;
}

/**
 * Measures recall@k: for each query row (default: every row, or an evenly spaced 1,000), how many of
 * the exact top-k (itself excluded) the index returns.
 */
export function measureRecall(index: VectorIndex, vectors: readonly Float32Array[], k = 10, maxQueries = 1000): RecallReport {
  const deleted = new Set(index.removed);
  const rows = vectors.map((_, i) => i).filter((i) => !deleted.has(i));
  const step = Math.max(1, rows.length / maxQueries);
  let total = 0;
  let worst = 1;
  let queries = 0;
  for (let q = 0; q < rows.length; q += step) {
    const row = rows[Math.floor(q)]!;
    const exclude = new Set([row]);
    const truth = exactSearch(vectors, vectors[row]!, k, exclude, deleted);
    if (!truth.length) continue;
    const got = new Set(index.search(vectors[row]!, k, exclude).map((h) => h.label));
    // Ties at the k-th score make either label correct.
    const kth = truth[truth.length - 1]!.score;
    const found = truth.filter((h) => got.has(h.label)).length;
    const tiesElsewhere = [...got].filter((l) => !truth.some((h) => h.label === l) && Math.abs(dot(vectors[l]!, vectors[row]!) - kth) < 1e-6).length;
    const r = Math.min(1, (found + tiesElsewhere) / truth.length);
    total += r;
    worst = Math.min(worst, r);
    queries++;
  }
  return { k, queries, recall: queries ? total / queries : 1, worst };
}
