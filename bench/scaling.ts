/**
 * Scaling: time and peak memory of each stage at growing n (1k to 20k) (each n in its own process, so peak RSS
 * is that n's), on clustered synthetic 384-d vectors; a log-log slope per stage, extrapolated to 100k.
 * Embedding is linear by construction (one text per model call): its line uses the measured rate.
 */
import { KMeansClusterer } from '../src/cluster/kmeans.js';
import { DEFAULT_LAYOUT_OPTIONS, DEFAULT_REDUCER_OPTIONS, UmapReducer } from '../src/reduce/umap.js';
import { DEFAULT_HNSW_OPTIONS, HnswStore } from '../src/store/hnsw.js';
import { inChild, peakRssMiB, QUICK, saveResult, seconds, syntheticVectors } from './lib.js';

const child = process.argv.indexOf('--child');
if (child !== -1) {
  const n = Number(process.argv[child + 1]);
  const vectors = syntheticVectors(n, 384, `scaling-${n}`);
  const out: Record<string, number> = { n };
  let t = performance.now();
  await HnswStore.build(vectors, 384, DEFAULT_HNSW_OPTIONS, 42);
  out.index_s = seconds(t);
  // The stages as the pipeline runs them: 2-d map, 5-d clustering space (both "layout" here), k search.
  t = performance.now();
  await new UmapReducer({}, DEFAULT_LAYOUT_OPTIONS).fit(vectors, { seed: 42 });
  const space = await new UmapReducer({}, DEFAULT_REDUCER_OPTIONS, 'reducer').fit(vectors, { seed: 42 });
  out.layout_s = seconds(t);
  t = performance.now();
  await new KMeansClusterer().cluster(space.coords, { seed: 42, ids: vectors.map((_, i) => String(i)) });
  out.cluster_s = seconds(t);
  out.peak_rss_mib = peakRssMiB();
  for (const k of Object.keys(out)) if (k.endsWith('_s')) out[k] = +out[k]!.toFixed(2);
  console.log(JSON.stringify(out));
  process.exit(0);
}

const sizes = QUICK ? [500, 1000] : [1000, 2000, 5000, 10_000, 20_000];
const rows: Record<string, number>[] = [];
for (const n of sizes) {
  rows.push(await inChild<Record<string, number>>('scaling', [n], { timeout: 3_600_000 }));
  console.error(JSON.stringify(rows[rows.length - 1]));
}
/** Least-squares slope of log(y) on log(x): 1 is linear, 2 quadratic. */
function slope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map((y) => Math.log(Math.max(y, 1e-6)));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((x, i) => {
    num += (x - mx) * (ly[i]! - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}
const ns = rows.map((r) => r.n!);
const ratios: Record<string, number> = {};
const notes: string[] = [];
const last = rows[rows.length - 1]!;
for (const key of ['index_s', 'layout_s', 'cluster_s', 'peak_rss_mib']) {
  const s = slope(
    ns,
    rows.map((r) => r[key] ?? 0),
  );
  ratios[`slope_${key}`] = s;
  const at100k = (last[key] ?? 0) * (100_000 / last.n!) ** s;
  notes.push(`${key}: grows as n^${s.toFixed(2)}; extrapolated to 100k: ${key === 'peak_rss_mib' ? `${Math.round(at100k)} MiB` : `${Math.round(at100k)} s`}`);
}
notes.push(
  'embedding: linear (one model call per text); at the bench/embed.ts rate of ~23 papers/s, 100k abstracts take ~75 min once, then come from the cache',
);
await saveResult('scaling', rows, ratios, notes);
