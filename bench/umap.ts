/**
 * UMAP: umap-js with its own NN-descent, and fed the HNSW store's neighbour graph (as builds run it
 * now; the graph's searches are timed with it), beside umap-learn at 1k/5k/10k × 384: time and
 * trustworthiness of each layout.
 */
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DEFAULT_LAYOUT_OPTIONS, UmapReducer } from '../src/reduce/umap.js';
import { HnswStoreProvider } from '../src/store/hnsw.js';
import { knnGraph } from '../src/pipeline/knn.js';
import { peakRssMiB, peer, QUICK, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const sizes = QUICK ? [1000] : [1000, 5000, 10_000];
const dir = await mkdtemp(join(tmpdir(), 'bench-umap-'));
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
for (const n of sizes) {
  const vectors = syntheticVectors(n, 384, `umap-${n}`);
  const t = performance.now();
  const { coords } = await new UmapReducer({}, DEFAULT_LAYOUT_OPTIONS).fit(vectors, { seed: 42 });
  const time = seconds(t);
  // The store exists in a build anyway; its neighbour graph costs one search per paper.
  const store = await new HnswStoreProvider().build(vectors, { seed: 42, dims: 384 });
  const tg = performance.now();
  const graph = await knnGraph(store, vectors, 15);
  const fed = await new UmapReducer({}, DEFAULT_LAYOUT_OPTIONS).fit(vectors, { seed: 42, neighbors: graph });
  const fedTime = seconds(tg);
  const file = join(dir, `v${n}.f32`);
  await writeVectors(file, vectors);
  const layouts = [coords, fed.coords].map((c, i) => ({ c, file: join(dir, `ours${n}-${i}.f32`) }));
  for (const l of layouts) await writeFile(l.file, new Uint8Array(Float32Array.from(l.c.flatMap((row) => Array.from(row))).buffer));
  const py = await peer<{ time_s: number; trust_peer: number; trust_paper_atlas: number }>('umap', [file, 384, 42, layouts[0]!.file, join(dir, `py${n}.f32`)]);
  const pyFed = await peer<{ time_s: number; trust_peer: number; trust_paper_atlas: number }>('umap', [
    file,
    384,
    42,
    layouts[1]!.file,
    join(dir, `py${n}b.f32`),
  ]);
  rows.push({
    n,
    time_s: +time.toFixed(2),
    graph_fed_s: +fedTime.toFixed(2),
    umap_learn_s: +py.time_s.toFixed(2),
    trust: +py.trust_paper_atlas.toFixed(4),
    graph_fed_trust: +pyFed.trust_paper_atlas.toFixed(4),
    umap_learn_trust: +py.trust_peer.toFixed(4),
    peak_rss_mib: peakRssMiB(),
  });
  ratios[`time_vs_umap_learn@${n}`] = time / py.time_s;
  ratios[`graph_fed_time_vs_umap_learn@${n}`] = fedTime / py.time_s;
  ratios[`graph_fed_speedup_over_nndescent@${n}`] = time / fedTime;
  ratios[`trustworthiness_vs_umap_learn@${n}`] = py.trust_paper_atlas / py.trust_peer;
  ratios[`graph_fed_trustworthiness_vs_umap_learn@${n}`] = pyFed.trust_paper_atlas / py.trust_peer;
}
await saveResult('umap', rows, ratios, [
  'both: 2 components, 15 neighbours, min_dist 0.1, euclidean on unit vectors (= cosine ranking), seeded',
  'trustworthiness: scikit-learn trustworthiness(n_neighbors=10) of each layout against the 384-d vectors',
  'graph_fed: the HNSW neighbours (ef = 64, one search per paper, timed) instead of NN-descent; the run goes to a worker thread',
  'umap-learn time excludes its numba JIT warm-up only if already cached; the first run in a fresh venv is slower',
]);
