import { Corpus, CorpusBuilder, type Paper } from './corpus/corpus.js';
import { CachedEmbedder, EmbeddingCache } from './embed/cache.js';
import { dot, type Embedder } from './embed/embedder.js';
import { LexicalEmbedder } from './embed/lexical.js';
import { defaultCacheDir } from './embed/model-store.js';
import { TransformersEmbedder, type ModelResolution, type TransformersEmbedderOptions } from './embed/transformers.js';
import { ModelError, OptionError, PaperLookupError } from './errors.js';
import { measureRecall, VectorIndex, type IndexParams, type RecallReport } from './index/hnsw.js';
import { clusterPapers, type ClusterOptions } from './cluster/themes.js';
import type { KSelection } from './cluster/kmeans.js';
import { labelThemes, type LabelOptions } from './label/ctfidf.js';
import { buildMap, type MapOptions, type TopicMap } from './map/map.js';
import { readAtlas, writeAtlas, type AtlasState } from './io/atlas-file.js';
import { join } from 'node:path';

/** A paper with its similarity to a query: cosine in [-1, 1], higher is closer. */
export interface Neighbor {
  paper: Paper;
  score: number;
}

/** A named group of papers. Ids are 0..k-1, largest theme first. */
export interface Theme {
  id: number;
  /** Short human label, unique across themes (e.g. "preference optimization"). */
  label: string;
  /** Distinctive phrases, best first (c-TF-IDF re-ranked for relevance and diversity). */
  keywords: string[];
  size: number;
  paperIds: string[];
  /** The papers closest to the theme centroid, most central first. */
  representative: string[];
}

/** Which embedder produced the vectors, and how it was found. */
export interface EmbedderInfo {
  id: string;
  dims: number;
  kind: 'transformer' | 'lexical' | 'custom';
  /** For transformer models: where the model files came from. */
  resolution?: ModelResolution;
  /** For transformer models: how texts become vectors, restored when a saved atlas embeds queries. */
  settings?: { pooling: 'mean'; long: 'chunk' | 'truncate'; maxTokens: number };
}

export type BuildStage = 'embed' | 'index' | 'layout' | 'cluster' | 'label';

export interface BuildProgress {
  stage: BuildStage;
  done: number;
  total: number;
  /** Papers per second, for the embedding stage. */
  rate?: number;
}

export interface AtlasOptions {
  /** Drives every random choice (HNSW graph, UMAP, k-means); default 42. */
  seed?: number;
  /**
   * The embedder, or options for the default transformer embedder. When no transformer model can
   * be loaded, the atlas falls back to a lexical TF-IDF+SVD embedder with a warning, unless
   * `fallback: false`.
   */
  embedder?: Embedder | (TransformersEmbedderOptions & { fallback?: boolean });
  /** Embedding cache directory, or false to disable (default `<cache dir>/embeddings`). */
  cache?: string | false;
  /** HNSW parameters (defaults: `DEFAULT_INDEX_PARAMS`). */
  index?: Partial<IndexParams>;
  /** Theme clustering: `k` (number or `'auto'`), `space`, `umap`, `kmeans`. */
  themes?: ClusterOptions;
  labels?: LabelOptions;
  onProgress?: (p: BuildProgress) => void;
  /** Called for every warning (default: `process.emitWarning`, which prints to stderr). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface LoadOptions {
  /** How to re-create the embedder for `search`/`add` (model directory, offline, ...). */
  embedder?: Embedder | TransformersEmbedderOptions;
  onWarning?: (message: string) => void;
}

export interface RelatedOptions {
  /** Number of results (default 10). */
  k?: number;
  /** Drop results scoring below this cosine (default: none). */
  minScore?: number;
}

const warnDefault = (message: string): void => process.emitWarning(message, { code: 'PAPER_ATLAS' });

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new OptionError('k', `must be a positive integer, got ${k}`);
}

/**
 * A built map of research over a corpus: embeddings, an HNSW index for related papers and search,
 * named themes and a 2-D layout. Build with `Atlas.build`, persist with `save` / `Atlas.load`.
 */
export class Atlas {
  private embedderInstance: Embedder | undefined;
  /** The disk-cached embedder of a build, for theme labels: their candidate phrases repeat across rebuilds. */
  private labelEmbedder: Embedder | undefined;
  private readonly rowOf = new Map<string, number>();
  private umapModel: { transform(x: number[][]): number[][] } | undefined;

