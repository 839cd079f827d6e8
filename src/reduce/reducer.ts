import type { KnnGraph, Stage, StageContext } from '../types.js';

/** What a reducer is handed besides the vectors. */
export interface ReduceContext extends StageContext {
  /** The vectors' nearest-neighbour graph from the store, when the pipeline has one (reducers may ignore it). */
  neighbors?: KnnGraph;
  /**
   * Where each row was on the previous map (row-major, `n × dims`; NaN for rows that were not on
   * it): a layout reducer may start from there so that the map stays put across refits (UMAP does).
   */
  init?: Float64Array;
}

/** Coordinates of every input vector in the reduced space. */
export interface Reduction {
  /** One row per input vector (double precision: what UMAP computes in). */
  coords: Float64Array[];
  /**
   * Places new vectors in the same space while the fitted model is in memory (it is not saved);
   * optional: without it, new papers are placed among their nearest neighbours.
   */
  transform?(vectors: readonly Float32Array[]): Promise<Float64Array[]>;
}

/**
 * A dimension reduction: UMAP by default, the identity to cluster on the embeddings themselves, or
 * your own. The atlas uses two: `reducer` makes the space themes are clustered in, `layout` the
 * 2-D map (it must return two coordinates per paper).
 */
export interface Reducer extends Stage {
  fit(vectors: readonly Float32Array[], ctx: ReduceContext): Promise<Reduction>;
}
