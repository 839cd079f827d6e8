import { kmeans } from 'ml-kmeans';
import seedrandom from 'seedrandom';
import { integerOption, numberOption, OptionError, rejectUnknownKeys } from '../errors.js';
import { sampleIndices } from '../vector.js';
import { asPacked, bestLloyd, lloydFrom, packF64, type PackedRows } from './lloyd.js';
import type { JsonObject, KSelection } from '../types.js';
import type { ClusterContext, Clusterer, Clustering } from './clusterer.js';

export type { KSelection } from '../types.js';

/** k-means settings (k-means++ initialisation, restarts, lowest inertia kept). */
export interface KMeansOptions {
  /**
   * `'hamerly'`: exact Lloyd iterations over typed arrays, skipping the distances that Hamerly's
   * bounds rule out (src/cluster/lloyd.ts); 1.7-7× faster than ml-kmeans at equal inertia
   * (bench/kmeans.ts). `'ml-kmeans'`: the ml-kmeans package, which every earlier build used (an atlas saved
   * before this option existed refits with it, as it was built).
   */
  algorithm: 'hamerly' | 'ml-kmeans';
  /** Number of themes, or `'auto'` to pick by silhouette over `kRange`. */
  k: number | 'auto';
  /** Range searched when `k` is `'auto'`; `'auto'`: from 4 to ~2·√(n/2), at most 30. */
  kRange: [number, number] | 'auto';
  /** Independent k-means++ starts; the one with the lowest inertia wins (like scikit-learn). */
  restarts: number;
  /** Starts per candidate while searching k; the chosen k is then rerun with `restarts`. */
  searchRestarts: number;
  /** Iteration cap per start (like scikit-learn). */
  maxIterations: number;
  /**
   * Convergence: stop when the centroids' squared movement in one iteration is at most this share
   * of the data's mean per-dimension variance (scikit-learn's rule; ml-kmeans: absolute movement).
   */
  tolerance: number;
  /**
   * Points the k search works on: above this many, candidates are fitted and scored on an evenly
   * spread sample, and only the chosen k is fitted on every point (0 = always all points).
   * Measured in bench/kmeans.ts on 10k points in 20 blobs: a 4,000-point sample searched 2.3× faster
   * but chose k = 8 (NMI 0.77) where every point chose 18 (NMI 0.97), so the default samples only
   * above 10,000 points (and builds fit themes on at most `fitSample` = 25,000 papers).
   */
  searchSample: number;
  /**
   * Settle the themes in the embedding space: once k-means has found them in the reducer's space,
   * spherical k-means over the papers' own embeddings starts from those themes and runs to
   * convergence, so every paper ends in the theme whose centroid is most similar to it by cosine,
   * the rule `add()` places a new paper by. UMAP's space finds the themes; the embeddings draw
   * their borders, which UMAP's 5 dimensions blur. Measured in bench/quality.ts (NMI against the
   * check sets' labels, off → on): MEDLINE 0.721 → 0.758, PubMed journals 0.581 → 0.570,
   * bundled 0.812 → 0.811 (BERTopic on the same vectors: 0.744, 0.544, 0.396). Needs the
   * embeddings in the cluster context (the pipeline passes them); without them, or with `false`,
   * the reducer-space themes stand.
   */
  refine: boolean;
}

export const DEFAULT_KMEANS_OPTIONS: Readonly<KMeansOptions> = Object.freeze({
  algorithm: 'hamerly',
  k: 'auto',
  kRange: 'auto',
  restarts: 10,
  searchRestarts: 3,
  maxIterations: 300,
  tolerance: 1e-6,
  searchSample: 10_000,
  refine: true,
});

