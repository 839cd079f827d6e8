/**
 * Themes at scale: the pipeline's theme fit over 100k and 1M papers (synthetic 384-d vectors in 50
 * blobs, with short synthetic titles and abstracts for the labels), as `Atlas.build` runs it above
 * `fitSample` (25,000 by default): a seeded sample, its neighbour graph from an in-memory HNSW
 * index over the sample, every paper's nearest sampled papers; both UMAP runs and the k search on
 * the sample; then every paper's theme by its nearest sampled ones, labels over all papers, and
 * map coordinates for the rest by nearest-sample placement. The store itself is bench/scale.ts's.
 * Each n in its own process, so peak RSS is that n's; the vectors alone are n × 1.5 KiB of it.
 * `--quick`: 3,000 papers on a 1,000-paper sample (the smallest `fitSample`), the same code path.
 */
import { planSample } from '../src/pipeline/knn.js';
import { fitThemes } from '../src/pipeline/fit.js';
import { DEFAULT_FIT_SAMPLE, MIN_FIT_SAMPLE } from '../src/pipeline/options.js';
import { graphSize } from '../src/pipeline/run.js';
import { resolveStages } from '../src/pipeline/stages.js';
import { cachedSyntheticCorpus, inChild, peakRssMiB, QUICK, saveResult, seconds, stageTimer } from './lib.js';

const child = process.argv.indexOf('--child');
if (child !== -1) {
  const n = Number(process.argv[child + 1]);
  const fitSample = Number(process.argv[child + 2]);
  const { corpus, vectors, embedder } = cachedSyntheticCorpus(n);
  const vectorsMiB = peakRssMiB();
  const stages = resolveStages();
  let t = performance.now();
  const sample = await planSample(stages.store, vectors, fitSample, graphSize(stages), { seed: 42, dims: 384 });
  const sampleS = seconds(t);
  const timer = stageTimer();
  t = performance.now();
  const fit = await fitThemes({ papers: corpus.papers, vectors, stages, seed: 42, embedder, layout: true, sample, onProgress: timer.onProgress });
  const fitS = seconds(t);
  const times = timer.done();
  const sizes = fit.themes.map((th) => th.size);
  console.log(
    JSON.stringify({
      n,
      sample: sample.rows.length,
      sample_graph_s: +sampleS.toFixed(1),
      fit_s: +fitS.toFixed(1),
      ...times,
      k: fit.themes.length,
      smallest: Math.min(...sizes),
      largest: Math.max(...sizes),
      placed: fit.coords.length,
      rss_after_vectors_mib: vectorsMiB,
      peak_rss_mib: peakRssMiB(),
    }),
  );
  process.exit(0);
}

const sizes = QUICK ? [3_000] : [100_000, 1_000_000];
const FIT_SAMPLE = QUICK ? MIN_FIT_SAMPLE : DEFAULT_FIT_SAMPLE;
const rows: Record<string, unknown>[] = [];
for (const n of sizes) {
  rows.push(await inChild<Record<string, unknown>>('scale-themes', [n, FIT_SAMPLE], { node: ['--max-old-space-size=16384'], timeout: 4 * 3_600_000 }));
  console.error(JSON.stringify(rows.at(-1)));
}
const ratios: Record<string, number> = {};
for (const r of rows) {
  ratios[`theme_fit_s@${r.n}`] = Number(r.sample_graph_s) + Number(r.fit_s);
  ratios[`peak_rss_gib@${r.n}`] = +(Number(r.peak_rss_mib) / 1024).toFixed(2);
}
await saveResult('scale-themes', rows, ratios, [
  `synthetic: 50-blob 384-d vectors, titles/abstracts from 16 words; fitSample ${FIT_SAMPLE}${FIT_SAMPLE === DEFAULT_FIT_SAMPLE ? ' (the default)' : ''}, seed 42, default stages`,
  "sample_graph_s: HNSW over the sample, its 15-NN graph, and each paper's 15 nearest sampled papers; fit_s: both UMAP runs, the k search, theme votes, labels, placement (stage seconds overlap: the 2-D layout runs in a worker beside the rest)",
  'rss_after_vectors_mib: the process once the vectors and papers exist; the rest of peak RSS is the fit',
]);
