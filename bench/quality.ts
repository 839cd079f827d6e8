/**
 * Quality on every check set in fixtures/checkset (see its README): a `<name>.themes.json`
 * ({ "themes": { "<label>": [paper ids] } }) beside a `<name>.jsonl` corpus (the bundled corpus for
 * `regularized-optimization`), plus any such pair in the directories of $PAPER_ATLAS_CHECKSETS
 * (colon-separated). For each set, on the same vectors:
 * - related papers: P@5 / P@10 of `atlas.related` (same label, among labelled papers), in the
 *   default hybrid order and in plain cosine order;
 * - themes: NMI / ARI against the labels, the chosen k beside the true count; plain k-means on the
 *   embeddings at the same k; BERTopic with its outliers counted as a group and reassigned to the
 *   nearest topic centroid; and a ceiling: k-means in the embedding space started from the labels;
 * - labels: coverage (size-weighted share of a theme's papers using its label, either part of
 *   "a / b"), the lowest theme's coverage, distinctness (share of the other papers not using it);
 *   BERTopic's the same way, its label being its two top words;
 * - naming accuracy (`namingAccuracy` in lib.ts): is the category name nearest a theme's label (and,
 *   apart, its top three keywords), by the atlas's own model, the category most of its papers have?
 * `--quick`: the bundled corpus only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agreement, Atlas, Corpus, IdentityReducer, type RankMode, TransformersEmbedder } from '../src/index.js';
import { DEFAULT_KMEANS_OPTIONS } from '../src/cluster/kmeans.js';
import { lloydFrom, packF64 } from '../src/cluster/lloyd.js';
import { phrases } from '../src/corpus/terms.js';
import { dot } from '../src/vector.js';
import { checkSets, namingAccuracy, peer, saveResult, seconds, writeVectors } from './lib.js';

/** Size-weighted coverage, lowest coverage and distinctness of labels given as phrase lists per group. */
function labelScores(groups: { members: string[]; parts: string[] }[], texts: Map<string, Set<string>>): { coverage: number; min: number; distinct: number } {
  const all = [...texts.keys()];
  let coverage = 0;
  let distinct = 0;
  let min = 1;
  let n = 0;
  for (const g of groups) {
    const uses = (id: string): boolean => g.parts.some((p) => texts.get(id)!.has(p));
    const members = new Set(g.members);
    const c = g.members.filter(uses).length / g.members.length;
    const others = all.filter((id) => !members.has(id));
    coverage += c * g.members.length;
    distinct += (1 - others.filter(uses).length / Math.max(1, others.length)) * g.members.length;
    min = Math.min(min, c);
    n += g.members.length;
  }
  return { coverage: coverage / n, min, distinct: distinct / n };
}

