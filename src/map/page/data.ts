/**
 * What the HTML map's page receives: the map as columns (a 100k-paper map stays a few tens of MB),
 * in view coordinates (`VIEW_W` × `VIEW_H`). Written by `renderHTML` in Node, read by the page
 * script; both sides are type-checked against this one declaration.
 */

import type { ExportFormat } from '../../corpus/export.js';

/** The page's drawing is laid out in this many view units; the stage scales it to its width. */
export const VIEW_W = 1000;
export const VIEW_H = 700;
/** Above this many points the page blends points into pixels itself instead of drawing a path each. */
export const SPLAT_ABOVE = 20_000;
/** Search matches and selected papers get a ring while there are at most this many. */
export const RINGS_MAX = 5_000;
/** The element id the page script mounts on, replaced in the script text by the map's own id. */
export const ROOT_PLACEHOLDER = '__PAPER_ATLAS_ROOT__';

/** A theme's placed name, in view units. */
export interface PageTheme {
  id: number;
  label: string;
  size: number;
  /** The theme's point colour, and the darker one its name is written in. */
  color: string;
  ink: string;
  lines: string[];
  font: number;
  /** Line height. */
  lh: number;
  /** Centre and size of the room the name takes. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  /** Leader line `[x1, y1, x2, y2]` from the name to its theme, or null. */
  leader: [number, number, number, number] | null;
}

/** A part of a theme (`theme.parts`), named when the map is zoomed in. */
export interface PagePart {
  theme: number;
  text: string;
  x: number;
  y: number;
  size: number;
}

/** What a selection exports from, per paper (only the fields a paper has). */
export interface PageCitation {
  authors?: string[];
  year?: number;
  doi?: string;
  url?: string;
  venue?: string;
}

export interface PageData {
  title: string;
  /** Point radius in view units. */
  radius: number;
  ids: string[];
  titles: string[];
  x: number[];
  y: number[];
  theme: number[];
  /** Related papers of each paper, as rows. */
  related: number[][];
  /** Phrases each related paper shares with this one, parallel to `related`. */
  why?: string[][][];
  /** Rows each paper cites. */
  cites?: number[][];
  /** http(s) links by row. */
  urls: Record<number, string>;
  /** Export fields by row. */
  cite: PageCitation[];
  themes: PageTheme[];
  parts: PagePart[];
  /** The atlas's last refit: ids of the themes born in it, rows of the papers that moved theme. */
  born?: number[];
  moved?: number[];
}

/** What `element.paperAtlas` offers scripts and tests on the page. */
export interface PageApi {
  select(id: string): void;
  hits(): string[];
  visibleCount(): number;
  positionOf(id: string): { x: number; y: number } | null;
  zoom(k: number, cx?: number, cy?: number): void;
  linksDrawn(): number;
  /** Ids of the selected papers, in map order. */
  selection(): string[];
  /** Replaces the selection with these papers (unknown ids are ignored). */
  choose(ids: string[]): void;
  /** The selection as BibTeX, CSL-JSON or an id list. */
  exportSelection(format: ExportFormat): string;
  /** Rings the papers that moved theme in the last refit (or stops); returns how many are ringed. */
  showMoved(on: boolean): number;
  draw(): void;
}
