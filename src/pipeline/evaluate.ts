import seedrandom from 'seedrandom';
import { checkOptionsObject, integerOption, numberOption, OptionError, optionKeys } from '../errors.js';
import { CitationGraph, linkKey } from './citations.js';
import { DEFAULT_SEED, type RankMode } from './options.js';
import { neighbors, type View } from './views.js';

/** Settings of `atlas.evaluate`. */
export interface EvaluateOptions {
  /** Share of the links between the atlas's papers hidden and then looked for. [=0.3] */
  heldOut?: number;
  /** Chooses the hidden links and the papers asked about. [=DEFAULT_SEED] */
  seed?: number;
  /** Results per paper scored. [=10] */
  k?: number;
  /** Most papers asked about (a seeded sample beyond). [=1000] */
  maxQueries?: number;
  /** Citation weights to score the hybrid order at besides the default (`citationWeight` of `related`). [=[]] */
  weights?: readonly number[];
  signal?: AbortSignal;
}

const EVALUATE_KEYS = optionKeys<EvaluateOptions>()('heldOut', 'seed', 'k', 'maxQueries', 'weights', 'signal');

/** How well one order finds the hidden links: mean recall@k and nDCG@k over the papers asked about. */
export interface RankingQuality {
  recall: number;
  ndcg: number;
}

/** What `atlas.evaluate` reports. */
export interface Evaluation {
  /** Links between two papers of the atlas. */
  links: number;
  /** Links hidden. */
  hidden: number;
  /** Papers asked about: each kept at least one link and lost at least one. */
  queries: number;
  k: number;
  /** The text order alone (`rank: 'hybrid'` without citations). */
  text: RankingQuality;
  /** The remaining links alone (`rank: 'citations'`). */
  citations: RankingQuality;
  /** Text and the remaining links (`rank: 'hybrid'`). */
  hybrid: RankingQuality;
  /** The hybrid order at each of the `weights` asked for. */
  byWeight: ({ weight: number } & RankingQuality)[];
  /** The order with the best recall: what to pass as `rank` on this library. */
  best: RankMode;
}

/**
 * A self-check that needs no labels: hides a share of the links between the atlas's papers, asks
 * for the papers related to each paper that lost one (its remaining links excluded from the
 * answers), and measures how many hidden links each order finds.
 */
export async function evaluate(v: View, opts: EvaluateOptions = {}): Promise<Evaluation> {
  checkOptionsObject('options', opts, EVALUATE_KEYS);
  const heldOut = numberOption('heldOut', opts.heldOut ?? 0.3, 0.01, 0.99);
  const seed = integerOption('seed', opts.seed ?? DEFAULT_SEED, 0, 2 ** 31 - 1);
  const k = integerOption('k', opts.k ?? 10, 1, 1000);
  const maxQueries = integerOption('maxQueries', opts.maxQueries ?? 1000, 1, 1_000_000);
  const weights = opts.weights ?? [];
  if (!Array.isArray(weights) || weights.length > 20) throw new OptionError('weights', 'must be a list of at most 20 numbers');
  weights.forEach((w, i) => numberOption(`weights[${i}]`, w, 0, 100));
  const { papers, vectors } = v.session.state;
  const links = (v.citations()?.links ?? []).filter((l) => !v.removed.has(l.from) && !v.removed.has(l.to));
  if (links.length < 2) {
    throw new OptionError('evaluate', `needs papers that cite each other: ${links.length} link${links.length === 1 ? '' : 's'} between the atlas's papers`);
  }
  const random = seedrandom(`paper-atlas:evaluate:${seed}`);
  const order = links.map((l) => ({ l, r: random() })).sort((a, b) => a.r - b.r);
  const hiddenCount = Math.max(1, Math.round(heldOut * links.length));
  const hidden = order.slice(0, hiddenCount).map(({ l }) => l);
  const reduced = CitationGraph.of(papers, new Set(hidden.map((l) => linkKey(l.from, l.to))))!;
  const lost = new Map<number, Set<number>>();
  for (const { from, to } of hidden) {
    for (const [a, b] of [
      [from, to],
      [to, from],
    ] as const) {
      const set = lost.get(a) ?? new Set<number>();
      set.add(b);
      lost.set(a, set);
    }
  }
  let queries = [...lost.keys()].filter((row) => reduced.linked(row).length > 0).sort((a, b) => a - b);
  if (queries.length > maxQueries)
    queries = queries
      .map((q) => ({ q, r: random() }))
      .sort((a, b) => a.r - b.r)
      .slice(0, maxQueries)
      .map(({ q }) => q)
      .sort((a, b) => a - b);
  const sums = { text: { recall: 0, ndcg: 0 }, citations: { recall: 0, ndcg: 0 }, hybrid: { recall: 0, ndcg: 0 } };
  const weighted = weights.map(() => ({ recall: 0, ndcg: 0 }));
  for (const row of queries) {
    opts.signal?.throwIfAborted();
    const relevant = lost.get(row)!;
    const known = reduced.linked(row).map((r) => papers[r]!.id);
    let ideal = 0;
    for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
    /** Asks for this paper's related papers in one order and adds how many hidden links they hold to `sum`. */
    const score = async (sum: RankingQuality, rank: RankMode, graph: CitationGraph | null, citationWeight?: number): Promise<void> => {
      const answer = await neighbors(
        v,
        vectors[row]!,
        { k, rank, exclude: known, ...(citationWeight === undefined ? {} : { citationWeight }) },
        { rows: [row] },
        rank,
        graph,
      );
      const hits = answer.map((n) => relevant.has(v.lookup.rowOfId(n.paper.id)!));
      sum.recall += hits.filter(Boolean).length / relevant.size;
      sum.ndcg += hits.reduce((s, hit, i) => s + (hit ? 1 / Math.log2(i + 2) : 0), 0) / ideal;
    };
    await score(sums.text, 'hybrid', null);
    await score(sums.citations, 'citations', reduced);
    await score(sums.hybrid, 'hybrid', reduced);
    for (const [i, w] of weights.entries()) await score(weighted[i]!, 'hybrid', reduced, w);
  }
  const mean = (q: RankingQuality): RankingQuality => ({ recall: q.recall / Math.max(1, queries.length), ndcg: q.ndcg / Math.max(1, queries.length) });
  const result = { text: mean(sums.text), citations: mean(sums.citations), hybrid: mean(sums.hybrid) };
  // The text order alone is the hybrid order of a library without links: `citations` only when it beats both.
  const best: RankMode = result.citations.recall > Math.max(result.hybrid.recall, result.text.recall) ? 'citations' : 'hybrid';
  const byWeight = weights.map((weight, i) => ({ weight, ...mean(weighted[i]!) }));
  return { links: links.length, hidden: hidden.length, queries: queries.length, k, ...result, byWeight, best };
}
