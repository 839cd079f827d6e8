import { PaperLookup } from './corpus/lookup.js';
import type { Corpus } from './corpus/corpus.js';
import { isEmbedder, restoreEmbedder } from './embed/create.js';
import type { Embedder } from './embed/embedder.js';
import { LexicalEmbedder } from './embed/lexical.js';
import { ModelError, OptionError } from './errors.js';
import { buildMap, type MapInput, type MapOptions, type TopicMap } from './map/map.js';
import { readAtlas, writeAtlas } from './persist/atlas-file.js';
import { checkRelated, type AtlasOptions, type LoadOptions, type RefitOptions, type RelatedOptions } from './pipeline/options.js';
import { addToSession, buildSession, refitSession, removeFromSession, subthemesOf, warnDefault, type Session } from './pipeline/run.js';
import { resolveModel } from './embed/transformers.js';
import type { Stages } from './pipeline/stages.js';
import { measureRecall, type RecallReport } from './store/exact.js';
import type { EmbedderInfo, KSelection, Neighbor, Paper, Theme } from './types.js';

export type { AtlasOptions, LoadOptions, RefitOptions, RelatedOptions } from './pipeline/options.js';

const modelInstalled = (): Promise<boolean> => resolveModel({ offline: true }).then(() => true, () => false);

/**
 * A built map of research over a corpus: embeddings, a vector store for related papers and search,
 * named themes and a 2-D layout. Build with `Atlas.build`, persist with `save` / `Atlas.load`.
 * The pipeline (`src/pipeline`) does the work; the facade holds the session, answers lookups and
 * runs mutations and saves one at a time.
 */
