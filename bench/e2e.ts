/**
 * End to end, each measured directly (every big run in its own process, so its peak RSS is its own):
 *  - the bundled corpus, cold and with cached embeddings (real model);
 *  - 10k synthetic abstracts cold, then rebuilt with their embeddings cached (real model; 1k with --quick);
 *  - the post-embedding pipeline on the same 10k × 384 vectors beside the Python stack a user would
 *    assemble (hnswlib + umap-learn + scikit-learn, same k search);
 *  - 100k papers with cached embeddings (synthetic 384-d vectors), time and peak RSS (20k with --quick).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { DEFAULT_KMEANS_OPTIONS, defaultKRange } from '../src/cluster/kmeans.js';
import { Atlas, Corpus, loadBundledCorpus, type Embedder } from '../src/index.js';
import { cachedSyntheticCorpus, inChild, peakRssMiB, peer, QUICK, saveResult, seconds, stageTimer, syntheticVectors, writeVectors } from './lib.js';

type Row = Record<string, number | string>;

/** Total and per-stage seconds of one build. */
async function timedBuild(corpus: Corpus, opts: { cache?: string | false; embedder?: Embedder }): Promise<Row> {
  const timer = stageTimer();
  const start = performance.now();
  const atlas = await Atlas.build(corpus, {
    seed: 42,
    onProgress: timer.onProgress,
    onWarning: () => undefined,
    ...(opts.cache !== undefined ? { cache: opts.cache } : {}),
    ...(opts.embedder ? { embedder: opts.embedder } : {}),
  });
  const stages = timer.done();
  return { total_s: +seconds(start).toFixed(2), k: atlas.kSelection.k, ...stages };
}

/** A corpus of n abstracts recombined from the bundled corpus's sentences: realistic vocabulary and lengths. */
function syntheticCorpus(bundled: Corpus, n: number): Corpus {
  const rng = seedrandom('synthetic-corpus');
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const sentences = bundled.papers.flatMap((p) => [...seg.segment(p.abstract)].map((s) => s.segment.trim()));
  return Corpus.from(
    Array.from({ length: n }, (_, i) => {
      const base = bundled.papers[Math.floor(rng() * bundled.size)]!;
      const extra = Array.from({ length: 3 + Math.floor(rng() * 4) }, () => sentences[Math.floor(rng() * sentences.length)]);
      return { title: `${base.title} (${i})`, abstract: [...seg.segment(base.abstract)][0]!.segment.trim() + ' ' + extra.join(' ') };
    }),
  );
}

const child = process.argv.indexOf('--child');
if (child !== -1) {
  const n = Number(process.argv[child + 1]);
  const { corpus, embedder } = cachedSyntheticCorpus(n);
  const row = await timedBuild(corpus, { embedder, cache: false });
  console.log(JSON.stringify({ ...row, peak_rss_mib: peakRssMiB() }));
  process.exit(0);
}

const rows: Row[] = [];
const ratios: Record<string, number> = {};
const notes: string[] = [];
const bundled = await loadBundledCorpus();
const cache = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
const cold = await timedBuild(bundled, { cache });
rows.push({ run: 'bundled (194), cold', ...cold, peak_rss_mib: peakRssMiB() });
const warm = await timedBuild(bundled, { cache });
rows.push({ run: 'bundled (194), cached embeddings', ...warm, peak_rss_mib: peakRssMiB() });
ratios.bundled_cold_over_warm = Number(cold.total_s) / Number(warm.total_s);

const n = QUICK ? 1000 : 10_000;
const synth = syntheticCorpus(bundled, n);
const synthCold = await timedBuild(synth, { cache });
rows.push({ run: `synthetic abstracts (${n}), cold`, ...synthCold });
const synthWarm = await timedBuild(synth, { cache });
rows.push({ run: `synthetic abstracts (${n}), cached embeddings`, ...synthWarm, peak_rss_mib: peakRssMiB() });
ratios[`cold_${n}_s`] = Number(synthCold.total_s);
ratios[`cached_rebuild_${n}_s`] = Number(synthWarm.total_s);

// The post-embedding pipeline on the same vectors, ours beside Python's.
const ours = await inChild<Row>('e2e', [n], { timeout: 3_600_000 });
rows.push({ run: `post-embedding pipeline, ${n} × 384 vectors (paper-atlas)`, ...ours });
const dir = await mkdtemp(join(tmpdir(), 'bench-e2e-py-'));
const file = join(dir, 'v.f32');
await writeVectors(file, syntheticVectors(n, 384, `e2e-${n}`, 50));
const [lo, hi] = defaultKRange(n);
const py = await peer<Row>('pipeline', [
  file,
  384,
  42,
  lo,
  hi,
  DEFAULT_KMEANS_OPTIONS.searchRestarts,
  DEFAULT_KMEANS_OPTIONS.restarts,
  DEFAULT_KMEANS_OPTIONS.searchSample,
]);
rows.push({
  run: `post-embedding pipeline, ${n} × 384 vectors (hnswlib + umap-learn + scikit-learn)`,
  ...Object.fromEntries(Object.entries(py).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(2) : v])),
});
ratios[`post_embedding_vs_python@${n}`] = Number(ours.total_s) / Number(py.total_s);

const big = QUICK ? 20_000 : 100_000;
const huge = await inChild<Row>('e2e', [big], { timeout: 3_600_000 });
rows.push({ run: `${big} papers, cached embeddings (synthetic vectors)`, ...huge });
ratios[`cached_${big}_s`] = Number(huge.total_s);
ratios[`cached_${big}_peak_rss_gib`] = Number(huge.peak_rss_mib) / 1024;

notes.push(
  'stage seconds come from onProgress: the 2-d layout runs in a worker thread beside the 5-d reduction and the k search, so layout_s overlaps the others',
  'index_s covers the HNSW build and the shared neighbour graph (one search per paper) that both UMAP runs use instead of NN-descent',
  'umap-learn runs with random_state (deterministic, like paper-atlas, hence single-threaded), timed after its numba warm-up',
  `synthetic abstracts recombine the bundled corpus's sentences (deterministic), so their vocabulary and lengths are real; "cached embeddings" rows use 50-blob synthetic vectors`,
);
await saveResult('e2e', rows, ratios, notes);
