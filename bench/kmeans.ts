/** k-means: ml-kmeans (as paper-atlas runs it: k-means++, 10 restarts) beside scikit-learn KMeans on the same vectors. */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { bestKMeans, DEFAULT_KMEANS_OPTIONS } from '../src/cluster/kmeans.js';
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
await saveResult('kmeans', rows, ratios, [
  'both: k-means++ init, 10 restarts (n_init=10), max 300 iterations, tol 1e-6, best inertia kept',
  'paper-atlas clusters 5-d UMAP coordinates by default, so the 5-d rows are the ones that matter for builds',
  'scikit-learn runs its Lloyd loop in multithreaded Cython/BLAS; ml-kmeans is single-threaded JavaScript',
]);
