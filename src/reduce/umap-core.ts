import seedrandom from 'seedrandom';
import { UMAP } from 'umap-js';

import type { KnnGraph } from '../types.js';

/** One UMAP run's inputs, as plain data: what a worker thread receives. */
export interface UmapJob {
  /** Row-major vectors, `n × width`. */
  data: Float32Array;
  width: number;
  dims: number;
  nNeighbors: number;
  minDist: number;
  nEpochs: number | 'auto';
  seed: number;
  graph?: KnnGraph | undefined;
  /** Starting positions (`n × dims`, NaN where unknown), see `ReduceContext.init`. */
  init?: Float64Array | undefined;
}

/**
 * Runs UMAP (umap-js) on a job: the same code on the main thread and in a worker, so both give the
 * same coordinates. With a neighbour graph umap-js skips its NN-descent and reads only the row count
 * of its input, so the rows are views into `data`, not copies. `onEpoch` may pause the run (await);
 * `onInitialized` is called once the fuzzy graph is built, the run's memory peak (see umap.ts).
 */
export async function runUmap(
  job: UmapJob,
  onEpoch?: (epoch: number, total: number) => void | Promise<void>,
  onInitialized?: () => void,
): Promise<{ coords: Float64Array; umap: UMAP; graphUsed: boolean }> {
  const n = job.data.length / job.width;
  const rows = Array.from({ length: n }, (_, i) => job.data.subarray(i * job.width, (i + 1) * job.width));
  const umap = new UMAP({
    nComponents: job.dims,
    nNeighbors: job.nNeighbors,
    minDist: job.minDist,
    ...(job.nEpochs !== 'auto' ? { nEpochs: job.nEpochs } : {}),
    random: seedrandom(`paper-atlas:${job.seed}:${job.dims}`),
  });
  const graph = job.graph && job.graph.k >= job.nNeighbors && job.graph.indices.length === n * job.graph.k ? job.graph : undefined;
  if (graph) {
    const slice = (values: Int32Array | Float32Array): number[][] =>
      Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * graph.k, i * graph.k + job.nNeighbors)));
    umap.setPrecomputedKNN(slice(graph.indices), slice(graph.distances));
  }
  const total = umap.initializeFit(graph ? (rows as unknown as number[][]) : rows.map((r) => Array.from(r)));
  // From given positions the run only refines: it joins the learning-rate schedule part-way.
  const first = job.init && startFrom(umap, job.init, job.dims) ? Math.floor(total * REFINE_FROM) : 0;
  if (first) {
    const state = (umap as unknown as { optimizationState: { currentEpoch: number; alpha: number; initialAlpha: number } }).optimizationState;
    state.currentEpoch = first;
    state.alpha = state.initialAlpha * (1 - first / total);
  }
  onInitialized?.();
  const anchor = first && job.init ? anchoring(umap, job.init, job.dims) : undefined;
  for (let epoch = first; epoch < total; epoch++) {
    umap.step();
    anchor?.();
    if (onEpoch && (epoch % 10 === 0 || epoch === total - 1)) await onEpoch(epoch + 1, total);
  }
  const embedding = umap.getEmbedding();
  const coords = new Float64Array(n * job.dims);
  embedding.forEach((row, i) => coords.set(row, i * job.dims));
  return { coords, umap, graphUsed: graph !== undefined };
}

/**
 * A run from given positions starts this far into UMAP's schedule (its learning rate falls linearly
 * to 0 over the epochs): enough to settle added papers and the fit's new neighbourhoods, not
 * enough to rearrange the map.
 */
export const REFINE_FROM = 0.5;

/**
 * After each epoch of a run from given positions, rows that had one move back this share of the way
 * to it. Measured on the bundled corpus (90% built, 10% added, refit): without it the papers move a
 * median 11% of the map's width (UMAP keeps reshuffling within themes), with 0.1 2.4%, with 0.3 1.6%.
 */
export const ANCHOR = 0.1;

/** Pulls rows with a given position back towards it (see `ANCHOR`); rows without one move freely. */
function anchoring(umap: UMAP, init: Float64Array, dims: number): () => void {
  const embedding = (umap as unknown as { embedding: number[][] }).embedding;
  const rows = embedding.map((_, i) => i).filter((i) => !Number.isNaN(init[i * dims]!));
  return () => {
    for (const i of rows) {
      const row = embedding[i]!;
      for (let d = 0; d < dims; d++) row[d]! += ANCHOR * (init[i * dims + d]! - row[d]!);
    }
  };
}

/**
 * Replaces umap-js's random start with given positions (in the layout's own units: a previous run's
 * output): rows without one start at the mean of their neighbours' that have one (else where
 * umap-js put them). The embedding umap-js optimises is this same array of rows, changed in place.
 * False when there is nothing to start from.
 */
function startFrom(umap: UMAP, init: Float64Array, dims: number): boolean {
  const embedding = (umap as unknown as { embedding: number[][] }).embedding;
  const n = embedding.length;
  if (init.length !== n * dims) return false;
  const known = (i: number): boolean => !Number.isNaN(init[i * dims]!);
  if (!embedding.some((_, i) => known(i))) return false;
  const neighbours = (umap as unknown as { knnIndices?: number[][] }).knnIndices;
  for (let i = 0; i < n; i++) {
    if (known(i)) {
      for (let d = 0; d < dims; d++) embedding[i]![d] = init[i * dims + d]!;
      continue;
    }
    const near = (neighbours?.[i] ?? []).filter((j) => j >= 0 && j < n && known(j));
    if (!near.length) continue;
    for (let d = 0; d < dims; d++) embedding[i]![d] = near.reduce((sum, j) => sum + init[j * dims + d]!, 0) / near.length;
  }
  return true;
}
