import { kmeans } from 'ml-kmeans';
import { OptionError } from '../errors.js';

export interface KMeansOptions {
  /** Independent k-means++ starts; the one with the lowest inertia wins (default 10, like scikit-learn). */
  restarts?: number;
  /** Iteration cap per start (default 300, like scikit-learn). */
  maxIterations?: number;
  /** Convergence tolerance on centroid movement (default 1e-6). */
  tolerance?: number;
  /**
   * Starts per candidate while searching k automatically (default 3); the chosen k is then rerun
   * with `restarts`. ml-kmeans is 6-60× slower than scikit-learn (bench/kmeans.ts), and the k
   * search runs it for every candidate, so this keeps the search affordable.
   */
  searchRestarts?: number;
}

export interface Clustering {
  k: number;
  /** Cluster of each row, 0..k-1. */
  assignments: number[];
  centroids: number[][];
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
}

function inertiaOf(data: number[][], assignments: number[], centroids: number[][]): number {
  let sum = 0;
  data.forEach((row, i) => {
    const c = centroids[assignments[i]!]!;
    for (let d = 0; d < row.length; d++) sum += (row[d]! - c[d]!) ** 2;
  });
  return sum;
}

/** k-means (ml-kmeans, k-means++ init) restarted with seeds derived from `seed`; lowest inertia kept. */
export function bestKMeans(data: number[][], k: number, seed: number, opts: KMeansOptions = {}): Clustering {
  if (!Number.isInteger(k) || k < 1) throw new OptionError('k', `must be a positive integer, got ${k}`);
  if (k > data.length) throw new OptionError('k', `is ${k} but there are only ${data.length} papers`);
  const restarts = opts.restarts ?? 10;
  let best: Clustering | undefined;
  for (let r = 0; r < restarts; r++) {
    const res = kmeans(data, k, {
      initialization: 'kmeans++',
      seed: seed * 1009 + r,
      maxIterations: opts.maxIterations ?? 300,
      tolerance: opts.tolerance ?? 1e-6,
    });
    const centroids = res.centroids.map((c) => Array.from(c));
    const inertia = inertiaOf(data, res.clusters, centroids);
    if (!best || inertia < best.inertia - 1e-12) best = { k, assignments: [...res.clusters], centroids, inertia };
  }
  return best!;
}

/** Mean silhouette (euclidean) over at most `maxPoints` evenly spaced rows; 1 is best, 0 is no structure. */
export function silhouette(data: number[][], assignments: number[], k: number, maxPoints = 2000): number {
  const n = data.length;
  const step = Math.max(1, n / maxPoints);
  const sizes = new Array<number>(k).fill(0);
  for (const a of assignments) sizes[a]!++;
  let total = 0;
  let count = 0;
  for (let q = 0; q < n; q += step) {
    const i = Math.floor(q);
    const own = assignments[i]!;
    if (sizes[own]! < 2) {
      count++; // a singleton's silhouette is 0 by convention
      continue;
    }
    const sums = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      sums[assignments[j]!]! += Math.sqrt(sqDist(data[i]!, data[j]!));
    }
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    total += b === Infinity ? 0 : (b - a) / Math.max(a, b);
    count++;
  }
  return count ? total / count : 0;
}

function sqDist(a: number[], b: number[]): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += (a[d]! - b[d]!) ** 2;
  return s;
}

/** Silhouette of each candidate k, reported with the chosen one. */
export interface KSelection {
  k: number;
  method: 'given' | 'silhouette';
  scores: { k: number; silhouette: number; inertia: number }[];
}

/** Default search range for automatic k: from 4 up to ~√(n/2)·2, capped at 30. */
export function defaultKRange(n: number): [number, number] {
  const hi = Math.max(2, Math.min(30, Math.round(2 * Math.sqrt(n / 2)), n - 1));
  return [Math.min(4, hi), hi];
}

/** Tries every k in the range and keeps the best silhouette (ties go to the smaller k). */
export function chooseK(
  data: number[][],
  seed: number,
  range: [number, number],
  opts: KMeansOptions = {},
  onStep?: (k: number) => void,
): { selection: KSelection; clustering: Clustering } {
  const [lo, hi] = range;
  let best: { clustering: Clustering; score: number } | undefined;
  const scores: KSelection['scores'] = [];
  const restarts = opts.restarts ?? 10;
  const searchOpts = { ...opts, restarts: Math.min(opts.searchRestarts ?? 3, restarts) };
  for (let k = lo; k <= hi; k++) {
    const clustering = bestKMeans(data, k, seed, searchOpts);
    const score = silhouette(data, clustering.assignments, k);
    scores.push({ k, silhouette: score, inertia: clustering.inertia });
    if (!best || score > best.score + 1e-9) best = { clustering, score };
    onStep?.(k);
  }
  const k = best!.clustering.k;
  const clustering = restarts > searchOpts.restarts ? bestKMeans(data, k, seed, opts) : best!.clustering;
  return { selection: { k, method: 'silhouette', scores }, clustering };
}
