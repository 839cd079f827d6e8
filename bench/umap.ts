/** UMAP: umap-js (as paper-atlas runs it) beside umap-learn at 1k/5k/10k × 384, time and trustworthiness of both layouts. */
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DEFAULT_LAYOUT_OPTIONS, UmapReducer } from '../src/reduce/umap.js';
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
  const file = join(dir, `v${n}.f32`);
  const layout = join(dir, `ours${n}.f32`);
  await writeVectors(file, vectors);
  await writeFile(layout, new Uint8Array(Float32Array.from(coords.flatMap((c) => Array.from(c))).buffer));
  const py = await peer<{ time_s: number; trust_peer: number; trust_paper_atlas: number }>('umap', [file, 384, 42, layout, join(dir, `py${n}.f32`)]);
  rows.push({ n, time_s: +time.toFixed(2), umap_learn_s: +py.time_s.toFixed(2), trust: +py.trust_paper_atlas.toFixed(4), umap_learn_trust: +py.trust_peer.toFixed(4), peak_rss_mib: peakRssMiB() });
  ratios[`time_vs_umap_learn@${n}`] = time / py.time_s;
  ratios[`trustworthiness_vs_umap_learn@${n}`] = py.trust_paper_atlas / py.trust_peer;
}
await saveResult('umap', rows, ratios, [
  'both: 2 components, 15 neighbours, min_dist 0.1, euclidean on unit vectors (= cosine ranking), seeded',
  'trustworthiness: scikit-learn trustworthiness(n_neighbors=10) of each layout against the 384-d vectors',
  'umap-learn time excludes its numba JIT warm-up only if already cached; the first run in a fresh venv is slower',
]);
