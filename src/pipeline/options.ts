import type { EmbedderOption } from '../embed/create.js';
import type { Embedder } from '../embed/embedder.js';
import type { TransformersEmbedderOptions } from '../embed/transformers.js';
import { OptionError } from '../errors.js';
import type { BuildProgress } from '../types.js';
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
}

export interface RelatedOptions {
  /** Number of results (default 10). */
  k?: number;
  /** Drop results scoring below this cosine (default: none). */
  minScore?: number;
}

/** The default seed. */
export const DEFAULT_SEED = 42;

/** The default `fitSample`. */
export const DEFAULT_FIT_SAMPLE = 25_000;

/** The smallest `fitSample`: a sample must be big enough to hold every theme several times over. */
export const MIN_FIT_SAMPLE = 1_000;

export function checkFitSample(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < MIN_FIT_SAMPLE) throw new OptionError('fitSample', `must be an integer of at least ${MIN_FIT_SAMPLE}, got ${JSON.stringify(value)}`);
  return value as number;
}

export function checkSeed(seed: unknown): number {
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new OptionError('seed', `must be a non-negative integer, got ${JSON.stringify(seed)}`);
  return seed as number;
}

export function checkRelated(opts: RelatedOptions): { k: number; minScore: number | undefined } {
  const k = opts.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new OptionError('k', `must be a positive integer, got ${JSON.stringify(k)}`);
  const { minScore } = opts;
  if (minScore !== undefined && !(typeof minScore === 'number' && minScore >= -1 && minScore <= 1)) {
    throw new OptionError('minScore', `must be a number in [-1, 1], got ${JSON.stringify(minScore)}`);
  }
  return { k, minScore };
}