  private constructor(
    private state: AtlasState,
    private index: VectorIndex,
    embedder: Embedder | undefined,
    private readonly loadOptions: LoadOptions = {},
  ) {
    this.embedderInstance = embedder;
    state.papers.forEach((p, i) => this.rowOf.set(p.id, i));
  }

  /** Embeds, indexes, clusters, labels and lays out a corpus. */
  static async build(corpus: Corpus, opts: AtlasOptions = {}): Promise<Atlas> {
    const seed = opts.seed ?? 42;
    if (!Number.isInteger(seed)) throw new OptionError('seed', `must be an integer, got ${seed}`);
    const warn = opts.onWarning ?? warnDefault;
    const warnings: string[] = [];
    const say = (m: string): void => {
      warnings.push(m);
      warn(m);
    };
    const progress = opts.onProgress;
    const texts = corpus.papers.map(Corpus.textOf);
    const { embedder, info } = await createEmbedder(opts, texts, say);
    const cached = opts.cache === false || info.kind === 'lexical' ? embedder : new CachedEmbedder(embedder, new EmbeddingCache(opts.cache ?? join(defaultCacheDir(), 'embeddings')));
    const vectors = await cached.embed(texts, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => progress?.({ stage: 'embed', done: p.done, total: p.total, rate: p.papersPerSecond }),
    });
    if (cached instanceof CachedEmbedder && cached.cache.lastProblem) say(`embedding cache: ${cached.cache.lastProblem}`);
    opts.signal?.throwIfAborted();

    progress?.({ stage: 'index', done: 0, total: vectors.length });
    const index = VectorIndex.build(vectors, info.dims, opts.index, seed);
    progress?.({ stage: 'index', done: vectors.length, total: vectors.length });

