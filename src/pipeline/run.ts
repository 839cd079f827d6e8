import { join } from 'node:path';
import { Corpus, CorpusBuilder } from '../corpus/corpus.js';
import { CachedEmbedder, EmbeddingCache } from '../embed/cache.js';
import { createEmbedder } from '../embed/create.js';
import { checkPrecomputed } from '../embed/precomputed.js';
import type { Embedder } from '../embed/embedder.js';
import { LexicalEmbedder } from '../embed/lexical.js';
import { defaultCacheDir } from '../embed/model-store.js';
import { engineId } from '../engine.js';
import { checkOptionsObject, OptionError, StageError, warnDefault } from '../errors.js';
import type { Reduction } from '../reduce/reducer.js';
import type { VectorStore } from '../store/store.js';
import type { BuildProgress, Paper, Theme } from '../types.js';
import { firstBadVector } from '../vector.js';
import { UmapReducer } from '../reduce/umap.js';
import { KMeansClusterer } from '../cluster/kmeans.js';
import { knnGraph, planSample, scratchGraph } from './knn.js';
import { fitThemes, unpull, type FitInput } from './fit.js';
import { carryThemes } from './identity.js';
import { nearestCentre, partCentre } from './parts.js';
import {
  ATLAS_OPTION_KEYS,
  checkFitSample,
  checkSeed,
  DEFAULT_FIT_SAMPLE,
  DEFAULT_SEED,
  REFIT_OPTION_KEYS,
  type AtlasOptions,
  type RefitOptions,
} from './options.js';
import { placePapers } from './place.js';
import { resolveStages, type Stages } from './stages.js';
import { type AtlasState, lastFitRows } from './state.js';

/** An atlas's state with what lives only in memory: the store, the embedders, the fitted layout. */
export interface Session {
  state: AtlasState;
  store: VectorStore;
  /** Embeds queries and added papers; created on first use after a load. */
  embedder: Embedder | undefined;
  /** The disk-cached embedder of a build, for theme labels: their candidate phrases repeat across rebuilds. */
  labelEmbedder: Embedder | undefined;
  /** The fitted 2-D layout (not saved), to place added papers while it is in memory. */
  layoutModel: Reduction | undefined;
  /** Where warnings go (they are also kept in the state's `warnings` when raised while building). */
  warn: (message: string) => void;
}

/** Neighbours per paper in the shared graph: enough for every UMAP stage (15 unless told otherwise). */
export function graphSize(stages: Stages): number {
  const umapK = [stages.reducer, stages.layout].map((s) => (s instanceof UmapReducer ? s.options.nNeighbors : 0));
  return Math.max(15, ...umapK);
}

/**
 * A new store over `vectors`, and themes and layout; the store is released if fitting fails. Up to
 * `fitSample` papers, the store comes first and its neighbour graph feeds both UMAP runs. Above,
 * the fit needs only the sample's own store, so the full store is built alongside it; so it is
 * when the store names a `scratch` store for the graph (a Lance table: slow queries, one per paper).
 */
async function storeAndThemes(
  papers: readonly Paper[],
  vectors: readonly Float32Array[],
  stages: Stages,
  run: {
    seed: number;
    dims: number;
    fitSample: number;
    embedder: Embedder;
    signal?: AbortSignal | undefined;
    onProgress?: ((p: BuildProgress) => void) | undefined;
    previous?: FitInput['previous'];
    previousThemes?: FitInput['previousThemes'];
  },
): Promise<{ store: VectorStore; fit: Awaited<ReturnType<typeof fitThemes>> }> {
  const { seed, dims, signal, onProgress } = run;
  const indexing = (done: number, total: number): void => onProgress?.({ stage: 'index', done, total });
  const k = graphSize(stages);
  const fit = {
    papers,
    vectors,
    stages,
    seed,
    embedder: run.embedder,
    layout: true,
    signal,
    onProgress,
    previous: run.previous,
    previousThemes: run.previousThemes,
  };
  const { scratch } = stages.store;
  if (vectors.length <= run.fitSample && !scratch) {
    const store = await stages.store.build(vectors, { seed, dims, ...(signal ? { signal } : {}), onProgress: indexing });
    try {
      const neighbors = await knnGraph(store, vectors, k, { signal, onProgress: indexing });
      return { store, fit: await fitThemes({ ...fit, neighbors }) };
    } catch (err) {
      store.dispose?.();
      throw err;
    }
  }
  // The neighbour graph (or the sample's) comes from an in-memory scratch store when the store names one.
  const graphs = scratch ?? stages.store;
  const prepared =
    vectors.length <= run.fitSample
      ? { neighbors: await scratchGraph(graphs, vectors, k, { seed, dims, signal, onProgress: indexing }) }
      : { sample: await planSample(graphs, vectors, run.fitSample, k, { seed, dims, signal, onProgress: indexing }) };
  // Either side failing stops the other; a store that was built is released.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [built, fitted] = await Promise.allSettled([
      stages.store.build(vectors, { seed, dims, signal: stop.signal, onProgress: indexing }).catch((err: unknown) => (stop.abort(err), Promise.reject(err))),
      fitThemes({ ...fit, signal: stop.signal, ...prepared }).catch((err: unknown) => (stop.abort(err), Promise.reject(err))),
    ]);
    if (fitted.status === 'rejected') {
      if (built.status === 'fulfilled') built.value.dispose?.();
      throw signal?.aborted ? signal.reason : fitted.reason;
    }
    if (built.status === 'rejected') throw signal?.aborted ? signal.reason : built.reason;
    return { store: built.value, fit: fitted.value };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** corpus → embeddings → store → reduce → cluster → label → layout. */