const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
// The atlases' own model (the default), to embed labels and category names.
const embedder = await TransformersEmbedder.create();
for (const set of await checkSets()) {
  const corpus = await set.corpus();
  let t = performance.now();
  const atlas = await Atlas.build(corpus, { seed: 42, onWarning: () => undefined });
  const buildS = seconds(t);
  const labelled = atlas.papers.filter((p) => set.labels.has(p.id));
  const unlabelled = atlas.papers.filter((p) => !set.labels.has(p.id)).map((p) => p.id);
  const truth = labelled.map((p) => set.labels.get(p.id)!);
  const trueK = new Set(truth).size;
  // Related papers as `related` returns them, unlabelled papers left out.
  const precision = async (rank: RankMode): Promise<[number, number]> => {
    let p5 = 0;
    let p10 = 0;
    for (const p of labelled) {
      const near = await atlas.related(p.id, { k: 10, rank, exclude: unlabelled });
      const same = near.map((n) => set.labels.get(n.paper.id) === set.labels.get(p.id));
      p5 += same.slice(0, 5).filter(Boolean).length / 5;
      p10 += same.filter(Boolean).length / 10;
    }
    return [p5 / labelled.length, p10 / labelled.length];
  };
  t = performance.now();
  const [h5, h10] = await precision('hybrid');
  const hybridMs = (1000 * seconds(t)) / labelled.length;
  const [c5, c10] = await precision('cosine');
  const themes = agreement(
    truth,
    labelled.map((p) => atlas.themeOf(p.id).id),
  );
  const texts = new Map(atlas.papers.map((p) => [p.id, new Set(phrases(Corpus.textOf(p)))]));
  const ours = labelScores(
    atlas.themes.map((th) => ({ members: [...th.paperIds], parts: th.label.split(' / ') })),
    texts,
  );
  const naming = await namingAccuracy(atlas.themes, set.labels, embedder);
  const sel = atlas.kSelection;
  const k = sel.k;
  const edge = sel.scores.length > 0 && (k === sel.scores[0]!.k || k === sel.scores.at(-1)!.k);
  const themeLabels = atlas.themes.map((th) => th.label);
  // What a centroid partition of these vectors can reach at best: Lloyd in the embedding space
  // started from the labels themselves (labelled papers only), run to convergence.
  const labelIds = [...new Set(truth)];
  const fromLabels = lloydFrom(
    packF64(labelled.map((p) => atlas.vectorOf(p.id))),
    truth.map((l) => labelIds.indexOf(l)),
    labelIds.length,
    DEFAULT_KMEANS_OPTIONS,
  );
  const ceiling = agreement(truth, Array.from(fromLabels.assignments));
  await atlas.refit({ reducer: new IdentityReducer(), clusterer: { k, refine: false } });
  const plain = agreement(
    truth,
    labelled.map((p) => atlas.themeOf(p.id).id),
  );
  // BERTopic on the same vectors.
  const dir = await mkdtemp(join(tmpdir(), 'bench-quality-'));
  const ids = atlas.papers.map((p) => p.id);
  const all = ids.map((id) => atlas.vectorOf(id));
  await writeVectors(join(dir, 'v.f32'), all);
  await writeFile(join(dir, 'docs.json'), JSON.stringify(atlas.papers.map(Corpus.textOf)));
  const bt = await peer<{ topics: number[]; n_topics: number; outlier_share: number; words: Record<string, string[]>; time_s: number }>('bertopic', [
    join(dir, 'v.f32'),
    all[0]!.length,
    join(dir, 'docs.json'),
    42,
  ]);
  await rm(dir, { recursive: true, force: true });
  const topicOf = new Map(ids.map((id, i) => [id, bt.topics[i]!]));
  const centroids = new Map<number, Float32Array>();
  ids.forEach((_, i) => {
    const topic = bt.topics[i]!;
    if (topic < 0) return;
    const c = centroids.get(topic) ?? new Float32Array(all[0]!.length);
    all[i]!.forEach((x, d) => (c[d]! += x));
    centroids.set(topic, c);
  });
  const reassigned = (id: string): number => {
    const topic = topicOf.get(id)!;
    if (topic >= 0 || !centroids.size) return topic;
    const v = atlas.vectorOf(id);
    return [...centroids].map(([tp, c]) => ({ tp, s: dot(v, c) / Math.hypot(...c) })).sort((a, b) => b.s - a.s)[0]!.tp;
  };
  const btCounted = agreement(
    truth,
    labelled.map((p) => topicOf.get(p.id)!),
  );
  const btReassigned = agreement(
    truth,
    labelled.map((p) => reassigned(p.id)),
  );
  const btGroups = [...centroids.keys()].map((topic) => ({
    members: ids.filter((id) => topicOf.get(id) === topic),
    parts: (bt.words[String(topic)] ?? []).slice(0, 2),
  }));
  const theirs = btGroups.length ? labelScores(btGroups, texts) : { coverage: 0, min: 0, distinct: 0 };
  const row = {
    check_set: set.name,
    papers: atlas.papers.length,
    labelled: labelled.length,
    build_s: +buildS.toFixed(1),
    p_at_5: +h5.toFixed(3),
    p_at_10: +h10.toFixed(3),
    cosine_p_at_5: +c5.toFixed(3),
    cosine_p_at_10: +c10.toFixed(3),
    hybrid_ms_per_query: +hybridMs.toFixed(2),
    true_k: trueK,
    k,
    k_at_edge: edge ? 'yes' : 'no',
    k_method: sel.method,
    nmi: +themes.nmi.toFixed(3),
    ari: +themes.ari.toFixed(3),
    plain_kmeans_nmi: +plain.nmi.toFixed(3),
    kmeans_from_labels_nmi: +ceiling.nmi.toFixed(3),
    bertopic_nmi: +btCounted.nmi.toFixed(3),
    bertopic_reassigned_nmi: +btReassigned.nmi.toFixed(3),
    bertopic_reassigned_ari: +btReassigned.ari.toFixed(3),
    bertopic_topics: bt.n_topics,
    bertopic_outliers: +bt.outlier_share.toFixed(3),
    label_coverage: +ours.coverage.toFixed(3),
    label_coverage_min: +ours.min.toFixed(3),
    label_distinctness: +ours.distinct.toFixed(3),
    naming_accuracy: +naming.label.toFixed(3),
    keyword_naming_accuracy: +naming.keywords.toFixed(3),
    bertopic_label_coverage: +theirs.coverage.toFixed(3),
    bertopic_label_coverage_min: +theirs.min.toFixed(3),
    bertopic_label_distinctness: +theirs.distinct.toFixed(3),
    labels: themeLabels.join(' | '),
  };
  rows.push(row);
  ratios[`${set.name}: nmi - bertopic_reassigned`] = row.nmi - row.bertopic_reassigned_nmi;
  ratios[`${set.name}: nmi - plain_kmeans`] = row.nmi - row.plain_kmeans_nmi;
  ratios[`${set.name}: k / true k`] = k / trueK;
  ratios[`${set.name}: p_at_5 hybrid - cosine`] = row.p_at_5 - row.cosine_p_at_5;
  ratios[`${set.name}: naming label - keywords`] = row.naming_accuracy - row.keyword_naming_accuracy;
  await atlas.dispose();
}
await saveResult('quality', rows, ratios, [
  'check sets: fixtures/checkset (bundled hand-labelled set, MEDLINE 1977 MeSH major topics, PubMed 2021 specialty journals), plus $PAPER_ATLAS_CHECKSETS',
  "p_at_k: share of a labelled paper's k related papers (atlas.related, unlabelled papers excluded) with its label; cosine_p_at_k: the same in plain cosine order",
  'label_coverage: size-weighted share of a theme\'s papers using its label (either part of "a / b"); label_distinctness: share of other papers not using it; BERTopic\'s label: its two top words (English stop words removed)',
  "kmeans_from_labels_nmi: k-means in the embedding space started from the labels' own groups (labelled papers, true k) and run to convergence: about the best any centroid partition of these vectors reaches",
  "naming_accuracy: size-weighted share of themes whose label's nearest category name (both embedded with the atlas's model) is the category most of their labelled papers have; keyword_naming_accuracy: the same with the top three keywords as the name",
  'bertopic_nmi counts its outliers (-1) as one group; bertopic_reassigned_nmi moves each outlier to the nearest topic centroid; plain_kmeans_nmi: k-means on the embeddings at the chosen k',
]);
