/**
 * Types shared across the pipeline (corpus → embeddings → store → reduce → cluster → label → map).
 * This module sits at the bottom of the import graph: it imports nothing from the library.
 */

/** One paper. `id` is unique within its corpus and stable across runs for the same input. */
export interface Paper {
  readonly id: string;
  readonly title: string;
  readonly abstract: string;
  readonly url?: string;
  /** The DOI, bare (`10.1000/xyz`), when the source has one. */
  readonly doi?: string;
  readonly year?: number;
  /** Author names as "Given Family". */
  readonly authors?: readonly string[];
  /**
   * What the paper cites, as its source names them: ids of papers in the corpus, bare DOIs, OpenAlex
   * work ids (`W2741809807`), Semantic Scholar ids, inside the corpus or not.
   */
  readonly references?: readonly string[];
  /** How many papers cite it, where the source says (OpenAlex `cited_by_count`, Semantic Scholar `citationCount`). */
  readonly citedByCount?: number;
  /** Set when the source had no abstract and the paper is kept on its title alone (`missingAbstract: 'title'`). */
  readonly missingAbstract?: true;
  /** Every other field of the input record, untouched. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** A record as users hand it in: `title` and `abstract` are required, the rest optional. */
export type PaperRecord = Record<string, unknown>;

/** A paper with its similarity to a query: cosine in [-1, 1], higher is closer. */
export interface Neighbor {
  paper: Paper;
  /** What the results are ordered by: the cosine, or with `rank: 'hybrid'` the hybrid relevance. */
  score: number;
  /** Cosine similarity of the two embeddings. */
  cosine: number;
}

/** A named group of papers. Ids are 0..k-1: a build numbers themes largest first; refits and merges keep the ids of the themes that persist. */
export interface Theme {
  id: number;
  /** Short human label, unique across themes (e.g. "preference optimization"). */
  label: string;
  /** Distinctive phrases, best first. */
  keywords: string[];
  size: number;
  paperIds: string[];
  /** The papers closest to the theme centroid, most central first. */
  representative: string[];
  /**
   * The theme's parts, the finer level of the map (named when the HTML map is zoomed in): a theme
   * of `PART_MIN_SIZE` papers or more splits into 2 to 5 parts by where its papers lie on the map.
   * Computed by build and refit and saved with the atlas; absent on smaller themes, and on
   * atlases saved before parts existed until their next refit.
   */
  parts?: ThemePart[];
  /**
   * What the user changed: `label` when they named it (`renameTheme`, or a merge given a label),
   * `merged` when it is a merge of their making. Refits keep both where the theme persists.
   */
  edited?: { label?: true; merged?: true };
}

/**
 * What a refit changed in the themes, matched to the themes before it by the papers they share
 * (a maximum-weight matching on Jaccard overlap, at least `MIN_MATCH`): matched themes keep their
 * id, colour and edits. Papers added since the previous fit count for no theme before it.
 */
export interface ThemeChanges {
  /** Matched themes: the id they keep (`from` = `id` unless there are fewer themes than before and the old id is gone). */
  kept: { id: number; from: number; label: string; overlap: number }[];
  /** New themes with no match before, with how many of their papers were added since the previous fit. */
  born: { id: number; label: string; size: number; added: number }[];
  /** Themes before with no match now. */
  dissolved: { id: number; label: string; size: number }[];
  /** Themes before whose papers went to two or more themes now (each taking at least a quarter of them). */
  split: { from: number; into: number[] }[];
  /** Themes now that took at least a quarter of their earlier papers from each of two or more themes before. */
  merged: { into: number; from: number[] }[];
  /** Papers in the atlas before that are now in a theme of another id. */
  moved: { id: string; from: number; to: number }[];
  /** Share of the papers of the previous fit that kept their theme id. */
  stayed: number;
  /** User edits carried over: themes whose name was kept, merges made again. */
  reapplied: { renamed: number[]; merged: number[] };
}

/** A part of a theme: a group of its papers lying together on the map, named by what sets them apart within the theme. */
export interface ThemePart {
  label: string;
  /** Distinctive phrases within the theme, best first. */
  keywords: string[];
  size: number;
  paperIds: string[];
}

/** How the number of themes was chosen: the candidates tried and their scores. */
export interface KSelection {
  k: number;
  /** `given`: the caller fixed k (or the themes); otherwise the criterion that chose it. */
  method: string;
  scores: { k: number; silhouette: number; inertia: number }[];
}

/** Where a transformer model was found: reported in atlas metadata and CLI output. */
export interface ModelResolution {
  model: string;
  source: 'directory' | 'package' | 'cache' | 'hub';
  /** Directory the files were loaded from (for `hub`, where they were downloaded to). */
  path: string;
  /** Every place looked at, in order, for error messages and `info`. */
  tried: string[];
}

/** What shapes a transformer's vectors besides its weights. */
export interface EmbedderSettings {
  pooling: 'mean';
  long: 'chunk' | 'truncate';
  maxTokens: number;
}

/** Which embedder produced the vectors, and how it was found. */
export interface EmbedderInfo {
  id: string;
  dims: number;
  kind: 'transformer' | 'lexical' | 'custom';
  /** For transformer models: where the model files came from. */
  resolution?: ModelResolution;
  /** For transformer models: how texts become vectors, restored when a saved atlas embeds queries. */
  settings?: EmbedderSettings;
}

export type BuildStage = 'embed' | 'index' | 'reduce' | 'layout' | 'cluster' | 'label';

export interface BuildProgress {
  stage: BuildStage;
  done: number;
  total: number;
  /** Papers per second, for the embedding stage. */
  rate?: number;
}

/** What every pipeline stage is handed besides its data. */
export interface StageContext {
  /** Drives every random choice of the stage: same input and seed, same output. */
  seed: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Each row's nearest neighbours (itself first, at distance 0), by euclidean distance between unit
 * vectors (√(2 − 2·cos)): row i's neighbours are `indices[i*k .. i*k+k)`. The pipeline computes it
 * once from the vector store and hands it to every stage that needs neighbourhoods (UMAP).
 */
export interface KnnGraph {
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

/** Plain JSON, as a saved atlas stores a stage's options and state. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * A pipeline stage (reducer, clusterer, labeller, vector store): a stable `id`, and the fully
 * resolved options that recreate it. A saved atlas records both; built-in stages are recreated
 * from them on load, custom ones (any `id` paper-atlas does not know) must be passed again.
 */
export interface Stage {
  readonly id: string;
  /** Every setting, defaults filled in, as plain JSON. */
  readonly options: Readonly<JsonObject>;
}