function checkOptions(given: unknown): KMeansOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new OptionError('clusterer', 'must be k-means options ({ k, kRange, restarts, ... }) or a Clusterer');
  }
  rejectUnknownKeys('clusterer', given as object | undefined, Object.keys(DEFAULT_KMEANS_OPTIONS));
  const o = { ...DEFAULT_KMEANS_OPTIONS, ...(given as Partial<KMeansOptions>) };
  const k = o.k === 'auto' ? 'auto' : integerOption('k', o.k, 1, 10_000);
  let kRange: KMeansOptions['kRange'] = 'auto';
  if (o.kRange !== 'auto') {
    const r = o.kRange as unknown;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isInteger(x)) || r[0] < 1 || r[1] < r[0] || r[1] > 10_000) {
      throw new OptionError('kRange', `must be "auto" or [lo, hi] with 1 ≤ lo ≤ hi ≤ 10000, got ${JSON.stringify(r)}`);
    }
    kRange = [r[0] as number, r[1] as number];
  }
  if (o.algorithm !== 'hamerly' && o.algorithm !== 'ml-kmeans')
    throw new OptionError('algorithm', `must be "hamerly" or "ml-kmeans", got ${JSON.stringify(o.algorithm)}`);
  if (typeof o.refine !== 'boolean') throw new OptionError('refine', `must be true or false, got ${JSON.stringify(o.refine)}`);
  return {
    algorithm: o.algorithm,
    k,
    kRange,
    restarts: integerOption('restarts', o.restarts, 1, 1000),
    searchRestarts: integerOption('searchRestarts', o.searchRestarts, 1, 1000),
    maxIterations: integerOption('maxIterations', o.maxIterations, 1, 1e6),
    tolerance: numberOption('tolerance', o.tolerance, 0, 0.5),
    searchSample: integerOption('searchSample', o.searchSample, 0, 100_000_000),
    refine: o.refine,
  };
}

/** One k-means result in the clusterer's space. */
export interface KMeansResult {
  k: number;
  /** Cluster of each row, 0..k-1. */
  assignments: number[];
  centroids: number[][];
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
}

function inertiaOf(x: PackedRows, assignments: ArrayLike<number>, centroids: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (let i = 0; i < x.n; i++) {
    const c = centroids[assignments[i]!]!;
    for (let d = 0; d < x.dims; d++) sum += (x.data[i * x.dims + d]! - c[d]!) ** 2;
  }
  return sum;
}

/** Rows of a packed matrix as `number[][]` (what ml-kmeans takes). */
function unpack(x: PackedRows): number[][] {
  return Array.from({ length: x.n }, (_, i) => Array.from(x.data.subarray(i * x.dims, (i + 1) * x.dims)));
}

/** k-means (k-means++ init) restarted with seeds derived from `seed`; lowest inertia kept. */
export function bestKMeans(
  data: PackedRows | readonly ArrayLike<number>[],
  k: number,
  seed: number,
  opts: Pick<KMeansOptions, 'restarts' | 'maxIterations' | 'tolerance'> & Partial<Pick<KMeansOptions, 'algorithm'>>,
): KMeansResult {
  const x = asPacked(data);
  if (!Number.isInteger(k) || k < 1) throw new OptionError('k', `must be a positive integer, got ${k}`);
  if (k > x.n) throw new OptionError('k', `is ${k} but there are only ${x.n} papers`);
  if ((opts.algorithm ?? DEFAULT_KMEANS_OPTIONS.algorithm) === 'hamerly') {
    const res = bestLloyd(x, k, opts.restarts, { seed, maxIterations: opts.maxIterations, tolerance: opts.tolerance });
    const centroids = Array.from({ length: k }, (_, c) => Array.from(res.centroids.subarray(c * x.dims, (c + 1) * x.dims)));
    return { k, assignments: Array.from(res.assignments), centroids, inertia: res.inertia };
  }
  const rows = unpack(x);
  let best: KMeansResult | undefined;
  for (let r = 0; r < opts.restarts; r++) {
    const res = kmeans(rows, k, { initialization: 'kmeans++', seed: seed * 1009 + r, maxIterations: opts.maxIterations, tolerance: opts.tolerance });
    const centroids = res.centroids.map((c) => Array.from(c));
    const inertia = inertiaOf(x, res.clusters, centroids);
    if (!best || inertia < best.inertia - 1e-12) best = { k, assignments: [...res.clusters], centroids, inertia };
  }
  return best!;
}

/**
 * `m` of the row indices 0 … n−1 drawn by a fixed seed (all of them when m ≥ n). Random rather
 * than evenly spaced: rows that come in a repeating order would alias with a fixed stride.
 */
const drawRows = (n: number, m: number, salt: string): Int32Array => sampleIndices(n, m, seedrandom(`paper-atlas:silhouette:${salt}`));

