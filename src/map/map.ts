import type { Paper } from '../corpus/corpus.js';
import type { Theme } from '../atlas.js';
import { renderHTML, type HtmlOptions } from './html.js';
import { renderSVG, type SvgOptions } from './svg.js';
import { renderVegaLite, type VegaLiteSpec } from './vega.js';

/** One paper on the map. */
export interface MapPoint {
  id: string;
  title: string;
  x: number;
  y: number;
  theme: number;
  /** Ids of the most related papers, best first (precomputed from the index for the HTML map). */
  related: string[];
  year?: number;
  url?: string;
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

export interface MapOptions {
  /** Related papers listed per paper in the HTML map (default 5). */
  relatedPerPaper?: number;
  /** Title shown above the map. */
  title?: string;
}

export type MimeBundle = {
  'image/svg+xml': string;
  'text/html': string;
  'application/vnd.vegalite.v5+json': VegaLiteSpec;
  'text/plain': string;
};

/** A topic map as plain data, with renderers. */
export interface TopicMap {
  points: MapPoint[];
  labels: MapLabel[];
  title: string;
  toSVG(opts?: SvgOptions): string;
  toHTML(opts?: HtmlOptions): string;
  toVegaLite(): VegaLiteSpec;
  /** The MIME bundle notebook front ends render (SVG, HTML, Vega-Lite, plain text). */
  mimeBundle(): MimeBundle;
  /** Shows the map in a Deno (`Deno.jupyter`) or tslab Jupyter kernel; returns the MIME bundle. */
  display(): Promise<MimeBundle>;
}

/**
 * Theme colours: Tableau 10 then its lighter companions, which stay distinguishable for up to 20
 * themes; beyond that, evenly spaced hues.
 */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6', '#8cd17d', '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#79706e',
];

export function themeColor(theme: number): string {
  if (theme < PALETTE.length) return PALETTE[theme]!;
  return `hsl(${Math.round((theme * 137.508) % 360)}, 55%, 55%)`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface MapInput {
  paper: Paper;
  x: number;
  y: number;
  theme: number;
  related: string[];
}

export function buildMap(input: MapInput[], themes: readonly Theme[], opts: MapOptions = {}): TopicMap {
  const points: MapPoint[] = input.map(({ paper, x, y, theme, related }) => ({
    id: paper.id,
    title: paper.title,
    x,
    y,
    theme,
    related,
    ...(paper.year !== undefined ? { year: paper.year } : {}),
    ...(paper.url !== undefined ? { url: paper.url } : {}),
  }));
  const labels: MapLabel[] = themes
    .map((t) => {
      const members = points.filter((p) => p.theme === t.id);
      return members.length
        ? { theme: t.id, text: t.label, x: median(members.map((p) => p.x)), y: median(members.map((p) => p.y)), size: members.length, color: themeColor(t.id) }
        : undefined;
    })
    .filter((l): l is MapLabel => l !== undefined);
  const title = opts.title ?? 'paper-atlas topic map';
  const map: TopicMap = {
    points,
    labels,
    title,
    toSVG: (o) => renderSVG(map, o),
    toHTML: (o) => renderHTML(map, o),
    toVegaLite: () => renderVegaLite(map),
    mimeBundle: () => ({
      'image/svg+xml': renderSVG(map),
      'text/html': renderHTML(map, { fragment: true }),
      'application/vnd.vegalite.v5+json': renderVegaLite(map),
      'text/plain': `${title}: ${points.length} papers in ${labels.length} themes`,
    }),
    display: async () => displayInNotebook(map.mimeBundle()),
  };
  // Deno's Jupyter kernel renders any value that has this method when it ends a cell.
  Object.defineProperty(map, Symbol.for('Jupyter.display'), { value: () => map.mimeBundle(), enumerable: false });
  return map;
}

async function displayInNotebook(bundle: MimeBundle): Promise<MimeBundle> {
  const deno = (globalThis as { Deno?: { jupyter?: { display?: (b: unknown, o?: unknown) => Promise<void> } } }).Deno;
  if (deno?.jupyter?.display) {
    await deno.jupyter.display(bundle, { raw: true });
    return bundle;
  }
  try {
    // tslab is optional and only present inside its kernel; the indirection keeps bundlers from resolving it.
    const name = 'tslab';
    const tslab = (await import(name)) as { display: { html(s: string): void } };
    tslab.display.html(bundle['text/html']);
  } catch {
    // Outside a notebook there is nothing to show; the bundle is still returned.
  }
  return bundle;
}