export class Atlas {
  private lookup!: PaperLookup;
  private removedRows = new Set<number>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private session: Session,
    private readonly loadOptions: LoadOptions = {},
  ) {
    this.reindex();
  }

  /** Embeds, indexes, clusters, labels and lays out a corpus. */
  static async build(corpus: Corpus, opts: AtlasOptions = {}): Promise<Atlas> {
    return new Atlas(await buildSession(corpus, opts));
  }

  /** Loads an atlas saved with `save`, verifying every file before it is parsed. */
  static async load(dir: string, opts: LoadOptions = {}): Promise<Atlas> {
    const { state, store } = await readAtlas(dir, opts.stages);
    const embedder = state.lexicalModel ? LexicalEmbedder.fromJSON(state.lexicalModel) : isEmbedder(opts.embedder) ? opts.embedder : undefined;
    if (embedder && embedder.id !== state.embedder.id) {
      store.dispose?.();
      throw new ModelError(`atlas in ${dir} was built with ${state.embedder.id}, but the given embedder is ${embedder.id}`);
    }
    const warn = opts.onWarning ?? warnDefault;
    if (state.embedder.kind === 'lexical' && (await modelInstalled())) {
      warn(`this atlas was built with the lexical fallback embedder; a transformer model is installed now: rebuild it (Atlas.build or \`paper-atlas build\`) for related papers and themes by meaning`);
    }
    return new Atlas({ state, store, embedder, labelEmbedder: undefined, layoutModel: undefined, warn }, opts);
  }

  /** Writes the atlas to a directory; the previous save there stays loadable until the new one is complete. */
  save(dir: string): Promise<void> {
    return this.exclusive(() => writeAtlas(dir, this.session.state, this.session.store));
  }

  /** All papers still in the atlas (removed ones excluded), in corpus order. */
  get papers(): readonly Paper[] {
    return this.session.state.papers.filter((_, i) => !this.removedRows.has(i));
  }

  /** Themes, largest first. */
  get themes(): readonly Theme[] {
    return this.session.state.themes;
  }

  /** How k was chosen: the candidates tried and their scores. */
  get kSelection(): KSelection {
    return this.session.state.kSelection;
  }

  get embedder(): EmbedderInfo {
    return this.session.state.embedder;
  }

  /** The pipeline stages, with their resolved options (what a saved atlas records). */
  get stages(): Readonly<Stages> {
    return this.session.state.stages;
  }

  /** Warnings raised while building (fallback embedder, ignored cache, ...). */
  get warnings(): readonly string[] {
    return this.session.state.warnings;
  }

  get seed(): number {
    return this.session.state.seed;
  }

  /** Above this many papers, layout and themes were fitted on a seeded sample of this size (see `AtlasOptions.fitSample`). */
  get fitSample(): number {
    return this.session.state.fitSample;
  }

  get createdAt(): string {
    return this.session.state.createdAt;
  }

  get source(): string {
    return this.session.state.source;
  }

  /** A paper by exact id, exact title (case-insensitive) or unique title prefix; else PaperLookupError with the closest ids. */
  paper(idOrTitle: string): Paper {
    return this.session.state.papers[this.lookup.find(idOrTitle)]!;
  }

  /** The paper's unit-length embedding (a copy). */
  vectorOf(idOrTitle: string): Float32Array {
    return this.session.state.vectors[this.lookup.find(idOrTitle)]!.slice();
  }

  /** The theme a paper belongs to. */
  themeOf(idOrTitle: string): Theme {
    const { state } = this.session;
    return state.themes[state.assignments[this.lookup.find(idOrTitle)]!]!;
  }

  /** Papers most similar to the given one (itself excluded), best first. */
  related(idOrTitle: string, opts: RelatedOptions = {}): Promise<Neighbor[]> {
    const row = this.lookup.find(idOrTitle);
    return this.neighbors(this.session.state.vectors[row]!, opts, new Set([row]));
  }

  /** Papers most similar to a free-text query, embedded with the atlas's own model. */
  async search(query: string, opts: RelatedOptions = {}): Promise<Neighbor[]> {
    if (typeof query !== 'string' || !query.trim()) throw new OptionError('query', 'must be non-empty text');
    checkRelated(opts);
    const [v] = await (await this.ensureEmbedder()).embed([query.trim()]);
    return this.neighbors(v!, opts);
  }

  /** Compares the store's answers with exact cosine search on the same vectors. */
  recall(k = 10, maxQueries = 1000): Promise<RecallReport> {
    checkRelated({ k });
    return measureRecall(this.session.store, this.session.state.vectors, k, maxQueries);
  }

  /**
   * Adds papers without refitting: embedded, inserted in the store, given the nearest theme and
   * placed on the map. Call `refit()` to recompute themes and layout from scratch.
   */
  add(papers: Iterable<unknown>, opts: { signal?: AbortSignal } = {}): Promise<Paper[]> {
    return this.exclusive(async () => {
      const { state, added } = await addToSession(this.session, papers, await this.ensureEmbedder(), opts.signal);
      this.commit({ ...this.session, state });
      return added;
    });
  }

  /** Hides a paper from results, themes and the map; `refit()` drops it for good. */
  remove(idOrTitle: string): Promise<void> {
    return this.exclusive(async () => {
      this.commit({ ...this.session, state: await removeFromSession(this.session, this.lookup.find(idOrTitle)) });
    });
  }

  /**
   * Recomputes store, themes, labels and layout over the current papers (removed ones dropped),
   * with the saved stages, or new ones / new options (`{ clusterer: { k: 8 } }`) and a new seed.
   * Nothing changes unless the whole refit succeeds.
   */
  refit(opts: RefitOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      const embedder = this.session.labelEmbedder ?? (await this.ensureEmbedder());
      const next = await refitSession(opts.onWarning ? { ...this.session, warn: opts.onWarning } : this.session, opts, embedder);
      this.session.store.dispose?.();
      this.commit({ ...next, warn: this.session.warn });
    });
  }

  /**
   * Splits one theme into sub-themes with the atlas's reducer, k-means and labeller, on that theme's
   * papers only. Theme ids are local to the split; the atlas itself is unchanged.
   */
  async subthemes(themeId: number, opts: { k?: number | 'auto' } = {}): Promise<Theme[]> {
    const theme = this.session.state.themes[themeId];
    if (!theme) throw new OptionError('themeId', `no theme ${themeId}; themes are 0..${this.session.state.themes.length - 1}`);
    const rows = theme.paperIds.map((id) => this.lookup.rowOfId(id)!);
    if (rows.length < 4) throw new OptionError('themeId', `theme ${themeId} has ${rows.length} papers, too few to split`);
    return subthemesOf(this.session, rows, opts.k ?? 'auto', this.session.labelEmbedder ?? (await this.ensureEmbedder()));
  }

  /** Map data (points, theme anchors, related papers) with SVG, HTML and Vega-Lite renderers. */
  async map(opts: MapOptions = {}): Promise<TopicMap> {
    const { state } = this.session;
    const input: MapInput[] = [];
    for (let i = 0; i < state.papers.length; i++) {
      if (this.removedRows.has(i)) continue;
      const related = await this.neighbors(state.vectors[i]!, { k: opts.relatedPerPaper ?? 5 }, new Set([i]));
      input.push({ paper: state.papers[i]!, x: state.coords[i]![0], y: state.coords[i]![1], theme: state.assignments[i]!, related: related.map((n) => n.paper.id) });
    }
    return buildMap(input, state.themes, opts);
  }

  /** Releases the model session and the store's native memory; the atlas must not be used afterwards. */
  async dispose(): Promise<void> {
    await this.queue;
    this.session.store.dispose?.();
    await this.session.embedder?.dispose?.();
  }

  /** A one-line summary for `console.log`, instead of the internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Atlas { papers: ${this.papers.length}, themes: ${this.themes.length}, embedder: '${this.embedder.id}', source: '${this.source}' }`;
  }

  /** What `JSON.stringify(atlas)` gives: the summary, not the vectors (use `save` to persist). */
  toJSON(): Record<string, unknown> {
    return { papers: this.papers.length, themes: this.themes.map((t) => ({ id: t.id, label: t.label, size: t.size })), embedder: this.embedder.id, source: this.source, seed: this.seed };
  }

  private commit(next: Session): void {
    this.session = next;
    this.reindex();
  }

  private reindex(): void {
    this.removedRows = new Set(this.session.state.removed);
    this.lookup = new PaperLookup(this.session.state.papers, (row) => !this.removedRows.has(row));
  }

  /** Runs mutations and saves one at a time, in call order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async neighbors(v: Float32Array, opts: RelatedOptions, exclude?: Set<number>): Promise<Neighbor[]> {
    const { k, minScore } = checkRelated(opts);
    const hits = await this.session.store.search(v, k, exclude ? { exclude } : {});
    return hits.filter((h) => minScore === undefined || h.score >= minScore).map((h) => ({ paper: this.session.state.papers[h.row]!, score: h.score }));
  }

  private async ensureEmbedder(): Promise<Embedder> {
    const given = this.loadOptions.embedder;
    this.session.embedder ??= await restoreEmbedder(this.session.state.embedder, isEmbedder(given) ? undefined : given);
    return this.session.embedder;
  }
}
