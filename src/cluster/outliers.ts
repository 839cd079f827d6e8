import { dot } from '../vector.js';

/** A paper that sits far from its theme. */
export interface Outlier {
  row: number;
  theme: number;
  /** Cosine similarity to its theme's centroid. */
  score: number;
  /** The theme's lower fence it fell below. */
  fence: number;
}

/**
 * Papers whose similarity to their theme's centroid falls below the theme's lower fence, Tukey's
 * Q1 − 1.5·IQR of its members' similarities: k-means puts every paper in some theme, and these are
 * the ones it put there for want of a better one. Weakest first. Themes under 8 papers have no
 * meaningful quartiles and flag nothing.
 */
export function findOutliers(
  vectors: readonly Float32Array[],
  assignments: readonly number[],
  centroids: readonly Float32Array[],
  skip: ReadonlySet<number> = new Set(),
): Outlier[] {
  const members: { row: number; score: number }[][] = centroids.map(() => []);
  assignments.forEach((t, row) => {
    if (!skip.has(row) && t >= 0 && t < centroids.length) members[t]!.push({ row, score: dot(vectors[row]!, centroids[t]!) });
  });
  const out: Outlier[] = [];
  members.forEach((list, theme) => {
    if (list.length < FENCE_MIN_MEMBERS) return;
    const fence = lowerFence(list.map((m) => m.score));
    for (const m of list) if (m.score < fence) out.push({ row: m.row, theme, score: m.score, fence });
  });
  return out.sort((a, b) => a.score - b.score || a.row - b.row);
}

/** Themes with fewer members have no fence (their quartiles say little). */
export const FENCE_MIN_MEMBERS = 8;

/** Tukey's lower fence of the scores: Q1 − 1.5 · IQR (quartiles interpolated). */
export function lowerFence(scores: readonly number[]): number {
  const sorted = [...scores].sort((a, b) => a - b);
  const q = (p: number): number => {
    const at = p * (sorted.length - 1);
    const lo = Math.floor(at);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
  };
  return q(0.25) - 1.5 * (q(0.75) - q(0.25));
}
