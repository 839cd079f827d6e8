import seedrandom from 'seedrandom';
import type { VectorStore, VectorStoreProvider } from '../store/store.js';
import type { KnnGraph } from '../types.js';
import { sampleIndices } from '../vector.js';

interface GraphRun {
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Euclidean distance between unit vectors with cosine `score`: √(2 − 2·cos). */
const distanceOf = (score: number): number => Math.sqrt(Math.max(0, 2 - 2 * score));

/**
 * Each query's `k` nearest store rows. With `selfRows`, query i is store row i and comes first at
 * distance 0, as UMAP expects of a neighbour graph (a duplicate paper may tie with it). The search
 * effort is what a neighbourhood graph needs (ef = max(4k, 64)), not what a user-facing query gets.
 */
async function searchAll(store: VectorStore, queries: readonly Float32Array[], k: number, selfRows: boolean, run: GraphRun): Promise<KnnGraph> {
  const n = queries.length;
  const kk = Math.max(1, Math.min(k, store.size));
  const indices = new Int32Array(n * kk);
  const distances = new Float32Array(n * kk);
  const effort = Math.max(4 * kk, 64);
  for (let i = 0; i < n; i++) {
    const hits = await store.search(queries[i]!, kk, { effort });
    if (selfRows) {
      const self = hits.findIndex((h) => h.row === i);
      if (self > 0) hits.unshift(hits.splice(self, 1)[0]!);
      else if (self < 0) hits.unshift({ row: i, score: 1 }), (hits.length = Math.min(hits.length, kk));
    }
    for (let j = 0; j < kk; j++) {
      const h = hits[j] ?? hits[hits.length - 1]!;
      indices[i * kk + j] = h.row;
      distances[i * kk + j] = selfRows && h.row === i ? 0 : distanceOf(h.score);
    }
    if (i % 1000 === 999) {
      run.onProgress?.(i + 1, n);
      run.signal?.throwIfAborted();
    }
  }
  run.onProgress?.(n, n);
  return { k: kk, indices, distances };
}

/**
 * Every row's `k` nearest neighbours (itself included, first), from the store that holds exactly
 * these vectors as rows 0..n-1: one neighbour graph for the whole pipeline, instead of one
 * NN-descent per UMAP run.
 */
export function knnGraph(store: VectorStore, vectors: readonly Float32Array[], k: number, run: GraphRun = {}): Promise<KnnGraph> {
  return searchAll(store, vectors, Math.min(k, vectors.length), true, run);
}

/**
 * A large corpus's themes and layout are fitted on a seeded sample; every other paper then follows
 * its nearest sampled papers. `rows` are the sampled rows (ascending), `graph` their neighbour graph
 * among themselves (sample-local indices), `nearby` each corpus row's nearest sampled papers
 * (sample-local indices; a sampled row finds itself first).
 */
export interface SamplePlan {
  rows: Int32Array;
  graph: KnnGraph;
  nearby: KnnGraph;
}

/** `size` distinct rows of `n`, ascending, chosen by a generator seeded with `seed`. */
export function sampleRows(n: number, size: number, seed: number): Int32Array {
  return sampleIndices(n, size, seedrandom(`paper-atlas:sample:${seed}`));
}

/** A temporary store over `vectors`, built by `provider`, used and then released. */
async function withStore<T>(
  provider: VectorStoreProvider,
  vectors: readonly Float32Array[],
  ctx: { seed: number; dims: number } & GraphRun,
  use: (store: VectorStore) => Promise<T>,
): Promise<T> {
  const { signal, onProgress } = ctx;
  const store = await provider.build(vectors, { seed: ctx.seed, dims: ctx.dims, ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) });
  try {
    return await use(store);
  } finally {
    store.dispose?.();
  }
}

/** Every row's `k` nearest neighbours from a temporary store over the vectors (a store's `scratch`). */
export function scratchGraph(
  provider: VectorStoreProvider,
  vectors: readonly Float32Array[],
  k: number,
  ctx: { seed: number; dims: number } & GraphRun,
): Promise<KnnGraph> {
  return withStore(provider, vectors, ctx, (store) => knnGraph(store, vectors, k, ctx));
}

/**
 * The sample, a temporary store over it (built by the pipeline's own store stage, released
 * here), the sample's neighbour graph and every row's nearest sampled papers.
 */
export async function planSample(
  provider: VectorStoreProvider,
  vectors: readonly Float32Array[],
  size: number,
  k: number,
  ctx: { seed: number; dims: number } & GraphRun,
): Promise<SamplePlan> {
  const rows = sampleRows(vectors.length, size, ctx.seed);
  const sampled = Array.from(rows, (r) => vectors[r]!);
  return withStore(provider, sampled, ctx, async (store) => ({
    rows,
    graph: await knnGraph(store, sampled, k, ctx),
    nearby: await searchAll(store, vectors, k, false, ctx),
  }));
}
