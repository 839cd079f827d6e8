/**
 * The map layout against the themes: trustworthiness of the 2-D map (k = 10, against the
 * embeddings) and the 2-D silhouette of the themes, for layouts whose papers are moved towards
 * their theme's centre by increasing weight (`layout.themeWeight`), on the bundled corpus and the MEDLINE check set (real
 * model) and on 10k synthetic vectors in 50 blobs. The same themes in every row (same seed,
 * reducer and k-means).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Atlas, Corpus, loadBundledCorpus, readCorpus, type Embedder } from '../src/index.js';
import { peer, QUICK, ROOT, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const WEIGHTS = [0, 0.2, 0.35, 0.5];

async function measure(name: string, corpus: Corpus, embedder?: Embedder): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const layouts: Float32Array[] = [];
  let labels: Int32Array | undefined;
  let vectors: Float32Array[] = [];
  for (const w of WEIGHTS) {
    const t = performance.now();
    const atlas = await Atlas.build(corpus, {
      seed: 42,
      layout: { themeWeight: w },
      onWarning: () => undefined,
      ...(embedder ? { embedder, cache: false as const } : {}),
    });
    const time = seconds(t);
    const map = await atlas.map({ why: false });
    layouts.push(Float32Array.from(map.points.flatMap((p) => [p.x, p.y])));
    labels ??= Int32Array.from(map.points.map((p) => p.theme));
    vectors = atlas.papers.map((p) => atlas.vectorOf(p.id));
    rows.push({ corpus: name, n: atlas.papers.length, k: atlas.themes.length, theme_weight: w, build_s: +time.toFixed(2) });
    await atlas.dispose();
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-layout-'));
  await writeVectors(join(dir, 'v.f32'), vectors);
  const all = new Float32Array(layouts.reduce((s, l) => s + l.length, 0));
  layouts.reduce((at, l) => (all.set(l, at), at + l.length), 0);
  await writeFile(join(dir, 'layouts.f32'), new Uint8Array(all.buffer));
  await writeFile(join(dir, 'labels.i32'), new Uint8Array(labels!.buffer));
  const scores = await peer<{ trust: number; silhouette: number }[]>('trust', [
    join(dir, 'v.f32'),
    vectors[0]!.length,
    join(dir, 'layouts.f32'),
    join(dir, 'labels.i32'),
  ]);
  return rows.map((r, i) => ({ ...r, trust: +scores[i]!.trust.toFixed(4), theme_silhouette_2d: +scores[i]!.silhouette.toFixed(4) }));
}

/** n papers whose embeddings are given: blobs of synthetic vectors (as in e2e.ts). */
function cached(n: number): { corpus: Corpus; embedder: Embedder } {
  const vectors = syntheticVectors(n, 384, `layout-${n}`, 50);
  const corpus = Corpus.from(vectors.map((_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: `synthetic abstract number ${i} about topic ${i % 50}` })));
  const byText = new Map(corpus.papers.map((p, i) => [Corpus.textOf(p), vectors[i]!]));
  const other = vectors[0]!;
  return { corpus, embedder: { id: 'cached-synthetic-384', dims: 384, embed: async (texts) => texts.map((t) => byText.get(t) ?? other) } };
}

const rows = await measure('bundled', await loadBundledCorpus());
if (!QUICK) rows.push(...(await measure('medline-1977-mesh', await readCorpus(join(ROOT, 'fixtures/checkset/medline-1977-mesh.jsonl')))));
const big = cached(QUICK ? 2000 : 10_000);
rows.push(...(await measure('synthetic blobs', big.corpus, big.embedder)));
const ratios: Record<string, number> = {};
for (const r of rows) {
  const base = rows.find((b) => b.corpus === r.corpus && b.theme_weight === 0)!;
  if (r.theme_weight === 0) continue;
  ratios[`${r.corpus}_trust_change@${r.theme_weight}`] = Number(r.trust) - Number(base.trust);
  ratios[`${r.corpus}_silhouette_change@${r.theme_weight}`] = Number(r.theme_silhouette_2d) - Number(base.theme_silhouette_2d);
}
await saveResult('layout', rows, ratios, [
  'trust: scikit-learn trustworthiness(n_neighbors=10) of the 2-d map against the embeddings; theme_silhouette_2d: silhouette of the theme assignment in the 2-d map',
  "theme_weight: the share of the way each paper moves towards its theme's median point after the layout (0: UMAP as it is); supervised UMAP (umap-js categorical targets) was tried first and collapsed every theme into a dot at any weight",
  'ratios here are differences (after − before), not quotients',
]);
