import type { EmbedderOption } from '../embed/create.js';
import type { PrecomputedVectors } from '../embed/precomputed.js';
import type { Embedder } from '../embed/embedder.js';
import type { TransformersEmbedderOptions } from '../embed/transformers.js';
import { numberOption, OptionError, optionKeys, rejectUnknownKeys } from '../errors.js';
import type { BuildProgress } from '../types.js';
import { CITATION_RANKING } from './citations.js';
import type { StageOptions, Stages } from './stages.js';

/** Options of `Atlas.build`: the stages (instances or built-in options) and how to run them. */
export interface AtlasOptions extends StageOptions {
  /** Drives every random choice (HNSW graph, UMAP, k-means); default 42. */
  seed?: number;
  /**
   * [fitSample=25000] Above this many papers, the map layout and the themes are fitted on a seeded
   * sample of this many, and every other paper joins the theme of (and sits on the map among) its
   * nearest sampled papers. It bounds memory and time: UMAP's memory grows with the papers it fits
   * (about 35 kB each in umap-js), the rest of the pipeline with their count only.
   */
  fitSample?: number;
  /**
   * The embedder, or options for the default transformer embedder. When no transformer model can
   * be loaded, the atlas falls back to a lexical TF-IDF+SVD embedder with a warning, unless
   * `fallback: false`.
   */
  embedder?: EmbedderOption;
  /** Embedding cache directory, or false to disable (default `<cache dir>/embeddings`). */
  cache?: string | false;
  /**
   * Vectors computed elsewhere (a distributed job; `readVectorTable`), one per paper: the build
   * embeds nothing. Their embedder id must equal this atlas's embedder's, which still embeds
   * queries, added papers and label phrases.
   */
  precomputed?: PrecomputedVectors;
  onProgress?: (p: BuildProgress) => void;
  /** Called for every warning (default: `process.emitWarning`, which prints to stderr). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface LoadOptions {
  /** How to re-create the embedder for `search`/`add`: a custom Embedder, or model options (directory, offline, ...). */
  embedder?: Embedder | TransformersEmbedderOptions;
  /** Custom stages the atlas was built with (each must have the id it was saved with). */
  stages?: Partial<Stages>;
  onWarning?: (message: string) => void;
}

/** Options of `atlas.refit`: stages or stage options to change (the rest stay as saved), a new seed. */
export interface RefitOptions extends StageOptions {
  seed?: number;
  /** See `AtlasOptions.fitSample` (default: as built). */
  fitSample?: number;
  /** Where warnings of this refit go (default: the build's or load's `onWarning`). */
  onWarning?: (message: string) => void;
  onProgress?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /**
   * [fresh=false] Fit as a build does: themes found afresh instead of started from the ones before
   * (their ids are still matched to them), and the map laid out afresh instead of from where the
   * papers were (it may then turn and move).
   */
  fresh?: boolean;
}

export interface RelatedOptions {
  /** Number of results (default 10). */
  k?: number;
  /** Drop results whose cosine similarity is below this (default: none). */
  minScore?: number;
  /**
   * How results are ordered: `'hybrid'` (default for `related` and `relatedTo`) re-ranks the
   * store's nearest papers with centred embeddings, one round of feedback and shared words
   * (`HYBRID_RANKING`, measured in bench/quality.ts), and, where papers list their references, adds
   * what they cite in common, who cites both and direct links (`CITATION_RANKING`, measured in
   * bench/citations.ts); `'citations'` orders by those citation signals alone (a paper without links
   * falls back to the hybrid order); `'cosine'` (default for `search`) is the plain embedding cosine.
   */
  rank?: RankMode;
  /** With `rank: 'hybrid'`: how much the citation score adds to the text score (`CITATION_RANKING.weight` by default; `atlas.evaluate({ weights })` measures others on your library). */
  citationWeight?: number;
  /** Only papers published in this range (inclusive; either end may be left open). Papers without a year are left out. */
  years?: { from?: number; to?: number };
  /** Only papers in these themes (theme ids). */
  themes?: readonly number[];
  /** Papers never to return (ids or titles), besides the query papers themselves. */
  exclude?: readonly string[];
}

