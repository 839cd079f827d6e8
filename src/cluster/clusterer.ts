import type { KSelection, Stage, StageContext } from '../types.js';

export interface ClusterContext extends StageContext {
  /** The papers' ids, row by row: what clusterers keyed by paper (given themes) need. */
  ids: readonly string[];
  /**
   * The papers' embeddings (unit length), row by row: the space the points were reduced from.
   * The pipeline always passes them; a clusterer may ignore them.
   */
  vectors?: readonly Float32Array[];
}

/** Themes as a clusterer finds them; the pipeline renumbers them largest first. */
export interface Clustering {
  /** Theme of each row, 0..k-1. */
  assignments: number[];
  k: number;
  /** How k was chosen; omitted means the clusterer was told k. */
  selection?: KSelection;
  /** Theme names the clusterer knows (given themes); when present they are the labels. */
  names?: string[];
}

/**
 * Groups the papers' points (in the reducer's space) into themes: k-means with an automatic k by
 * default, `GivenThemes` for themes the user already has, or your own.
 */
export interface Clusterer extends Stage {
  cluster(points: readonly ArrayLike<number>[], ctx: ClusterContext): Promise<Clustering>;
}
