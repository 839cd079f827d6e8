/**
 * k-means: paper-atlas's typed-array Lloyd with Hamerly's bounds (the default) and ml-kmeans (the
 * `algorithm: 'ml-kmeans'` option), both as paper-atlas runs them (k-means++, 10 restarts), beside
 * scikit-learn KMeans on the same vectors; and the automatic k search on every point vs on an evenly spread sample
 * (`searchSample`): time, the k it picks, and agreement (NMI) with the blobs the points came from.
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { bestKMeans, DEFAULT_KMEANS_OPTIONS, defaultKRange, KMeansClusterer, silhouette } from '../src/cluster/kmeans.js';
import { agreement } from '../src/cluster/metrics.js';
import type { ClusterContext, Clusterer } from '../src/cluster/clusterer.js';
import { Atlas } from '../src/index.js';
import seedrandom from 'seedrandom';
import { checkSets, peakRssMiB, peer, QUICK, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const cases = QUICK
  ? [{ n: 1000, dims: 5, k: 20 }]
  : [
      { n: 1000, dims: 5, k: 20 },
      { n: 10_000, dims: 5, k: 30 },
      { n: 1000, dims: 384, k: 20 },
      { n: 10_000, dims: 384, k: 30 },
    ];
const dir = await mkdtemp(join(tmpdir(), 'bench-kmeans-'));
// Both JavaScript implementations compiled and optimised before anything is timed (as umap-learn is
// timed after its numba warm-up): otherwise whichever runs first pays for V8's JIT.
{
  const warm = syntheticVectors(2000, 5, 'kmeans-warm-up', 10).map((v) => Array.from(v));
  for (const algorithm of ['hamerly', 'ml-kmeans'] as const) bestKMeans(warm, 10, 1, { ...DEFAULT_KMEANS_OPTIONS, algorithm, restarts: 3 });
}
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
for (const { n, dims, k } of cases) {
  const vectors = syntheticVectors(n, dims, `kmeans-${n}-${dims}`, k);
  const data = vectors.map((v) => Array.from(v));
  let t = performance.now();
  const ours = bestKMeans(data, k, 42, DEFAULT_KMEANS_OPTIONS);
  const time = seconds(t);
  t = performance.now();
  const ml = bestKMeans(data, k, 42, { ...DEFAULT_KMEANS_OPTIONS, algorithm: 'ml-kmeans' });
  const mlTime = seconds(t);
  const file = join(dir, `v${n}-${dims}.f32`);
  await writeVectors(file, vectors);
  const py = await peer<{ time_s: number; inertia: number }>('kmeans', [file, dims, k, 42]);
  rows.push({
    n,
    dims,
    k,
    time_s: +time.toFixed(3),
    mlkmeans_time_s: +mlTime.toFixed(3),
    sklearn_time_s: +py.time_s.toFixed(3),
    inertia: +ours.inertia.toFixed(4),
    mlkmeans_inertia: +ml.inertia.toFixed(4),
    sklearn_inertia: +py.inertia.toFixed(4),
    peak_rss_mib: peakRssMiB(),
  });
  ratios[`time_vs_sklearn@${n}x${dims}`] = time / py.time_s;
  ratios[`time_vs_mlkmeans@${n}x${dims}`] = time / mlTime;
  ratios[`inertia_vs_sklearn@${n}x${dims}`] = ours.inertia / py.inertia;
  ratios[`inertia_vs_mlkmeans@${n}x${dims}`] = ours.inertia / ml.inertia;
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
const searches = [
  ['coarse to fine, every point (default)', {}],
  ['coarse to fine, every point, ml-kmeans', { algorithm: 'ml-kmeans' }],
  ['coarse to fine, 4000 sampled points', { searchSample: 4000 }],
] as const;
for (const [name, opts] of searches) {
  const t = performance.now();
  const c = await new KMeansClusterer(opts).cluster(blobs, { seed: 42, ids: blobs.map((_, i) => String(i)) });
  record(name, seconds(t), c.k, c.assignments);
}
ratios[`k_search_coarse_to_fine_speedup@${searchN}`] = search['every k, every point']!.time / search['coarse to fine, every point (default)']!.time;
ratios[`k_search_coarse_to_fine_nmi_vs_every_k@${searchN}`] = search['coarse to fine, every point (default)']!.nmi / search['every k, every point']!.nmi;
ratios[`k_search_vs_mlkmeans@${searchN}`] = search['coarse to fine, every point (default)']!.time / search['coarse to fine, every point, ml-kmeans']!.time;
ratios[`k_search_nmi_vs_mlkmeans@${searchN}`] = search['coarse to fine, every point (default)']!.nmi / search['coarse to fine, every point, ml-kmeans']!.nmi;
ratios[`k_search_sampled4000_nmi_vs_every_k@${searchN}`] = search['coarse to fine, 4000 sampled points']!.nmi / search['every k, every point']!.nmi;

// The check sets: both algorithms on the 5-d space a default build clusters, k auto, five seeds.
if (!QUICK) {
  const algorithms = ['hamerly', 'ml-kmeans'] as const;
  const totals = { hamerly: { time: 0, nmi: 0 }, 'ml-kmeans': { time: 0, nmi: 0 } };
  let runs = 0;
  for (const set of await checkSets()) {
    // A clusterer that keeps the points the build hands it (the reducer's 5-d coordinates).
    let space: ArrayLike<number>[] = [];
    let ids: readonly string[] = [];
    const keep: Clusterer = {
      id: 'keep',
      options: {},
      cluster: (points: readonly ArrayLike<number>[], ctx: ClusterContext) => {
        space = [...points];
        ids = ctx.ids;
        return new KMeansClusterer().cluster(points, ctx);
      },
    };
    await Atlas.build(await set.corpus(), { seed: 42, clusterer: keep, onWarning: () => undefined });
    const labelled = ids.flatMap((id, i) => (set.labels.has(id) ? [i] : []));
    for (const seed of [1, 2, 3, 4, 5]) {
      const row: Record<string, unknown> = { check_set: set.name, n: space.length, dims: space[0]!.length, seed };
      for (const algorithm of algorithms) {
        const t = performance.now();
        const c = await new KMeansClusterer({ algorithm }).cluster(space, { seed, ids });
        const time = seconds(t);
        const nmi = agreement(
          labelled.map((i) => set.labels.get(ids[i]!)!),
          labelled.map((i) => c.assignments[i]!),
        ).nmi;
        Object.assign(row, { [`${algorithm}_k`]: c.k, [`${algorithm}_time_s`]: +time.toFixed(2), [`${algorithm}_nmi`]: +nmi.toFixed(4) });
        totals[algorithm].time += time;
        totals[algorithm].nmi += nmi;
      }
      rows.push(row);
      runs++;
    }
  }
  ratios['checksets_k_search_time_vs_mlkmeans'] = totals.hamerly.time / totals['ml-kmeans'].time;
  ratios['checksets_mean_nmi_hamerly'] = totals.hamerly.nmi / runs;
  ratios['checksets_mean_nmi_mlkmeans'] = totals['ml-kmeans'].nmi / runs;
}

await saveResult('kmeans', rows, ratios, [
  'check-set rows: each check set built once (seed 42); the k search (k auto) then rerun with each algorithm on the 5-d coordinates the build clustered, seeds 1-5; NMI against the labelled papers',
  'k search rows: silhouette over k = 4 … 30 (every k, or coarse to fine: every 4th then ±3 around the best) with 3 starts per candidate, then 10 starts at the chosen k on every point; NMI against the 20 Gaussian blobs (unit variance, centres uniform in [-10, 10]^5) the points were drawn from',
  'all three: k-means++ init, 10 restarts (n_init=10), max 300 iterations, tol 1e-6, best inertia kept',
  'paper-atlas clusters 5-d UMAP coordinates by default, so the 5-d rows are the ones that matter for builds',
  'scikit-learn runs its Lloyd loop in multithreaded Cython/BLAS; paper-atlas (Hamerly bounds over Float64Array) and ml-kmeans (number[][] and a distance callback) are single-threaded JavaScript',
  'tolerance: scikit-learn and hamerly stop when the squared centroid shift is ≤ tol × the mean per-dimension variance; ml-kmeans when every centroid moves less than tol',
]);