/** Every key of the options objects, checked where they are passed (an unknown key is refused). */
const STAGE_KEYS = ['store', 'reducer', 'layout', 'clusterer', 'labeller'] as const;
const RUN_KEYS = ['seed', 'fitSample', 'onProgress', 'onWarning', 'signal'] as const;
export const ATLAS_OPTION_KEYS = optionKeys<AtlasOptions>()(...STAGE_KEYS, ...RUN_KEYS, 'embedder', 'cache', 'precomputed');
export const LOAD_OPTION_KEYS = optionKeys<LoadOptions>()('embedder', 'stages', 'onWarning');
export const REFIT_OPTION_KEYS = optionKeys<RefitOptions>()(...STAGE_KEYS, ...RUN_KEYS, 'fresh');

/** The default seed. */
export const DEFAULT_SEED = 42;

/** The default `fitSample`. */
export const DEFAULT_FIT_SAMPLE = 25_000;

/** The smallest `fitSample`: a sample must be big enough to hold every theme several times over. */
export const MIN_FIT_SAMPLE = 1_000;

export function checkFitSample(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < MIN_FIT_SAMPLE)
    throw new OptionError('fitSample', `must be an integer of at least ${MIN_FIT_SAMPLE}, got ${JSON.stringify(value)}`);
  return value as number;
}

export function checkSeed(seed: unknown): number {
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new OptionError('seed', `must be a non-negative integer, got ${JSON.stringify(seed)}`);
  return seed as number;
}

export type RankMode = 'hybrid' | 'cosine' | 'citations';

export interface CheckedRelated {
  k: number;
  rank: RankMode;
  citationWeight: number;
  minScore: number | undefined;
  years: { from: number; to: number } | undefined;
  themes: ReadonlySet<number> | undefined;
  exclude: readonly string[];
}

/** Validates related/search options; `themeCount` bounds the theme ids. */
export function checkRelated(opts: RelatedOptions, themeCount = Infinity, defaultRank: RankMode = 'hybrid'): CheckedRelated {
  if (opts === null || typeof opts !== 'object') throw new OptionError('options', 'must be an object ({ k, minScore, rank, years, themes, exclude })');
  rejectUnknownKeys('options', opts, ['k', 'minScore', 'rank', 'citationWeight', 'years', 'themes', 'exclude']);
  const citationWeight = numberOption('citationWeight', opts.citationWeight ?? CITATION_RANKING.weight, 0, 100);
  const rank = opts.rank ?? defaultRank;
  if (rank !== 'hybrid' && rank !== 'cosine' && rank !== 'citations')
    throw new OptionError('rank', `must be "hybrid", "cosine" or "citations", got ${JSON.stringify(rank)}`);
  const k = opts.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new OptionError('k', `must be a positive integer, got ${JSON.stringify(k)}`);
  const { minScore } = opts;
  if (minScore !== undefined && !(typeof minScore === 'number' && minScore >= -1 && minScore <= 1)) {
    throw new OptionError('minScore', `must be a number in [-1, 1], got ${JSON.stringify(minScore)}`);
  }
  let years: CheckedRelated['years'];
  if (opts.years !== undefined) {
    if (opts.years === null || typeof opts.years !== 'object') throw new OptionError('years', 'must be { from?, to? }');
    rejectUnknownKeys('years', opts.years, ['from', 'to']);
    const from = opts.years.from ?? -Infinity;
    const to = opts.years.to ?? Infinity;
    for (const [name, y] of [
      ['years.from', opts.years.from],
      ['years.to', opts.years.to],
    ] as const) {
      if (y !== undefined && !Number.isInteger(y)) throw new OptionError(name, `must be an integer year, got ${JSON.stringify(y)}`);
    }
    if (from > to) throw new OptionError('years', `from (${from}) is after to (${to})`);
    years = { from, to };
  }
  let themes: Set<number> | undefined;
  if (opts.themes !== undefined) {
    if (!Array.isArray(opts.themes) || !opts.themes.length) throw new OptionError('themes', 'must be a non-empty list of theme ids');
    for (const t of opts.themes) {
      if (!Number.isInteger(t) || t < 0 || t >= themeCount) throw new OptionError('themes', `has ${JSON.stringify(t)}; themes are 0..${themeCount - 1}`);
    }
    themes = new Set(opts.themes);
  }
  const exclude = opts.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.some((e) => typeof e !== 'string')) throw new OptionError('exclude', 'must be a list of paper ids or titles');
  return { k, rank, citationWeight, minScore, years, themes, exclude };
}
