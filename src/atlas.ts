import type { Corpus } from './corpus/corpus.js';
import { embedderRestorer, isEmbedder } from './embed/create.js';
import type { Embedder } from './embed/embedder.js';
import type { MapOptions, TopicMap } from './map/map.js';
import type { Timeline, TimelineOptions } from './map/timeline.js';
import { writeAtlas } from './persist/atlas-file.js';
import { loadSession } from './persist/session.js';
import { mergeThemes, renameTheme } from './pipeline/edit.js';
import type { Explanation } from './pipeline/explain.js';
import { checkRelated, type AtlasOptions, type LoadOptions, type RefitOptions, type RelatedOptions } from './pipeline/options.js';
import { explain, mapOf, outliers, relatedTo, search, timelineOf, View, type OutlierPaper } from './pipeline/views.js';
import { evaluate, type EvaluateOptions, type Evaluation } from './pipeline/evaluate.js';
import { addToSession, buildSession, refitSession, removeFromSession, subthemesOf, type Session } from './pipeline/run.js';
import type { Stages } from './pipeline/stages.js';
import { measureRecall, type RecallReport } from './store/exact.js';
import { checkOptionsObject } from './errors.js';
import { checkExport, exportPapers, type ExportFormat } from './corpus/export.js';
import type { EmbedderInfo, KSelection, Neighbor, Paper, Theme, ThemeChanges } from './types.js';
import { addForUpdate, checkUpdate, type UpdateOptions, type UpdateReport } from './pipeline/update.js';

export type { AtlasOptions, LoadOptions, RefitOptions, RelatedOptions } from './pipeline/options.js';
export type { OutlierPaper } from './pipeline/views.js';

/**
 * A built map of research over a corpus: embeddings, a vector store for related papers and search,
 * named themes and a 2-D layout. Build with `Atlas.build`, persist with `save` / `Atlas.load`.
 * The pipeline (`src/pipeline`) does the work; the facade holds the session, answers lookups and
 * runs mutations and saves one at a time.
 */
export class Atlas {
  private view: View;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly restore: () => Promise<Embedder>;

  private constructor(
    private session: Session,
    private readonly loadOptions: LoadOptions = {},
  ) {
    this.view = new View(session, () => this.ensureEmbedder());
    const given = loadOptions.embedder;
    this.restore = embedderRestorer(() => this.session.state.embedder, isEmbedder(given) ? undefined : given);
  }

  /** Embeds, indexes, clusters, labels and lays out a corpus. */
  static async build(corpus: Corpus, opts: AtlasOptions = {}): Promise<Atlas> {
    return new Atlas(await buildSession(corpus, opts));
  }

  /** Loads an atlas saved with `save`, verifying every file before it is parsed. */
  static async load(dir: string, opts: LoadOptions = {}): Promise<Atlas> {
    return new Atlas(await loadSession(dir, opts), opts);
  }

  /** Writes the atlas to a directory; the previous save there stays loadable until the new one is complete. */
  save(dir: string): Promise<void> {
    return this.exclusive(() => writeAtlas(dir, this.session.state, this.session.store));
  }

  /** All papers still in the atlas (removed ones excluded), in corpus order. */
  get papers(): readonly Paper[] {
    return this.session.state.papers.filter((_, i) => !this.view.removed.has(i));
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
    return this.session.state.papers[this.view.lookup.find(idOrTitle)]!;
  }

  /** The paper's unit-length embedding (a copy). */
  vectorOf(idOrTitle: string): Float32Array {
    return this.session.state.vectors[this.view.lookup.find(idOrTitle)]!.slice();
  }

  /** Papers, in the order given, as BibTeX, CSL-JSON or ids: the text the HTML map's selection downloads. */
  export(idsOrTitles: readonly string[], format: ExportFormat, opts: { abstracts?: boolean } = {}): string {
    return exportPapers(
      checkExport(idsOrTitles, format, opts).map((id) => this.paper(id)),
      format,
      opts.abstracts === true,
    );
  }

  /** The theme a paper belongs to. */
  themeOf(idOrTitle: string): Theme {
    const { state } = this.session;
    return state.themes[state.assignments[this.view.lookup.find(idOrTitle)]!]!;
  }

  /** Papers most similar to the given one (itself excluded), best first; `years`, `themes`, `exclude` narrow them, `minScore` cuts them. */
  async related(idOrTitle: string, opts: RelatedOptions = {}): Promise<Neighbor[]> {
    return relatedTo(this.view, [idOrTitle], opts);
  }

  /** Papers related to several papers at once (a reading list): ranked against the normalised mean of their embeddings. */
  async relatedTo(idsOrTitles: readonly string[], opts: RelatedOptions = {}): Promise<Neighbor[]> {
    return relatedTo(this.view, idsOrTitles, opts);
  }

  /**
   * How well related papers find what your papers cite, on your own library: hides `heldOut` of the
   * links between the atlas's papers and reports recall@k / nDCG@k of the text order, the links
   * alone and both (`best` says which `rank` to use). Needs papers with references.
   */
  async evaluate(opts: EvaluateOptions = {}): Promise<Evaluation> {
    return evaluate(this.view, opts);
  }

  /** Papers most similar to a free-text query, embedded with the atlas's own model; same options as `related`. */
  async search(query: string, opts: RelatedOptions = {}): Promise<Neighbor[]> {
    return search(this.view, () => this.ensureEmbedder(), query, opts);
  }

