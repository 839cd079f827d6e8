import type { ExportRecord } from '../corpus/export.js';

/** One paper on the map. */
export interface MapPoint {
  id: string;
  title: string;
  x: number;
  y: number;
  theme: number;
  /** Ids of the most related papers, best first (precomputed from the store for the HTML map). */
  related: string[];
  /** Phrases each related paper shares with this one, parallel to `related` (when computed). */
  why?: string[][];
  /** Ids of the map's papers this one cites (where papers list references). */
  cites?: string[];
  year?: number;
  url?: string;
  /** What a selection of this paper exports (BibTeX, CSL-JSON, ids): its own fields. */
  cite?: ExportRecord;
}

/** Where a theme's name belongs: the median position of its papers. */
export interface MapLabel {
  theme: number;
  text: string;
  x: number;
  y: number;
  size: number;
  color: string;
}

/** A part of a large theme (`theme.parts`), named when the HTML map is zoomed in. */
export interface MapSubLabel {
  theme: number;
  text: string;
  x: number;
  y: number;
  size: number;
}

/** What the renderers draw. */
export interface MapData {
  points: MapPoint[];
  labels: MapLabel[];
  /** Names of the parts of large themes (`theme.parts`, shown when zoomed in). */
  sublabels: MapSubLabel[];
  title: string;
  /** What the atlas's last refit changed: themes born in it, and ids of the map's papers that moved to another theme. */
  changes?: MapChanges;
}

/** The last refit's changes, as the map shows them. */
export interface MapChanges {
  born: number[];
  moved: string[];
}

/** A Vega-Lite v5 specification (JSON), as notebook front ends render it. */
export type VegaLiteSpec = Record<string, unknown>;

export type MimeBundle = {
  'image/svg+xml': string;
  'text/html': string;
  'application/vnd.vegalite.v5+json': VegaLiteSpec;
  'text/plain': string;
};
