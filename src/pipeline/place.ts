import type { Reduction } from '../reduce/reducer.js';
import type { VectorStore } from '../store/store.js';
import { nearest } from '../vector.js';

export interface Placement {
  /** Theme of each new paper: the one whose centroid is nearest. */
  themes: number[];
  /** Map position of each new paper. */
  coords: [number, number][];
}

/** How many placed papers' neighbours decide where a new paper goes on the map. */
const PLACEMENT_NEIGHBOURS = 10;

/**
 * Where papers added without a refit go: the theme with the nearest centroid, and on the map the
 * fitted layout's `transform` while it is in memory, else the similarity-weighted mean position of
 * the nearest papers already on the map. Call before the new vectors enter the store.
 */
export async function placePapers(
  vectors: readonly Float32Array[],
  fitted: { centroids: readonly Float32Array[]; coords: readonly [number, number][]; layoutModel: Reduction | undefined; store: VectorStore },
): Promise<Placement> {
  const themes = vectors.map((v) => Math.max(0, nearest(v, fitted.centroids)));
  if (fitted.layoutModel?.transform) {
    const placed = await fitted.layoutModel.transform(vectors);
    return { themes, coords: placed.map((c) => [c[0]!, c[1]!]) };
  }
  const coords: [number, number][] = [];
  for (const v of vectors) {
    const hits = await fitted.store.search(v, PLACEMENT_NEIGHBOURS);
    let x = 0;
    let y = 0;
    let w = 0;
    for (const h of hits) {
      const c = fitted.coords[h.row];
      if (!c) continue;
      const weight = Math.max(h.score, 0) + 1e-6;
      x += c[0] * weight;
      y += c[1] * weight;
      w += weight;
    }
    coords.push(w ? [x / w, y / w] : [0, 0]);
  }
  return { themes, coords };
}
