/**
 * k-means: ml-kmeans (as paper-atlas runs it: k-means++, 10 restarts) beside scikit-learn KMeans on
 * the same vectors; and the automatic k search on every point vs on an evenly spread sample
 * (`searchSample`): time, the k it picks, and agreement (NMI) with the blobs the points came from.
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { bestKMeans, DEFAULT_KMEANS_OPTIONS, KMeansClusterer } from '../src/cluster/kmeans.js';
import { agreement } from '../src/cluster/metrics.js';
import seedrandom from 'seedrandom';
import { peakRssMiB, peer, QUICK, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const cases = QUICK ? [{ n: 1000, dims: 5, k: 20 }] : [
  { n: 1000, dims: 5, k: 20 },
  { n: 10_000, dims: 5, k: 30 },
  { n: 1000, dims: 384, k: 20 },
  { n: 10_000, dims: 384, k: 30 },
];
const dir = await mkdtemp(join(tmpdir(), 'bench-kmeans-'));
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
for (const { n, dims, k } of cases) {
  const vectors = syntheticVectors(n, dims, `kmeans-${n}-${dims}`, k);
  const data = vectors.map((v) => Array.from(v));
  const t = performance.now();
  const ours = bestKMeans(data, k, 42, DEFAULT_KMEANS_OPTIONS);
  const time = seconds(t);
  const file = join(dir, `v${n}-${dims}.f32`);
  await writeVectors(file, vectors);
  const py = await peer<{ time_s: number; inertia: number }>('kmeans', [file, dims, k, 42]);
  rows.push({ n, dims, k, time_s: +time.toFixed(3), sklearn_time_s: +py.time_s.toFixed(3), inertia: +ours.inertia.toFixed(4), sklearn_inertia: +py.inertia.toFixed(4), peak_rss_mib: peakRssMiB() });
  ratios[`time_vs_sklearn@${n}x${dims}`] = time / py.time_s;
  ratios[`inertia_vs_sklearn@${n}x${dims}`] = ours.inertia / py.inertia;
}
// The k search, on points shaped like the clustering space (5-d, 20 blobs): all points vs samples.
const searchN = QUICK ? 3000 : 10_000;
const rng = seedrandom('ksearch');
const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
const centres = Array.from({ length: 20 }, () => Float64Array.from({ length: 5 }, () => rng() * 20 - 10));
const truth = Array.from({ length: searchN }, (_, i) => i % 20);
const blobs = truth.map((t) => Float64Array.from(centres[t]!, (x) => x + gauss()));
const search: Record<string, { time: number; k: number; nmi: number }> = {};
for (const sample of [0, 4000, 2000]) {
  const t = performance.now();
  const c = await new KMeansClusterer({ searchSample: sample }).cluster(blobs, { seed: 42, ids: blobs.map((_, i) => String(i)) });
  const time = seconds(t);
  const nmi = agreement(truth, c.assignments).nmi;
  search[sample] = { time, k: c.k, nmi };
  rows.push({ n: searchN, dims: 5, k: `auto (${c.k})`, k_search: sample ? `on ${sample} sampled points` : 'on every point', time_s: +time.toFixed(2), nmi_vs_true_k: +nmi.toFixed(3) });
}
ratios[`k_search_sampled4000_speedup@${searchN}`] = search[0]!.time / search[4000]!.time;
ratios[`k_search_sampled4000_nmi_vs_full@${searchN}`] = search[4000]!.nmi / search[0]!.nmi;

await saveResult('kmeans', rows, ratios, [
  'k search rows: silhouette over k = 4 … 30 with 3 starts per candidate, then 10 starts at the chosen k on every point; NMI against the 20 Gaussian blobs (unit variance, centres uniform in [-10, 10]^5) the points were drawn from',
  'both: k-means++ init, 10 restarts (n_init=10), max 300 iterations, tol 1e-6, best inertia kept',
  'paper-atlas clusters 5-d UMAP coordinates by default, so the 5-d rows are the ones that matter for builds',
  'scikit-learn runs its Lloyd loop in multithreaded Cython/BLAS; ml-kmeans is single-threaded JavaScript',
]);
