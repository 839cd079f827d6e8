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
  onInitialized?.();
  for (let epoch = 0; epoch < total; epoch++) {
    umap.step();
    if (onEpoch && (epoch % 10 === 0 || epoch === total - 1)) await onEpoch(epoch + 1, total);
  }
  const embedding = umap.getEmbedding();
  const coords = new Float64Array(n * job.dims);
  embedding.forEach((row, i) => coords.set(row, i * job.dims));
  return { coords, umap, graphUsed: graph !== undefined };
}
