import type { Paper, Theme } from '../types.js';
import { dot, groupCentroids } from '../vector.js';

/**
 * Theme records from assignments: members in row order, the three papers nearest the centroid as
 * representatives, sizes, centroids. Rows in `skip` (removed papers) belong to no theme.
 */
export function describeThemes(
  papers: readonly Paper[],
  vectors: readonly Float32Array[],
  assignments: readonly number[],
  names: readonly { label: string; keywords: string[] }[],
  skip: ReadonlySet<number> = new Set(),
): { themes: Theme[]; centroids: Float32Array[] } {
  const k = names.length;
  const live = assignments.map((a, i) => (skip.has(i) ? -1 : a));
  const centroids = groupCentroids(vectors, live, k);
  const members: number[][] = Array.from({ length: k }, () => []);
  live.forEach((a, i) => a >= 0 && members[a]!.push(i));
  const themes = centroids.map((centroid, t): Theme => {
    const rows = members[t]!;
    const central = rows
      .map((r) => ({ r, s: dot(vectors[r]!, centroid) }))
      .sort((a, b) => b.s - a.s || a.r - b.r)
      .slice(0, 3);
    return {
      id: t,
      label: names[t]!.label,
      keywords: names[t]!.keywords,
      size: rows.length,
      paperIds: rows.map((r) => papers[r]!.id),
      representative: central.map(({ r }) => papers[r]!.id),
    };
  });
  return { themes, centroids };
}

/**
 * New theme ids, largest theme first, ties by first member, so ids do not depend on a clusterer's
 * internal order (or on which themes were merged). Returns the old → new id map.
 */
export function orderBySize(assignments: readonly number[], k: number, skip: ReadonlySet<number> = new Set()): Map<number, number> {
  const sizes = new Array<number>(k).fill(0);
  const first = new Array<number>(k).fill(Infinity);
  assignments.forEach((a, i) => {
    if (skip.has(i) || a < 0) return;
    sizes[a]!++;
    first[a] = Math.min(first[a]!, i);
  });
  const order = sizes
    .map((_, i) => i)
    .filter((i) => sizes[i]! > 0)
    .sort((a, b) => sizes[b]! - sizes[a]! || first[a]! - first[b]!);
  return new Map(order.map((old, i) => [old, i]));
}
