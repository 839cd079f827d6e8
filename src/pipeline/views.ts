import { findOutliers } from '../cluster/outliers.js';
import type { Embedder } from '../embed/embedder.js';
import { checkOptionsObject, integerOption, OptionError } from '../errors.js';
import { buildMap, MAP_OPTION_KEYS, type MapInput, type MapOptions, type TopicMap } from '../map/map.js';
import { countOverTime, timeline, type Timeline, type TimelineOptions } from '../map/timeline.js';
import type { Neighbor, Paper } from '../types.js';
import { dot } from '../vector.js';
import { PaperLookup } from '../corpus/lookup.js';
import { Explainer, type Explanation } from './explain.js';
import { CitationGraph, citationLinks } from './citations.js';
import { HYBRID_POOL, HybridRanker } from './hybrid.js';
import { checkRelated, type RankMode, type RelatedOptions } from './options.js';
import { filteredSearch, meanDirection, rowFilter } from './query.js';
import type { Session } from './run.js';

/**
 * What the facade's read-only answers need: the session, which rows are live, paper lookup, and
 * corpus statistics built on first use (kept by the next view while papers and vectors stay the same).
 */
export class View {
  readonly removed: ReadonlySet<number>;
  readonly lookup: PaperLookup;
  private explainerCache: Explainer | undefined;
  private rankerCache: HybridRanker | undefined;
  private citationCache: { graph: CitationGraph | undefined } | undefined;

  constructor(
    readonly session: Session,
    private readonly embedder: () => Promise<Embedder>,
    previous?: View,
  ) {
    const removed = new Set(session.state.removed);
    this.removed = removed;
    this.lookup = new PaperLookup(session.state.papers, (row) => !removed.has(row));
    const samePapers = previous?.session.state.papers === session.state.papers;
    if (samePapers) {
      this.explainerCache = previous.explainerCache;
      this.citationCache = previous.citationCache;
    }
    if (samePapers && previous.session.state.vectors === session.state.vectors) this.rankerCache = previous.rankerCache;
  }

  explainer(): Explainer {
    this.explainerCache ??= new Explainer(this.session.state.papers, this.embedder);
    return this.explainerCache;
  }

  /** The papers' citation graph, built on first use; undefined when no paper lists references. */
  citations(): CitationGraph | undefined {
    this.citationCache ??= { graph: CitationGraph.of(this.session.state.papers) };
    return this.citationCache.graph;
  }

  ranker(): HybridRanker {
    this.rankerCache ??= new HybridRanker(this.session.state.papers, this.session.state.vectors, () => this.explainer().phraseStats());
    return this.rankerCache;
  }
}

/** A paper far from its theme's centre (see `Atlas.outliers`). */
export interface OutlierPaper {
  paper: Paper;
  theme: number;
  /** Cosine similarity to its theme's centroid. */
  score: number;
  /** Its theme's lower fence (Q1 − 1.5·IQR of its members' similarities), which the score fell below. */
  fence: number;
}

/**
 * The nearest papers to a vector, filtered and validated as `RelatedOptions` say, ordered by cosine
 * or (`rank: 'hybrid'`) re-ranked from a pool of the store's nearest, with citation signals fused in
 * where papers list references (`rank: 'citations'`: those alone); `from` says what asked: papers
 * (`rows`, never returned) or free text. `citations` replaces the atlas's citation graph (evaluation;
 * `null`: none).
 */
export async function neighbors(
  v: View,
  query: Float32Array,
  opts: RelatedOptions,
  from: { rows: readonly number[] } | { text: string },
  defaultRank: RankMode = 'hybrid',
  citations?: CitationGraph | null,
): Promise<Neighbor[]> {
  const graph = citations === undefined ? v.citations() : (citations ?? undefined);
  const { state, store } = v.session;
  const q = checkRelated(opts, state.themes.length, defaultRank);
  const queryRows = 'rows' in from ? from.rows : [];
  const exclude = new Set([...queryRows, ...q.exclude.map((p) => v.lookup.find(p))]);
  const filter = rowFilter(state.papers, state.assignments, q);
  if (q.rank === 'cosine') {
    const hits = await filteredSearch(store, query, q, exclude, filter);
    return hits.map((h) => ({ paper: state.papers[h.row]!, score: h.score, cosine: h.score }));
  }
  const cited = graph && queryRows.length ? citedRows(graph, queryRows, exclude, filter, v.removed) : undefined;
  const pool = await filteredSearch(store, query, { ...q, k: Math.max(50, HYBRID_POOL * q.k) }, exclude, filter);
  const cosine = new Map(pool.map((h) => [h.row, h.score]));
  const candidates = [...pool.map((h) => h.row), ...[...(cited?.keys() ?? [])].filter((r) => !cosine.has(r))];
  const cosineOf = (row: number): number => cosine.get(row) ?? dot(query, state.vectors[row]!);
  const text = v.ranker().rank(query, candidates, from);
  let ranked = text;
  if (cited?.size && q.rank === 'citations') {
    const textScore = new Map(text.map((r) => [r.row, r.score]));
    ranked = [...cited].map(([row, s]) => ({ row, score: s, tie: textScore.get(row)! })).sort((a, b) => b.score - a.score || b.tie - a.tie || a.row - b.row);
  } else if (cited?.size) {
    ranked = text.map((r) => ({ row: r.row, score: r.score + q.citationWeight * (cited.get(r.row) ?? 0) })).sort((a, b) => b.score - a.score || a.row - b.row);
  }
  const minScore = q.minScore;
  return ranked
    .filter((r) => minScore === undefined || cosineOf(r.row) >= minScore)
    .slice(0, q.k)
    .map((r) => ({ paper: state.papers[r.row]!, score: r.score, cosine: cosineOf(r.row) }));
}