  /** Why two papers are related: cosine, shared distinctive phrases, best-matching sentence pairs (embedded with the atlas's model). */
  async explain(a: string, b: string, opts: { sentences?: number; signal?: AbortSignal } = {}): Promise<Explanation> {
    return explain(this.view, a, b, opts);
  }

  /** Papers below their theme's lower fence (Q1 − 1.5·IQR of members' similarity to the centroid), weakest first. */
  outliers(): OutlierPaper[] {
    return outliers(this.view);
  }

  /** Renames a theme; saved with the atlas, and kept by refits where the theme persists. */
  renameTheme(themeId: number, label: string): Promise<Theme> {
    return this.edit((state) => ({ state: renameTheme(state, themeId, label), theme: themeId }));
  }

  /** Merges themes into one (label: the given one, else the largest's; id: their lowest); saved, and made again by refits. */
  mergeThemes(themeIds: readonly number[], opts: { label?: string } = {}): Promise<Theme> {
    return this.edit((state) => {
      const merged = mergeThemes(state, themeIds, opts.label);
      return { state: merged.state, theme: merged.merged };
    });
  }

  /** Compares the store's answers with exact cosine search on the same vectors. */
  recall(k = 10, maxQueries = 1000): Promise<RecallReport> {
    checkRelated({ k });
    return measureRecall(this.session.store, this.session.state.vectors, k, maxQueries);
  }

  /** Adds papers without refitting: embedded, stored, given the nearest theme, placed on the map (see `update`). */
  add(papers: Iterable<unknown>, opts: { signal?: AbortSignal } = {}): Promise<Paper[]> {
    checkOptionsObject('options', opts, ['signal']);
    return this.exclusive(async () => {
      const { state, added } = await addToSession(this.session, papers, await this.ensureEmbedder(), opts.signal);
      this.commit({ ...this.session, state });
      return added;
    });
  }

  /** Hides a paper from results, themes and the map; `refit()` drops it for good. */
  remove(idOrTitle: string): Promise<void> {
    return this.exclusive(async () => {
      this.commit({ ...this.session, state: await removeFromSession(this.session, this.view.lookup.find(idOrTitle)) });
    });
  }

  /**
   * Recomputes store, themes, labels and layout (removed papers dropped), with the saved stages or
   * new ones and a new seed. Themes matched to the ones before keep their ids, colours and the
   * user's edits; the map starts where it was. Returns (and `changes` keeps) what changed.
   */
  refit(opts: RefitOptions = {}): Promise<ThemeChanges> {
    return this.exclusive(() => this.refitNow(opts));
  }

  /** Adds papers, then refits if the themes no longer hold them (`refit: 'auto'` by `DRIFT_RULE`, `'always'`, `'never'`). */
  update(papers: Iterable<unknown>, opts: UpdateOptions = {}): Promise<UpdateReport> {
    const policy = checkUpdate(opts);
    return this.exclusive(async () => {
      const { session, report } = await addForUpdate(this.session, papers, policy, await this.ensureEmbedder(), opts);
      this.commit(session);
      const { signal, onProgress, onWarning } = opts;
      return report.refit ? { ...report, changes: await this.refitNow({ signal, onProgress, onWarning }) } : report;
    });
  }

  /** What the last refit changed in the themes (kept, born, dissolved, split, merged, moved papers); undefined before the first. */
  get changes(): ThemeChanges | undefined {
    return this.session.state.changes;
  }

  private async refitNow(opts: RefitOptions): Promise<ThemeChanges> {
    const embedder = this.session.labelEmbedder ?? (await this.ensureEmbedder());
    const next = await refitSession(opts.onWarning ? { ...this.session, warn: opts.onWarning } : this.session, opts, embedder);
    this.session.store.dispose?.();
    this.commit({ ...next, warn: this.session.warn });
    return next.state.changes!;
  }

  /** One theme split further with the atlas's stages, on its papers only (ids local to the split; the atlas is unchanged). */
  async subthemes(themeId: number, opts: { k?: number | 'auto' } = {}): Promise<Theme[]> {
    checkOptionsObject('options', opts, ['k']);
    return subthemesOf(this.session, themeId, opts.k ?? 'auto', this.session.labelEmbedder ?? (await this.ensureEmbedder()));
  }

  /** Map data (points, theme anchors, related papers and why) with SVG, PNG, HTML and Vega-Lite renderers. */
  map(opts: MapOptions = {}): Promise<TopicMap> {
    return mapOf(this.view, opts);
  }

  /** Papers per theme per year (or `bin` years), with a streamgraph; papers without a year are counted apart. */
  themesOverTime(opts: TimelineOptions = {}): Timeline {
    return timelineOf(this.view, opts);
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
    return {
      papers: this.papers.length,
      themes: this.themes.map((t) => ({ id: t.id, label: t.label, size: t.size })),
      embedder: this.embedder.id,
      source: this.source,
      seed: this.seed,
    };
  }

  private commit(next: Session): void {
    this.session = next;
    this.view = new View(next, () => this.ensureEmbedder(), this.view);
  }

  private edit(fn: (state: Session['state']) => { state: Session['state']; theme: number }): Promise<Theme> {
    return this.exclusive(async () => {
      const { state, theme } = fn(this.session.state);
      this.commit({ ...this.session, state });
      return this.themes[theme]!;
    });
  }

  /** Runs mutations and saves one at a time, in call order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The embedder of a loaded atlas, restored on first use, once however many calls race for it. */
  private async ensureEmbedder(): Promise<Embedder> {
    this.session.embedder ??= await this.restore();
    return this.session.embedder;
  }
}