export async function buildSession(corpus: Corpus, opts: AtlasOptions): Promise<Session> {
  checkOptionsObject('options', opts, ATLAS_OPTION_KEYS);
  if (!(corpus instanceof Corpus)) throw new OptionError('corpus', 'must be a Corpus: use Corpus.from(records), readCorpus(file) or loadBundledCorpus()');
  const seed = checkSeed(opts.seed ?? DEFAULT_SEED);
  const fitSample = checkFitSample(opts.fitSample ?? DEFAULT_FIT_SAMPLE);
  const stages = resolveStages(opts);
  checkK(stages, corpus.size);
  const warnings: string[] = [];
  const say = (m: string): void => {
    warnings.push(m);
    (opts.onWarning ?? warnDefault)(m);
  };
  const texts = corpus.papers.map(Corpus.textOf);
  const { embedder, info } = await createEmbedder(opts.embedder, texts, say);
  const cached =
    opts.cache === false || info.kind === 'lexical'
      ? embedder
      : new CachedEmbedder(embedder, new EmbeddingCache(opts.cache ?? join(defaultCacheDir(), 'embeddings')));
  // Precomputed vectors are checked by checkPrecomputed; the embedder's own output here.
  const embed = async (): Promise<Float32Array[]> => {
    const out = await cached.embed(texts, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => opts.onProgress?.({ stage: 'embed', done: p.done, total: p.total, rate: p.papersPerSecond }),
    });
    checkEmbedded(out, corpus.papers, info.dims);
    return out;
  };
  const vectors = opts.precomputed ? checkPrecomputed(opts.precomputed, corpus, info) : await embed();
  if (cached instanceof CachedEmbedder && cached.cache.lastProblem) say(`embedding cache: ${cached.cache.lastProblem}`);
  opts.signal?.throwIfAborted();
  const { store, fit } = await storeAndThemes(corpus.papers, vectors, stages, {
    seed,
    dims: info.dims,
    fitSample,
    embedder: cached,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  const { layoutModel, ...themes } = fit;
  const state: AtlasState = {
    createdAt: new Date().toISOString(),
    source: corpus.source,
    seed,
    fitSample,
    engine: engineId(),
    embedder: info,
    papers: [...corpus.papers],
    vectors,
    removed: [],
    stages,
    warnings,
    fittedPapers: corpus.papers.length,
    ...themes,
    ...(embedder instanceof LexicalEmbedder ? { lexicalModel: embedder.toJSON() } : {}),
  };
  return { state, store, embedder, labelEmbedder: cached, layoutModel, warn: opts.onWarning ?? warnDefault };
}

/** A fixed k larger than the corpus is refused before any work is done (embedding can take hours). */
function checkK(stages: Stages, papers: number): void {
  const k = stages.clusterer instanceof KMeansClusterer ? stages.clusterer.options.k : 'auto';
  if (k !== 'auto' && k > papers) throw new OptionError('k', `is ${k}, but there are only ${papers} papers to group`);
}

/**
 * Store, themes, labels and layout recomputed over the live papers, with the session's stages
 * updated by `opts`. Returns a new session; the given one is untouched (its store still open).
 */
export async function refitSession(s: Session, opts: RefitOptions, embedder: Embedder): Promise<Session> {
  checkOptionsObject('options', opts, REFIT_OPTION_KEYS);
  const seed = opts.seed === undefined ? s.state.seed : checkSeed(opts.seed);
  if (opts.fresh !== undefined && typeof opts.fresh !== 'boolean') throw new OptionError('fresh', `must be true or false, got ${JSON.stringify(opts.fresh)}`);
  const fitSample = opts.fitSample === undefined ? s.state.fitSample : checkFitSample(opts.fitSample);
  const stages = resolveStages(opts, s.state.stages);
  const engine = engineId();
  if (s.state.engine !== engine) {
    s.warn(
      `this atlas was fitted under ${s.state.engine}; refitting under ${engine} gives the same vectors and store, but themes and coordinates may differ (UMAP amplifies last-digit differences in Math.exp/pow between engines)`,
    );
  }
  const removed = new Set(s.state.removed);
  const keep = s.state.papers.map((_, i) => i).filter((i) => !removed.has(i));
  const papers = keep.map((i) => s.state.papers[i]!);
  checkK(stages, papers.length);
  const vectors = keep.map((i) => s.state.vectors[i]!);
  const earlier = previousThemes(s.state);
  const { store, fit } = await storeAndThemes(papers, vectors, stages, {
    seed,
    dims: s.state.embedder.dims,
    fitSample,
    embedder,
    signal: opts.signal,
    onProgress: opts.onProgress,
    // The map starts from where the papers were (the layout before its pull by theme) and is aligned
    // to where they were drawn, so it stays put.
    previous: opts.fresh === true ? undefined : previousMap(s.state, keep),
    previousThemes: opts.fresh === true ? undefined : earlier,
  });
  const { layoutModel, ...themes } = fit;
  // Themes matched to the ones before keep their ids, colours and the user's edits; what changed is recorded.
  const { removed: _, ...rest } = s.state;
  const state = carryThemes(s.state, earlier, themes, papers, {
    ...rest,
    seed,
    fitSample,
    engine,
    stages,
    papers,
    vectors,
    removed: [],
    fittedPapers: papers.length,
  });
  return { ...s, store, layoutModel, state };
}

/** The theme of each live paper of the last fit (papers added since are in theirs provisionally). */
function previousThemes(state: AtlasState): Map<string, number> {
  const removed = new Set(state.removed);
  return new Map(state.papers.slice(0, lastFitRows(state)).flatMap((p, i) => (removed.has(i) ? [] : [[p.id, state.assignments[i]!] as const])));
}

/** Where the papers of the last fit were on the map: drawn (`drawn`) and as the layout left them before its pull by theme (`layout`). */
function previousMap(
  state: AtlasState,
  rows: readonly number[],
): { drawn: Map<string, readonly [number, number]>; layout: Map<string, readonly [number, number]> } {
  // Papers added since the last fit were placed provisionally among their neighbours: they start
  // there but are free to move (a new topic's papers gather), and the alignment ignores them.
  const fitted = rows.filter((i) => i < lastFitRows(state));
  const weight = state.stages.layout instanceof UmapReducer ? (state.stages.layout.options.themeWeight ?? 0) : 0;
  // The layout before its pull: saved by the fit, or (atlases saved before) undone from the drawn map.
  const raw =
    state.layoutCoords?.length === (state.fittedPapers ?? -1)
      ? fitted.map((i) => state.layoutCoords![i]!)
      : unpull(
          fitted.map((i) => state.coords[i]!),
          fitted.map((i) => state.assignments[i]!),
          weight,
        );
  return {
    drawn: new Map(fitted.map((i) => [state.papers[i]!.id, state.coords[i]!] as const)),
    layout: new Map(fitted.map((i, j) => [state.papers[i]!.id, raw[j]!] as const)),
  };
}

/** One theme split further with the session's reducer, k-means and labeller; ids are local to the split. */
export async function subthemesOf(s: Session, themeId: number, k: number | 'auto', embedder: Embedder): Promise<Theme[]> {
  const theme = s.state.themes[themeId];
  if (!theme) throw new OptionError('themeId', `no theme ${themeId}; themes are 0..${s.state.themes.length - 1}`);
  const rowOf = new Map(s.state.papers.map((p, i) => [p.id, i]));
  const rows = theme.paperIds.map((id) => rowOf.get(id)!);
  if (rows.length < 4) throw new OptionError('themeId', `theme ${themeId} has ${rows.length} papers, too few to split`);
  const base = s.state.stages;
  const kmeans = base.clusterer.id === 'kmeans' ? base.clusterer : resolveStages().clusterer;
  const stages = resolveStages({ clusterer: { k, kRange: [2, Math.min(8, rows.length - 1)] } }, { ...base, clusterer: kmeans });
  const vectors = rows.map((r) => s.state.vectors[r]!);
  const { seed, fitSample } = s.state;
  const sample =
    rows.length > fitSample ? await planSample(stages.store, vectors, fitSample, graphSize(stages), { seed, dims: s.state.embedder.dims }) : undefined;
  const fit = await fitThemes({ papers: rows.map((r) => s.state.papers[r]!), vectors, stages, seed, embedder, layout: false, sample });
  return fit.themes;
}

/** An embedder's output, checked as every vector entering an atlas is (one per paper, unit length, finite). */
function checkEmbedded(vectors: readonly Float32Array[], papers: readonly Paper[], dims: number): void {
  if (vectors.length !== papers.length) throw new StageError('embedder', `returned ${vectors.length} vectors for ${papers.length} texts`);
  const bad = firstBadVector(vectors, dims);
  if (bad) throw new StageError('embedder', `the vector of paper "${papers[bad.index]!.id}" ${bad.problem}`);
}

/**
 * New papers validated (ids unique among all the atlas has held), embedded, placed, then inserted
 * in the store; returns the new state. Nothing in the session changes before the store insert,
 * the last step.
 */
export async function addToSession(
  s: Session,
  records: Iterable<unknown>,
  embedder: Embedder,
  signal?: AbortSignal,
  onDuplicate: 'error' | 'skip' = 'error',
): Promise<{ state: AtlasState; added: Paper[] }> {
  const { state } = s;
  const builder = new CorpusBuilder({ source: 'add', onDuplicate });
  for (const p of state.papers) builder.add(p);
  const added = [...records].map((r) => builder.add(r)).filter((p): p is Paper => p !== undefined);
  if (!added.length) return { state, added };
  const vectors = await embedder.embed(added.map(Corpus.textOf), signal ? { signal } : {});
  checkEmbedded(vectors, added, state.embedder.dims);
  const placed = await placePapers(vectors, { centroids: state.centroids, coords: state.coords, layoutModel: s.layoutModel, store: s.store });
  signal?.throwIfAborted();
  const themes = state.themes.map((t) => ({
    ...t,
    paperIds: [...t.paperIds],
    ...(t.parts ? { parts: t.parts.map((q) => ({ ...q, paperIds: [...q.paperIds] })) } : {}),
  }));
  const rowOf = new Map(state.papers.map((p, i) => [p.id, i]));
  const centres = themes.map((t) => (t.parts ?? []).map((q) => partCentre(q.paperIds.map((id) => state.coords[rowOf.get(id)!]!))));
  added.forEach((p, i) => {
    const t = themes[placed.themes[i]!]!;
    t.paperIds.push(p.id);
    t.size++;
    // An added paper joins the part of its theme whose centre is nearest on the map.
    const part = t.parts?.[nearestCentre(centres[t.id]!, placed.coords[i]!)];
    if (part) {
      part.paperIds.push(p.id);
      part.size++;
    }
  });
  await s.store.add(vectors, state.papers.length);
  return {
    added,
    state: {
      ...state,
      papers: [...state.papers, ...added],
      vectors: [...state.vectors, ...vectors],
      assignments: [...state.assignments, ...placed.themes],
      coords: [...state.coords, ...placed.coords],
      themes,
    },
  };
}

/** A row hidden from the store, its theme and the map; returns the new state. */
export async function removeFromSession(s: Session, row: number): Promise<AtlasState> {
  const { state } = s;
  await s.store.remove(row);
  const id = state.papers[row]!.id;
  const theme = state.assignments[row];
  const themes = state.themes.map((t) => {
    if (t.id !== theme) return t;
    const parts = t.parts
      ?.map((q) => (q.paperIds.includes(id) ? { ...q, paperIds: q.paperIds.filter((p) => p !== id), size: q.size - 1 } : q))
      .filter((q) => q.size > 0);
    return {
      ...t,
      paperIds: t.paperIds.filter((p) => p !== id),
      representative: t.representative.filter((p) => p !== id),
      size: t.size - 1,
      ...(parts ? { parts } : {}),
    };
  });
  return { ...state, removed: [...state.removed, row].sort((a, b) => a - b), themes };
}
