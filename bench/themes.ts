/**
 * Themes on the bundled corpus against the hand-labelled check set (NMI/ARI): paper-atlas's
 * k-means in UMAP space (the default) and on raw embeddings, beside BERTopic fed the same vectors.
 */
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Atlas, agreement, Corpus, IdentityReducer, loadBundledCorpus } from '../src/index.js';
import check from '../fixtures/checkset/regularized-optimization.themes.json';
import { peakRssMiB, peer, saveResult, seconds, writeVectors } from './lib.js';

const corpus = await loadBundledCorpus();
const checkIds = Object.entries(check.themes).flatMap(([name, ids]) => ids.map((id) => ({ id, name })));
const truth = checkIds.map((c) => c.name);
const score = (themeOf: (id: string) => number | string): { nmi: number; ari: number } => {
  const a = agreement(
    truth,
    checkIds.map((c) => themeOf(c.id)),
  );
  return { nmi: +a.nmi.toFixed(4), ari: +a.ari.toFixed(4) };
};

const rows: Record<string, unknown>[] = [];
const atlas = await Atlas.build(corpus, { seed: 42, onWarning: () => undefined });
const variants: [string, Parameters<Atlas['refit']>[0]][] = [
  ['paper-atlas umap space, k auto (default)', { reducer: {}, clusterer: { k: 'auto' } }],
  ['paper-atlas embedding space, k auto', { reducer: new IdentityReducer(), clusterer: { k: 'auto' } }],
  ['paper-atlas embedding space, k = default k', { reducer: new IdentityReducer(), clusterer: { k: atlas.kSelection.k } }],
];
let defaultTime = 0;
for (const [name, opts] of variants) {
  const t = performance.now();
  await atlas.refit(opts);
  const time = seconds(t);
  if (!rows.length) defaultTime = time;
  const s = score((id) => atlas.themeOf(id).id);
  rows.push({ method: name, themes: atlas.themes.length, time_s: +time.toFixed(2), outlier_share: 0, ...s, peak_rss_mib: peakRssMiB() });
}

const dir = await mkdtemp(join(tmpdir(), 'bench-themes-'));
const vectors = join(dir, 'v.f32');
await writeVectors(
  vectors,
  corpus.papers.map((p) => atlas.vectorOf(p.id)),
);
await writeFile(join(dir, 'docs.json'), JSON.stringify(corpus.papers.map(Corpus.textOf)));
const bt = await peer<{ time_s: number; topics: number[]; n_topics: number; outlier_share: number; pipeline: string; peak_rss_mib: number }>('bertopic', [
  vectors,
  384,
  join(dir, 'docs.json'),
  42,
]);
const topicOf = new Map(corpus.papers.map((p, i) => [p.id, bt.topics[i]!]));
// Outliers (-1) count as one more group, as they are one more bucket a reader has to look through.
const bScore = score((id) => topicOf.get(id)!);
const inliers = checkIds.filter((c) => topicOf.get(c.id) !== -1);
const inlierScore = agreement(
  inliers.map((c) => c.name),
  inliers.map((c) => topicOf.get(c.id)!),
);
rows.push({
  method: `BERTopic (${bt.pipeline})`,
  themes: bt.n_topics,
  time_s: +bt.time_s.toFixed(2),
  outlier_share: +bt.outlier_share.toFixed(3),
  ...bScore,
  nmi_inliers_only: +inlierScore.nmi.toFixed(4),
  peak_rss_mib: bt.peak_rss_mib,
});
await saveResult(
  'themes',
  rows,
  {
    nmi_vs_bertopic: (rows[0]!.nmi as number) / bScore.nmi,
    ari_vs_bertopic: (rows[0]!.ari as number) / bScore.ari,
    time_vs_bertopic: defaultTime / bt.time_s,
  },
  [
    `check set: ${checkIds.length} papers in ${Object.keys(check.themes).length} hand-labelled themes (fixtures/checkset)`,
    'same all-MiniLM-L6-v2 vectors for every method; BERTopic gets them through fit_transform(docs, embeddings)',
    'paper-atlas time covers index + 2-d layout + 5-d UMAP + k search + labels; BERTopic: UMAP + HDBSCAN + c-TF-IDF',
    'BERTopic outliers (topic -1) count as one group in nmi/ari; nmi_inliers_only drops them',
  ],
);
