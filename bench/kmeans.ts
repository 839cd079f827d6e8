/**
 * k-means: ml-kmeans (as paper-atlas runs it: k-means++, 10 restarts) beside scikit-learn KMeans on
 * the same vectors; and the automatic k search on every point vs on an evenly spread sample
 * (`searchSample`): time, the k it picks, and agreement (NMI) with the blobs the points came from.
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { bestKMeans, DEFAULT_KMEANS_OPTIONS, defaultKRange, KMeansClusterer, silhouette } from '../src/cluster/kmeans.js';
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
const record = (name: string, time: number, k: number, assignments: number[]): void => {
  const nmi = agreement(truth, assignments).nmi;
  search[name] = { time, k, nmi };
  rows.push({ n: searchN, dims: 5, k: `auto (${k})`, k_search: name, time_s: +time.toFixed(2), nmi_vs_true_k: +nmi.toFixed(3) });
};
{
  // Every k in the range, as the clusterer searched before coarse-to-fine: same starts, same silhouette.
  const t = performance.now();
  const data = blobs.map((v) => Array.from(v));
  const [lo, hi] = defaultKRange(searchN);
  let best: { k: number; s: number } | undefined;
  for (let k = lo; k <= hi; k++) {
    const r = bestKMeans(data, k, 42, { ...DEFAULT_KMEANS_OPTIONS, restarts: DEFAULT_KMEANS_OPTIONS.searchRestarts });
    const sc = silhouette(data, r.assignments, k);
    if (!best || sc > best.s + 1e-9) best = { k, s: sc };
  }
  const final = bestKMeans(data, best!.k, 42, DEFAULT_KMEANS_OPTIONS);
  record('every k, every point', seconds(t), best!.k, final.assignments);
}
for (const [name, opts] of [['coarse to fine, every point (default)', {}], ['coarse to fine, 4000 sampled points', { searchSample: 4000 }]] as const) {
  const t = performance.now();
  const c = await new KMeansClusterer(opts).cluster(blobs, { seed: 42, ids: blobs.map((_, i) => String(i)) });
  record(name, seconds(t), c.k, c.assignments);
}
ratios[`k_search_coarse_to_fine_speedup@${searchN}`] = search['every k, every point']!.time / search['coarse to fine, every point (default)']!.time;
ratios[`k_search_coarse_to_fine_nmi_vs_every_k@${searchN}`] = search['coarse to fine, every point (default)']!.nmi / search['every k, every point']!.nmi;
ratios[`k_search_sampled4000_nmi_vs_every_k@${searchN}`] = search['coarse to fine, 4000 sampled points']!.nmi / search['every k, every point']!.nmi;

await saveResult('kmeans', rows, ratios, [
  'k search rows: silhouette over k = 4 … 30 (every k, or coarse to fine: every 4th then ±3 around the best) with 3 starts per candidate, then 10 starts at the chosen k on every point; NMI against the 20 Gaussian blobs (unit variance, centres uniform in [-10, 10]^5) the points were drawn from',
  'both: k-means++ init, 10 restarts (n_init=10), max 300 iterations, tol 1e-6, best inertia kept',
  'paper-atlas clusters 5-d UMAP coordinates by default, so the 5-d rows are the ones that matter for builds',
  'scikit-learn runs its Lloyd loop in multithreaded Cython/BLAS; ml-kmeans is single-threaded JavaScript',
]);
