import { describe, expect, it } from 'vitest';
import { HnswStoreProvider, UmapReducer } from '../../src/index.js';
import { knnGraph, sampleRows } from '../../src/pipeline/knn.js';
import { runUmap } from '../../src/reduce/umap-core.js';
import { packRows } from '../../src/vector.js';
import { FakeEmbedder, syntheticCorpus } from './synthetic.js';

const { corpus } = syntheticCorpus(40, 'reduce');
const vectorsOf = (): Promise<Float32Array[]> => new FakeEmbedder().embed(corpus.papers.map((p) => `${p.title} ${p.abstract}`));

describe('UMAP on the store neighbour graph', () => {
  it('runs in a worker thread with exactly the coordinates of a run on this thread', async () => {
    const vectors = await vectorsOf();
    const store = await new HnswStoreProvider().build(vectors, { seed: 1, dims: 96 });
    const graph = await knnGraph(store, vectors, 15);
    // Every row is its own first neighbour, at distance 0, and distances ascend.
    for (let i = 0; i < vectors.length; i++) {
      expect(graph.indices[i * 15]).toBe(i);
      expect(graph.distances[i * 15]).toBe(0);
      for (let j = 1; j < 15; j++) expect(graph.distances[i * 15 + j]!).toBeGreaterThanOrEqual(graph.distances[i * 15 + j - 1]!);
    }
    const epochs: number[] = [];
    const reducer = new UmapReducer({ dims: 2, nEpochs: 60 });
    const viaWorker = await reducer.fit(vectors, { seed: 7, neighbors: graph, onProgress: (done) => epochs.push(done) });
    expect(epochs.at(-1)).toBe(60);
    const here = await runUmap({ data: packRows(vectors, 96), width: 96, dims: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 60, seed: 7, graph });
    expect(here.graphUsed).toBe(true);
    expect(viaWorker.coords.map((c) => Array.from(c))).toEqual(
      Array.from({ length: vectors.length }, (_, i) => Array.from(here.coords.subarray(i * 2, i * 2 + 2))),
    );
    // A graph-fed run has no search trees of its own: added papers are placed by the pipeline instead.
    expect(viaWorker.transform).toBeUndefined();
  });

  it('stops the worker when the run is aborted', async () => {
    const vectors = await vectorsOf();
    const store = await new HnswStoreProvider().build(vectors, { seed: 1, dims: 96 });
    const graph = await knnGraph(store, vectors, 15);
    const ctrl = new AbortController();
    const run = new UmapReducer({ dims: 2, nEpochs: 5000 }).fit(vectors, {
      seed: 7,
      neighbors: graph,
      signal: ctrl.signal,
      onProgress: (done) => done > 20 && ctrl.abort(new Error('user stop')),
    });
    await expect(run).rejects.toThrow('user stop');
  });

  it('without a graph, runs its own NN-descent and can place new vectors', async () => {
    const vectors = await vectorsOf();
    // 50 epochs, not a multiple of 3: umap-js's own transform would never return (umap-js#42).
    const fit = await new UmapReducer({ dims: 2, nEpochs: 50 }).fit(vectors.slice(0, 150), { seed: 7 });
    const placed = await fit.transform!(vectors.slice(150));
    expect(placed).toHaveLength(50);
    expect(placed.every((c) => c.length === 2 && c.every(Number.isFinite))).toBe(true);
  });
});

describe('sampling', () => {
  it('draws distinct ascending rows, the same for the same seed', () => {
    const a = sampleRows(10_000, 1000, 3);
    expect(new Set(a).size).toBe(1000);
    expect([...a].every((r, i) => i === 0 || r > a[i - 1]!)).toBe(true);
    expect(a).toEqual(sampleRows(10_000, 1000, 3));
    expect(a).not.toEqual(sampleRows(10_000, 1000, 4));
    // Roughly uniform: each tenth of the rows holds about a tenth of the sample.
    for (let d = 0; d < 10; d++) expect(a.filter((r) => Math.floor(r / 1000) === d).length).toBeGreaterThan(60);
  });
});