    const state: AtlasState = {
      createdAt: new Date().toISOString(),
      source: corpus.source,
      seed,
      embedder: info,
      papers: [...corpus.papers],
      vectors,
      removed: [],
      indexParams: index.params,
      themes: [],
      assignments: [],
      coords: [],
      centroids: [],
      kSelection: { k: 0, method: 'given', scores: [] },
      options: { themes: opts.themes ?? {}, labels: opts.labels ?? {} },
      warnings,
      ...(embedder instanceof LexicalEmbedder ? { lexicalModel: embedder.toJSON() } : {}),
    };
    const atlas = new Atlas(state, index, embedder);
    atlas.labelEmbedder = cached;
    await atlas.fitThemes(progress, opts.signal);
    return atlas;
  }

  /** Loads an atlas saved with `save`, verifying every file before it is parsed. */
  static async load(dir: string, opts: LoadOptions = {}): Promise<Atlas> {
    const { state, index } = await readAtlas(dir);
    let embedder: Embedder | undefined;
    if (state.lexicalModel) embedder = LexicalEmbedder.fromJSON(state.lexicalModel);
    else if (opts.embedder && 'embed' in opts.embedder) embedder = opts.embedder;
    if (embedder && embedder.id !== state.embedder.id) {
      throw new ModelError(`atlas in ${dir} was built with ${state.embedder.id}, but the given embedder is ${embedder.id}`);
    }
    return new Atlas(state, index, embedder, opts);
  }

  /** Writes the atlas to a directory; the previous save there stays loadable until the new one is complete. */
  async save(dir: string): Promise<void> {
    await writeAtlas(dir, this.state, this.index);
  }

  /** All papers still in the atlas (removed ones excluded), in corpus order. */
  get papers(): readonly Paper[] {
    const removed = new Set(this.state.removed);
    return this.state.papers.filter((_, i) => !removed.has(i));
  }

  get themes(): readonly Theme[] {
    return this.state.themes;
  }

  /** How k was chosen: the candidates tried and their silhouette scores. */
  get kSelection(): KSelection {
    return this.state.kSelection;
  }

  get embedder(): EmbedderInfo {
    return this.state.embedder;
  }

  /** Warnings raised while building (fallback embedder, ignored cache, ...). */
  get warnings(): readonly string[] {
    return this.state.warnings;
  }

  get seed(): number {
    return this.state.seed;
  }

  get createdAt(): string {
    return this.state.createdAt;
  }

  get source(): string {
    return this.state.source;
  }

  get indexParams(): Readonly<IndexParams> {
    return this.index.params;
  }

  /**
   * Finds a paper by exact id, exact title (case-insensitive) or unique case-insensitive title
   * prefix; throws PaperLookupError listing the closest candidates otherwise.
   */
  paper(idOrTitle: string): Paper {
    return this.state.papers[this.rowFor(idOrTitle)]!;
  }

  /** The paper's unit-length embedding (a copy). */
  vectorOf(idOrTitle: string): Float32Array {
    return this.state.vectors[this.rowFor(idOrTitle)]!.slice();
  }

  /** The theme a paper belongs to. */
  themeOf(idOrTitle: string): Theme {
    return this.state.themes[this.state.assignments[this.rowFor(idOrTitle)]!]!;
  }

  /** Papers most similar to the given one (itself excluded), best first. */
  related(idOrTitle: string, opts: RelatedOptions = {}): Neighbor[] {
    const row = this.rowFor(idOrTitle);
    return this.neighbors(this.state.vectors[row]!, opts, new Set([row]));
  }

  /** Papers most similar to a free-text query, embedded with the atlas's own model. */
  async search(query: string, opts: RelatedOptions = {}): Promise<Neighbor[]> {
    if (typeof query !== 'string' || !query.trim()) throw new OptionError('query', 'must be non-empty text');
    const embedder = await this.ensureEmbedder();
    const [v] = await embedder.embed([query.trim()]);
    return this.neighbors(v!, opts);
  }

  /** Compares HNSW answers with exact cosine search on the same vectors. */
  recall(k = 10, maxQueries = 1000): RecallReport {
    checkK(k);
    return measureRecall(this.index, this.state.vectors, k, maxQueries);
  }

  /**
   * Adds papers without refitting: they are embedded, inserted in the index, given the nearest
   * theme and placed on the map. Call `refit()` to recompute themes and layout from scratch.
   */
  async add(papers: Iterable<unknown>, opts: { signal?: AbortSignal } = {}): Promise<Paper[]> {
    const builder = new CorpusBuilder({ source: 'add', onDuplicate: 'error' });
    for (const p of this.state.papers) builder.add(p);
    const added: Paper[] = [];
    for (const r of papers) {
      const p = builder.add(r);
      if (p) added.push(p);
    }
    if (!added.length) return [];
    const embedder = await this.ensureEmbedder();
    const vectors = await embedder.embed(added.map(Corpus.textOf), opts.signal ? { signal: opts.signal } : {});
    const start = this.state.papers.length;
    this.index.addAt(vectors, start);
    const coords = this.placeOnMap(vectors);
    added.forEach((p, i) => {
      const row = start + i;
      const v = vectors[i]!;
      let theme = 0;
      let best = -Infinity;
      this.state.centroids.forEach((c, t) => {
        const s = dot(c, v);
        if (s > best) {
          best = s;
          theme = t;
        }
      });
      this.state.papers.push(p);
      this.state.vectors.push(v);
      this.state.assignments.push(theme);
      this.state.coords.push(coords[i]!);
      this.rowOf.set(p.id, row);
      const t = this.state.themes[theme]!;
      t.paperIds.push(p.id);
      t.size++;
    });
    return added;
  }

  /** Hides a paper from results, themes and the map (hnswlib `markDelete`); `refit()` drops it for good. */
  remove(idOrTitle: string): void {
    const row = this.rowFor(idOrTitle);
    if (this.state.removed.includes(row)) return;
    this.index.remove(row);
    this.state.removed.push(row);
    this.state.removed.sort((a, b) => a - b);
    const id = this.state.papers[row]!.id;
    const t = this.state.themes[this.state.assignments[row]!]!;
    t.paperIds = t.paperIds.filter((p) => p !== id);
    t.representative = t.representative.filter((p) => p !== id);
    t.size--;
  }

  /**
   * Recomputes index, themes, labels and layout over the current papers (removed ones dropped),
   * optionally with new theme options (`k`, ...) or a new seed.
   */
  async refit(
    opts: { themes?: ClusterOptions; seed?: number; onProgress?: (p: BuildProgress) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    if (opts.seed !== undefined) {
      if (!Number.isInteger(opts.seed)) throw new OptionError('seed', `must be an integer, got ${opts.seed}`);
      this.state.seed = opts.seed;
    }
    if (opts.themes) this.state.options.themes = { ...this.state.options.themes, ...opts.themes };
    const keep = this.state.papers.map((_, i) => i).filter((i) => !this.state.removed.includes(i));
    this.state.papers = keep.map((i) => this.state.papers[i]!);
    this.state.vectors = keep.map((i) => this.state.vectors[i]!);
    this.state.removed = [];
    this.rowOf.clear();
    this.state.papers.forEach((p, i) => this.rowOf.set(p.id, i));
    this.index = VectorIndex.build(this.state.vectors, this.state.embedder.dims, this.index.params, this.state.seed);
    await this.fitThemes(opts.onProgress, opts.signal);
  }

  /**
   * Splits one theme into sub-themes (same pipeline, on that theme's papers only). Returns plain
   * themes whose ids are local to the split; the atlas itself is unchanged.
   */
  async subthemes(themeId: number, opts: { k?: number | 'auto' } = {}): Promise<Theme[]> {
    const theme = this.state.themes[themeId];
    if (!theme) throw new OptionError('themeId', `no theme ${themeId}; themes are 0..${this.state.themes.length - 1}`);
    const rows = theme.paperIds.map((id) => this.rowOf.get(id)!);
    if (rows.length < 4) throw new OptionError('themeId', `theme ${themeId} has ${rows.length} papers, too few to split`);
    const vectors = rows.map((r) => this.state.vectors[r]!);
    const result = await clusterPapers(vectors, this.state.seed, { ...this.state.options.themes, k: opts.k ?? 'auto', kRange: [2, Math.min(8, rows.length - 1)] });
    return this.nameThemes(
      rows,
      result.clustering.assignments,
      result.centroids,
    );
  }

  /** Plain map data (points, theme anchors) with SVG, HTML and Vega-Lite renderers. */
  map(opts: MapOptions = {}): TopicMap {
    const removed = new Set(this.state.removed);
    const rows = this.state.papers.map((_, i) => i).filter((i) => !removed.has(i));
    return buildMap(
      rows.map((i) => ({
        paper: this.state.papers[i]!,
        x: this.state.coords[i]![0]!,
        y: this.state.coords[i]![1]!,
        theme: this.state.assignments[i]!,
        related: this.neighbors(this.state.vectors[i]!, { k: opts.relatedPerPaper ?? 5 }, new Set([i])).map((n) => n.paper.id),
      })),
      this.state.themes,
      opts,
    );
  }

  private async fitThemes(progress: AtlasOptions['onProgress'], signal?: AbortSignal): Promise<void> {
    const { vectors } = this.state;
    const result = await clusterPapers(vectors, this.state.seed, this.state.options.themes, (stage, done, total) =>
      progress?.({ stage, done, total }),
    );
    signal?.throwIfAborted();
    this.umapModel = result.layout.model;
    this.state.assignments = result.clustering.assignments;
    this.state.coords = result.layout.coords.map((c) => [c[0]!, c[1]!] as [number, number]);
    this.state.centroids = result.centroids;
    this.state.kSelection = result.selection;
    progress?.({ stage: 'label', done: 0, total: result.clustering.k });
    this.state.themes = await this.nameThemes(
      vectors.map((_, i) => i),
      result.clustering.assignments,
      result.centroids,
    );
    progress?.({ stage: 'label', done: result.clustering.k, total: result.clustering.k });
  }

  private async nameThemes(rows: number[], assignments: number[], centroids: Float32Array[]): Promise<Theme[]> {
    const embedder = this.labelEmbedder ?? (await this.ensureEmbedder());
    const texts = rows.map((r) => Corpus.textOf(this.state.papers[r]!));
    const labels = await labelThemes(texts, assignments, centroids, embedder, this.state.options.labels);
    return centroids.map((centroid, t) => {
      const members = rows.filter((_, i) => assignments[i] === t);
      const central = [...members].sort(
        (a, b) => dot(this.state.vectors[b]!, centroid) - dot(this.state.vectors[a]!, centroid) || a - b,
      );
      return {
        id: t,
        label: labels[t]!.label,
        keywords: labels[t]!.keywords,
        size: members.length,
        paperIds: members.map((r) => this.state.papers[r]!.id),
        representative: central.slice(0, 3).map((r) => this.state.papers[r]!.id),
      };
    });
  }

  /** UMAP `transform` while the fitted model is in memory; after `load`, the similarity-weighted mean of the 10 nearest papers' positions. */
  private placeOnMap(vectors: Float32Array[]): [number, number][] {
    if (this.umapModel) {
      return this.umapModel.transform(vectors.map((v) => Array.from(v))).map((c) => [c[0]!, c[1]!]);
    }
    return vectors.map((v) => {
      const hits = this.index.search(v, 10, new Set(this.state.removed));
      let x = 0;
      let y = 0;
      let w = 0;
      for (const h of hits) {
        const weight = Math.max(h.score, 0) + 1e-6;
        const c = this.state.coords[h.label];
        if (!c) continue;
        x += c[0] * weight;
        y += c[1] * weight;
        w += weight;
      }
      return w ? [x / w, y / w] : [0, 0];
    });
  }

  private neighbors(v: Float32Array, opts: RelatedOptions, exclude?: Set<number>): Neighbor[] {
    const k = opts.k ?? 10;
    checkK(k);
    const hits = this.index.search(v, k, exclude);
    return hits
      .filter((h) => opts.minScore === undefined || h.score >= opts.minScore)
      .map((h) => ({ paper: this.state.papers[h.label]!, score: h.score }));
  }

  private async ensureEmbedder(): Promise<Embedder> {
    if (this.embedderInstance) return this.embedderInstance;
    const saved = this.state.embedder;
    const given = this.loadOptions.embedder;
    const opts: TransformersEmbedderOptions = { ...(given && !('embed' in given) ? given : {}) };
    const model = saved.resolution?.model;
    if (model) opts.model = model;
    if (saved.settings) {
      opts.long = saved.settings.long;
      opts.maxTokens = saved.settings.maxTokens;
    }
    const embedder = await TransformersEmbedder.create(opts);
    if (embedder.id !== saved.id) {
      throw new ModelError(`this atlas was built with ${saved.id}; the model found now is ${embedder.id}. Rebuild the atlas or point modelDir at the original model.`);
    }
    this.embedderInstance = embedder;
    return embedder;
  }

  private rowFor(idOrTitle: string): number {
    if (typeof idOrTitle !== 'string' || !idOrTitle.trim()) throw new OptionError('paper', 'must be a paper id or title');
    const removed = new Set(this.state.removed);
    const direct = this.rowOf.get(idOrTitle);
    if (direct !== undefined && !removed.has(direct)) return direct;
    const q = idOrTitle.trim().toLowerCase();
    const live = this.state.papers.map((p, i) => ({ p, i })).filter(({ i }) => !removed.has(i));
    const exact = live.filter(({ p }) => p.title.toLowerCase() === q);
    if (exact.length === 1) return exact[0]!.i;
    const prefix = exact.length ? exact : live.filter(({ p }) => p.title.toLowerCase().startsWith(q) || p.id.startsWith(q));
    if (prefix.length === 1) return prefix[0]!.i;
    if (prefix.length > 1) throw new PaperLookupError(idOrTitle, 'ambiguous', prefix.slice(0, 5).map(({ p }) => p.id));
    throw new PaperLookupError(idOrTitle, 'unknown', closest(q, live.map(({ p }) => p)));
  }
}

