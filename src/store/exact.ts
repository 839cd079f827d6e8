import { dot } from '../vector.js';
import type { Hit, VectorStore } from './store.js';

export function clampScore(s: number): number {
  return Math.max(-1, Math.min(1, s));
}

/**
 * Exact top-k by cosine over unit vectors: the ground truth recall is measured against. One pass
 * keeps the best k seen so far (sorted, best first; ties by row), so memory is O(k), not O(n).
 */
export function exactSearch(
  vectors: readonly Float32Array[],
  query: Float32Array,
  k: number,
  exclude?: ReadonlySet<number>,
  removed?: ReadonlySet<number>,
): Hit[] {
  const best: Hit[] = [];
  if (k <= 0) return best;
  for (let row = 0; row < vectors.length; row++) {
    if (exclude?.has(row) || removed?.has(row)) continue;
    const score = clampScore(dot(vectors[row]!, query));
    // Rows come in ascending order, so a tie with the current k-th never displaces it.
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length === k ? k - 1 : best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { row, score });
    if (best.length > k) best.pop();
  }
  return best;
}

/** recall@k of a store against exact search, averaged over the query rows. */
export interface RecallReport {
  k: number;
  queries: number;
  recall: number;
  /** Lowest per-query recall, to spot a bad tail the average hides. */
  worst: number;
}

/**
 * Measures recall@k: for each query row (default: every row, or an evenly spaced 1,000), how many of
 * the exact top-k (itself excluded) the store returns.
 */
export async function measureRecall(store: VectorStore, vectors: readonly Float32Array[], k = 10, maxQueries = 1000): Promise<RecallReport> {
  const removed = new Set(store.removed);
  const rows = vectors.map((_, i) => i).filter((i) => !removed.has(i));
  const step = Math.max(1, rows.length / maxQueries);
  let total = 0;
  let worst = 1;
  let queries = 0;
  for (let q = 0; q < rows.length; q += step) {
    const row = rows[Math.floor(q)]!;
    const exclude = new Set([row]);
    const truth = exactSearch(vectors, vectors[row]!, k, exclude, removed);
    if (!truth.length) continue;
    const got = new Set((await store.search(vectors[row]!, k, { exclude })).map((h) => h.row));
    // Ties at the k-th score make either row correct.
    const kth = truth[truth.length - 1]!.score;
    const found = truth.filter((h) => got.has(h.row)).length;
    const tiesElsewhere = [...got].filter((l) => !truth.some((h) => h.row === l) && Math.abs(dot(vectors[l]!, vectors[row]!) - kth) < 1e-6).length;
    const r = Math.min(1, (found + tiesElsewhere) / truth.length);
    total += r;
    worst = Math.min(worst, r);
    queries++;
  }
  return { k, queries, recall: queries ? total / queries : 1, worst };
}
