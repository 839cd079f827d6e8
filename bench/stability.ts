/**
 * Themes that last (issue 24), on every check set (fixtures/checkset; `--quick`: the bundled corpus):
 * - a growing library: built (seed 42) on 90% of the papers (every tenth held out), the user renames
 *   the largest theme and merges the two smallest, then the other 10% arrive through
 *   `atlas.update(…, { refit: 'always' })`. Measured: the share of the first papers that keep their
 *   theme id where their theme was kept, the share over all first papers, whether the rename and the
 *   merge survive, the median distance the first papers move on the map over its width, and what
 *   `refit: 'auto'` would have decided from the drift of those 10%;
 * - the same library built with seeds 1-5: mean pairwise ARI of the theme partitions, the chosen k's
 *   spread about its median, and NMI against the check set's labels (seed 42 is quality.json's).
 */
import { agreement, Atlas, Corpus, DRIFT_RULE, type TopicMap } from '../src/index.js';
import { checkSets, saveResult, seconds } from './lib.js';

const SEEDS = [1, 2, 3, 4, 5];
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
const quiet = { onWarning: () => undefined };

function medianShift(a: TopicMap, b: TopicMap): number {
  const at = new Map(b.points.map((p) => [p.id, p]));
  const d = a.points.map((p) => Math.hypot(p.x - at.get(p.id)!.x, p.y - at.get(p.id)!.y)).sort((x, y) => x - y);
  const xs = a.points.map((p) => p.x);
  return d[d.length >> 1]! / (Math.max(...xs) - Math.min(...xs));
}