/** Ids of the papers whose titles share the most words with the query. */
function closest(q: string, papers: Paper[]): string[] {
  const words = new Set(q.split(/\W+/u).filter((w) => w.length > 2));
  return papers
    .map((p) => ({ id: p.id, n: p.title.toLowerCase().split(/\W+/u).filter((w) => words.has(w)).length }))
    .filter((s) => s.n > 0)
    .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1))
    .slice(0, 5)
    .map((s) => s.id);
}

async function createEmbedder(
  opts: AtlasOptions,
  texts: string[],
  warn: (m: string) => void,
): Promise<{ embedder: Embedder; info: EmbedderInfo }> {
  const given = opts.embedder;
  if (given && 'embed' in given) return { embedder: given, info: { id: given.id, dims: given.dims, kind: given instanceof LexicalEmbedder ? 'lexical' : 'custom' } };
  try {
    const t = await TransformersEmbedder.create(given ?? {});
    return { embedder: t, info: { id: t.id, dims: t.dims, kind: 'transformer', resolution: t.resolution, settings: t.settings } };
  } catch (err) {
    if (!(err instanceof ModelError) || given?.fallback === false) throw err;
    const lex = LexicalEmbedder.fit(texts);
    warn(
      `no transformer model could be loaded, so paper-atlas uses the lexical TF-IDF+SVD embedder (${lex.id}): ` +
        `related papers and themes follow shared words, not meaning.\n${err.message}`,
    );
    return { embedder: lex, info: { id: lex.id, dims: lex.dims, kind: 'lexical' } };
  }
}