/** Citation scores of the papers linked to the query papers, those the filters let through. */
function citedRows(
  graph: CitationGraph,
  rows: readonly number[],
  exclude: ReadonlySet<number>,
  filter: ((row: number) => boolean) | undefined,
  removed: ReadonlySet<number>,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [row, s] of graph.scores(rows)) if (!exclude.has(row) && !removed.has(row) && (!filter || filter(row))) out.set(row, s);
  return out;
}

/** Papers related to several at once: the normalised mean of their embeddings is the query. */
export function relatedTo(v: View, idsOrTitles: readonly string[], opts: RelatedOptions): Promise<Neighbor[]> {
  if (!Array.isArray(idsOrTitles) || !idsOrTitles.length) throw new OptionError('papers', 'name at least one paper');
  const rows = idsOrTitles.map((p) => v.lookup.find(p));
  const { vectors } = v.session.state;
  return neighbors(v, rows.length === 1 ? vectors[rows[0]!]! : meanDirection(rows.map((r) => vectors[r]!)), opts, { rows });
}

/** Papers about a free-text query, embedded with the atlas's embedder (created on first use); cosine order unless `rank: 'hybrid'`. */
export async function search(v: View, embedder: () => Promise<Embedder>, query: string, opts: RelatedOptions): Promise<Neighbor[]> {
  if (typeof query !== 'string' || !query.trim()) throw new OptionError('query', 'must be non-empty text');
  checkRelated(opts, v.session.state.themes.length, 'cosine');
  const [vector] = await (await embedder()).embed([query.trim()]);
  return neighbors(v, vector!, opts, { text: query.trim() }, 'cosine');
}

export async function explain(v: View, a: string, b: string, opts: { sentences?: number; signal?: AbortSignal }): Promise<Explanation> {
  checkOptionsObject('options', opts, ['sentences', 'signal']);
  const ra = v.lookup.find(a);
  const rb = v.lookup.find(b);
  const n = opts.sentences ?? 3;
  if (!Number.isInteger(n) || n < 0 || n > 20) throw new OptionError('sentences', `must be an integer in [0, 20], got ${JSON.stringify(n)}`);
  const { vectors } = v.session.state;
  const graph = v.citations();
  const explained = await v.explainer().explain(ra, rb, dot(vectors[ra]!, vectors[rb]!), { sentences: n, signal: opts.signal });
  return graph ? { ...explained, citations: citationLinks(graph, v.session.state.papers, ra, rb) } : explained;
}

export function outliers(v: View): OutlierPaper[] {
  const { state } = v.session;
  return findOutliers(state.vectors, state.assignments, state.centroids, v.removed).map((o) => ({
    paper: state.papers[o.row]!,
    theme: o.theme,
    score: o.score,
    fence: o.fence,
  }));
}

/** Map input for every live paper: position, theme, related papers, (up to 20,000 papers) the phrases each shares, and the papers it cites. */
export async function mapOf(v: View, opts: MapOptions): Promise<TopicMap> {
  checkOptionsObject('map options', opts, MAP_OPTION_KEYS);
  const { state } = v.session;
  const input: MapInput[] = [];
  // Up to 20,000 papers the map shows what `related` would (hybrid order) and why; beyond, the cosine order alone.
  const small = state.papers.length - v.removed.size <= 20_000;
  const per = integerOption('relatedPerPaper', opts.relatedPerPaper ?? 5, 0, 50);
  const why = per > 0 && (opts.why ?? small);
  const graph = v.citations();
  for (let i = 0; i < state.papers.length; i++) {
    if (v.removed.has(i)) continue;
    const cites = graph?.cites(i).filter((r) => !v.removed.has(r));
    const related = per ? await neighbors(v, state.vectors[i]!, { k: per, rank: small ? 'hybrid' : 'cosine' }, { rows: [i] }) : [];
    input.push({
      paper: state.papers[i]!,
      x: state.coords[i]![0],
      y: state.coords[i]![1],
      theme: state.assignments[i]!,
      related: related.map((n) => n.paper.id),
      ...(why ? { why: related.map((n) => v.explainer().phrases(i, v.lookup.rowOfId(n.paper.id)!, 4)) } : {}),
      ...(cites?.length ? { cites: cites.map((r) => state.papers[r]!.id) } : {}),
    });
  }
  return buildMap(input, state.themes, opts, state.changes);
}

export function timelineOf(v: View, opts: TimelineOptions): Timeline {
  const { state } = v.session;
  const papers = state.papers.flatMap((p, i) => (v.removed.has(i) ? [] : [{ year: p.year, theme: state.assignments[i]! }]));
  return timeline(countOverTime(papers, state.themes, opts));
}
