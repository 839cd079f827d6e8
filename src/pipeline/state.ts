import type { LexicalModel } from '../embed/lexical.js';
import type { EmbedderInfo, KSelection, Paper, Theme, ThemeChanges } from '../types.js';
import type { Stages } from './stages.js';

/** Themes, their centroids and the map layout, as the pipeline fits them. */
export interface ThemeFit {
  themes: Theme[];
  /** Theme of each row. */
  assignments: number[];
  /** Unit-length mean embedding of each theme. */
  centroids: Float32Array[];
  kSelection: KSelection;
  /** 2-D map position of each row. */
  coords: [number, number][];
  /**
   * Where the layout put the rows of the last fit, before the pull by theme (`themeWeight`): a
   * refit's layout starts from here (absent in atlases saved before refits did).
   */
  layoutCoords?: [number, number][];
}

/** Everything an atlas is; the vectors and the store's files are saved in binary form. */
export interface AtlasState extends ThemeFit {
  /** The one timestamp in a saved atlas; everything else is a function of input and seed. */
  createdAt: string;
  source: string;
  seed: number;
  /** Above this many papers, layout and themes were fitted on a sample of this size. */
  fitSample: number;
  /** The JavaScript engine the themes and layout were fitted on (see `engineId`). */
  engine: string;
  embedder: EmbedderInfo;
  papers: Paper[];
  /** One unit vector per row. */
  vectors: Float32Array[];
  /** Rows hidden by `remove` (kept so that rows never shift), ascending. */
  removed: number[];
  stages: Stages;
  warnings: string[];
  lexicalModel?: LexicalModel;
  /** What the last refit changed in the themes (absent before the first refit). */
  changes?: ThemeChanges;
  /** Papers the themes were last fitted on (build or refit): `update` measures growth against it. */
  fittedPapers?: number;
}

/** Rows the themes were last fitted on: rows never shift between fits, so rows from here on were added since. */
export const lastFitRows = (state: AtlasState): number => state.fittedPapers ?? state.papers.length;