/**
 * Mean silhouette (euclidean) of at most `maxPoints` rows, each measured against at most
 * `maxReference` rows, both drawn by a fixed seed (every row up to that many: exact); 1 is best, 0
 * is no structure. A row with no other reference row in its cluster counts 0, as a singleton does.
 */
export function silhouette(
  data: PackedRows | readonly ArrayLike<number>[],
  assignments: ArrayLike<number>,
  k: number,
  maxPoints = 2000,
  maxReference = 5000,
): number {
  const x = asPacked(data);
  const { n, dims } = x;
  const v = x.data;
  const refs = drawRows(n, maxReference, 'reference');
  const isRef = new Uint8Array(n);
  const sizes = new Float64Array(k);
  for (const j of refs) {
    isRef[j] = 1;
    sizes[assignments[j]!]!++;
  }
  const sums = new Float64Array(k);
  let total = 0;
  let count = 0;
  for (const i of drawRows(n, maxPoints, 'scored')) {
    const own = assignments[i]!;
    const others = sizes[own]! - isRef[i]!;
    count++;
    if (others < 1) continue;
    sums.fill(0);
    // The distance loop written out: calling lloyd's sq() here measured 20% slower.
    const oi = i * dims;
    for (const j of refs) {
      if (j === i) continue;
      const oj = j * dims;
      let s = 0;
      for (let d = 0; d < dims; d++) {
        const t = v[oi + d]! - v[oj + d]!;
        s += t * t;
      }
      sums[assignments[j]!]! += Math.sqrt(s);
    }
    const a = sums[own]! / others;
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    total += b === Infinity ? 0 : (b - a) / Math.max(a, b);
  }
  return count ? total / count : 0;
}

/** Every ⌈n/m⌉-th row, m at most: a deterministic sample spread over the whole input. */
function spread<T>(rows: readonly T[], m: number): T[] {
  const step = rows.length / m;
  return Array.from({ length: m }, (_, i) => rows[Math.floor(i * step)]!);
}

/**
 * The k tried first: every `step`-th of the range (its ends included), `step` chosen so about 8
 * are tried; the search then tries every k within `step − 1` of the best of them. Over 4 … 30 that
 * is 14 candidates instead of 27 (measured in bench/kmeans.ts: the same k on its check sets).
 */
export function candidateKs(lo: number, hi: number): { coarse: number[]; step: number } {
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const coarse: number[] = [];
  for (let k = lo; k < hi; k += step) coarse.push(k);
  coarse.push(hi);
  return { coarse, step };
}

/** Default search range for automatic k: from 4 up to ~√(n/2)·2, capped at 30. */
export function defaultKRange(n: number): [number, number] {
  const hi = Math.max(2, Math.min(30, Math.round(2 * Math.sqrt(n / 2)), n - 1));
  return [Math.min(4, hi), hi];
}

/** k-means with k given or chosen by silhouette (`chooseK`): the default clusterer. */
export class KMeansClusterer implements Clusterer {
  readonly id = 'kmeans';
  readonly options: Readonly<KMeansOptions & JsonObject>;

  constructor(options: Partial<KMeansOptions> = {}) {
    this.options = Object.freeze(checkOptions(options)) as KMeansOptions & JsonObject;
  }