for (const set of await checkSets()) {
  const corpus = await set.corpus();
  const first = corpus.papers.filter((_, i) => i % 10 !== 9);
  const later = corpus.papers.filter((_, i) => i % 10 === 9);

  // A growing library.
  let t = performance.now();
  const atlas = await Atlas.build(Corpus.from(first, { source: `${set.name} (90%)` }), { seed: 42, ...quiet });
  const buildS = seconds(t);
  const bySize = [...atlas.themes].sort((a, b) => b.size - a.size || a.id - b.id);
  const renamed = await atlas.renameTheme(bySize[0]!.id, 'renamed by the user');
  const merged = await atlas.mergeThemes([bySize.at(-1)!.id, bySize.at(-2)!.id], { label: 'merged by the user' });
  const before = atlas.themes;
  const mapBefore = await atlas.map({ relatedPerPaper: 0 });
  t = performance.now();
  const report = await atlas.update(later, { refit: 'always' });
  const updateS = seconds(t);
  const changes = report.changes!;
  const keptFrom = new Set(changes.kept.map((k) => k.from));
  const staying = before.filter((th) => keptFrom.has(th.id)).flatMap((th) => th.paperIds.map((id) => [id, th.id] as const));
  const keptShare = staying.filter(([id, th]) => atlas.themeOf(id).id === th).length / staying.length;
  const renameSurvives = keptFrom.has(renamed.id) ? atlas.themes[renamed.id]?.label === 'renamed by the user' : 'theme not kept';
  const mergeSurvives = keptFrom.has(merged.id) ? atlas.themes.some((th) => th.label === 'merged by the user' && th.edited?.merged) : 'theme not kept';
  const shift = medianShift(mapBefore, await atlas.map({ relatedPerPaper: 0 }));
  const labelled = corpus.papers.filter((p) => set.labels.has(p.id));
  const nmiOf = (a: Atlas): number =>
    agreement(
      labelled.map((p) => set.labels.get(p.id)!),
      labelled.map((p) => a.themeOf(p.id).id),
    ).nmi;
  const nmiUpdated = nmiOf(atlas);
  await atlas.dispose();
  // The same library built at once (seed 42), for the themes' quality.
  const whole = await Atlas.build(corpus, { seed: 42, ...quiet });
  const nmiWhole = nmiOf(whole);
  await whole.dispose();

  // The same library at five seeds.
  const partitions: number[][] = [];
  const ks: number[] = [];
  const nmis: number[] = [];
  let seedS = 0;
  for (const seed of SEEDS) {
    t = performance.now();
    const a = await Atlas.build(corpus, { seed, ...quiet });
    seedS += seconds(t);
    partitions.push(corpus.papers.map((p) => a.themeOf(p.id).id));
    ks.push(a.themes.length);
    nmis.push(nmiOf(a));
    await a.dispose();
  }
  const aris: number[] = [];
  for (let i = 0; i < partitions.length; i++) for (let j = 0; j < i; j++) aris.push(agreement(partitions[i]!, partitions[j]!).ari);
  const sortedK = [...ks].sort((a, b) => a - b);
  const medianK = sortedK[sortedK.length >> 1]!;
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const row = {
    set: set.name,
    papers: corpus.papers.length,
    added: later.length,
    build_s: +buildS.toFixed(1),
    update_refit_s: +updateS.toFixed(1),
    themes_before: before.length,
    themes_after: changes.kept.length + changes.born.length,
    kept: changes.kept.length,
    born: changes.born.length,
    dissolved: changes.dissolved.length,
    split: changes.split.length,
    merged: changes.merged.length,
    keep_id_where_kept: +keptShare.toFixed(3),
    keep_id_all: changes.stayed,
    rename_survives: renameSurvives,
    merge_survives: mergeSurvives,
    median_shift_of_width: +shift.toFixed(4),
    nmi_after_update: +nmiUpdated.toFixed(3),
    nmi_built_at_once: +nmiWhole.toFixed(3),
    auto_would_refit:
      report.drift.far >= DRIFT_RULE.minFar && report.drift.farShare >= DRIFT_RULE.farShare
        ? 'yes (far)'
        : report.drift.growth >= DRIFT_RULE.growth
          ? 'yes (growth)'
          : 'no',
    drift_far_share: +report.drift.farShare.toFixed(3),
    seeds: SEEDS.join(','),
    seed_k: ks.join(','),
    seed_k_spread: Math.max(...ks.map((k) => Math.abs(k - medianK))),
    seed_mean_pairwise_ari: +mean(aris).toFixed(3),
    seed_min_pairwise_ari: +Math.min(...aris).toFixed(3),
    seed_mean_nmi: +mean(nmis).toFixed(3),
    seed_nmi_range: `${Math.min(...nmis).toFixed(3)}-${Math.max(...nmis).toFixed(3)}`,
    seed_build_s: +(seedS / SEEDS.length).toFixed(1),
  };
  rows.push(row);
  console.error(JSON.stringify(row));
  ratios[`${set.name}: first papers keeping their theme id where it was kept`] = row.keep_id_where_kept;
  ratios[`${set.name}: median shift / map width`] = row.median_shift_of_width;
  ratios[`${set.name}: NMI after the update - built at once`] = row.nmi_after_update - row.nmi_built_at_once;
  ratios[`${set.name}: mean pairwise ARI over seeds`] = row.seed_mean_pairwise_ari;
}

await saveResult('stability', rows, ratios, [
  'growing library: built with seed 42 on 90% of the papers (every tenth held out), largest theme renamed and two smallest merged by hand, then the other 10% added by atlas.update(…, { refit: "always" })',
  'keep_id_where_kept: first papers whose theme before was kept (matched, Jaccard ≥ MIN_MATCH) and that are in the theme of that id after; keep_id_all: over every first paper',
  'median_shift_of_width: median distance the first papers moved on the map, over the width of the map before',
  'nmi_after_update: the themes after the update against the check set labels; nmi_built_at_once: the whole set built with seed 42 (as in quality.json)',
  `auto_would_refit: what refit: 'auto' decides from the drift of the 10% added (DRIFT_RULE ${JSON.stringify(DRIFT_RULE)})`,
  `seeds: the whole check set built with seeds ${SEEDS.join(', ')}; pairwise ARI over all papers; k spread: largest distance of a seed's k from the median k`,
]);