  async cluster(points: readonly ArrayLike<number>[], ctx: ClusterContext): Promise<Clustering> {
    const data = packF64(points);
    const n = data.n;
    const o = this.options;
    if (o.k !== 'auto') {
      if (o.k > n) throw new OptionError('k', `is ${o.k}, but there are only ${n} papers to group`);
      const result = bestKMeans(data, o.k, ctx.seed, o);
      ctx.onProgress?.(1, 1);
      return { assignments: this.settle(result.assignments, result.k, ctx), k: result.k, selection: { k: result.k, method: 'given', scores: [] } };
    }
    const range = o.kRange === 'auto' ? defaultKRange(n) : o.kRange;
    const hi = Math.min(range[1], n);
    const lo = Math.min(range[0], hi);
    const searchOpts = { ...o, restarts: Math.min(o.searchRestarts, o.restarts) };
    // Candidates are fitted and scored on an evenly spread sample of a large corpus.
    const sample = o.searchSample > 0 && n > o.searchSample ? packF64(spread(points, o.searchSample)) : data;
    const results = new Map<number, KMeansResult>();
    const scores: KSelection['scores'] = [];
    const plan = candidateKs(lo, hi);
    const total = plan.coarse.length + 2 * (plan.step - 1);
    const evaluate = async (k: number): Promise<void> => {
      if (results.has(k) || k < lo || k > hi) return;
      ctx.signal?.throwIfAborted();
      const result = bestKMeans(sample, k, ctx.seed, searchOpts);
      results.set(k, result);
      scores.push({ k, silhouette: silhouette(sample, result.assignments, k), inertia: result.inertia });
      ctx.onProgress?.(Math.min(results.size, total), total);
      // Let progress render and an abort land between candidates.
      await new Promise((r) => setImmediate(r));
    };
    // Coarse to fine: every `step`-th k, then every k around the one the rule picks among those.
    for (const k of plan.coarse) await evaluate(k);
    const coarse = chooseK(scores, lo, hi);
    for (let k = coarse.k - plan.step + 1; k <= coarse.k + plan.step - 1; k++) await evaluate(k);
    scores.sort((a, b) => a.k - b.k);
    const { k, method } = chooseK(scores, lo, hi);
    const reuse = o.restarts <= searchOpts.restarts && sample === data;
    const final = reuse ? results.get(k)! : bestKMeans(data, k, ctx.seed, o);
    return { assignments: this.settle(final.assignments, k, ctx), k, selection: { k, method, scores } };
  }

  /** The themes settled in the embedding space (`refine`), or as found when that is off or impossible. */
  private settle(assignments: number[], k: number, ctx: ClusterContext): number[] {
    const vectors = ctx.vectors;
    if (!this.options.refine || k < 2 || !vectors || vectors.length !== assignments.length) return assignments;
    // A theme left empty (ml-kmeans can leave one) has no centroid to start from: nothing to settle.
    if (new Set(assignments).size < k) return assignments;
    ctx.signal?.throwIfAborted();
    // To the fixed point (no paper moves), not to a small shift: the promise is about every paper.
    const settled = lloydFrom(packF64(vectors), assignments, k, { maxIterations: this.options.maxIterations, tolerance: 0, unit: true });
    return Array.from(settled.assignments);
  }
}

/** Candidates whose silhouette is within this share of the best are as good as the best. */
export const SILHOUETTE_BAND = 0.05;

/**
 * The k a search settles on: the largest k whose silhouette is within 5% of the best one
 * (`SILHOUETTE_BAND`), ends of the range excluded. Silhouettes of topic clusters are flat near
 * their peak, and within that band the finer themes agree better with the check sets' labels
 * (bench/quality.ts: too few themes cost far more than a few too many); an end of the range says
 * only that the search stopped there. When only an end is in the band, the elbow of inertia decides.
 */
export function chooseK(scores: readonly KSelection['scores'][number][], lo: number, hi: number): { k: number; method: string } {
  const sorted = [...scores].sort((a, b) => a.k - b.k);
  if (sorted.length === 1) return { k: sorted[0]!.k, method: 'silhouette' };
  const best = Math.max(...sorted.map((s) => s.silhouette));
  const band = sorted.filter((s) => s.silhouette >= best - SILHOUETTE_BAND * Math.abs(best));
  const interior = band.filter((s) => (s.k !== lo && s.k !== hi) || hi - lo < 2);
  if (interior.length) return { k: interior[interior.length - 1]!.k, method: 'silhouette' };
  return { k: elbow(sorted), method: 'elbow (silhouette peaked at the edge of the range)' };
}

/**
 * The elbow of inertia over k (Kneedle): with k and inertia scaled to [0, 1], the k farthest below
 * the straight line from the first candidate to the last. Never an end of the range.
 */
export function elbow(scores: readonly { k: number; inertia: number }[]): number {
  const first = scores[0]!;
  const last = scores[scores.length - 1]!;
  const spanK = last.k - first.k || 1;
  const spanI = first.inertia - last.inertia || 1;
  let best = scores[Math.floor(scores.length / 2)]!.k;
  let gap = -Infinity;
  for (const s of scores.slice(1, -1)) {
    const x = (s.k - first.k) / spanK;
    const y = (first.inertia - s.inertia) / spanI;
    if (y - x > gap + 1e-12) {
      gap = y - x;
      best = s.k;
    }
  }
  return best;
}
