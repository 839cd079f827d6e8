import type { Paper, Theme } from '../types.js';
import { renderHTML, type HtmlOptions } from './html.js';
import { displayInNotebook } from './notebook.js';
import { themeColor } from './palette.js';
import { renderSVG, type SvgOptions } from './svg.js';
import type { MapData, MapLabel, MapPoint, MimeBundle, VegaLiteSpec } from './types.js';
import { renderVegaLite } from './vega.js';

export type { MapData, MapLabel, MapPoint, MimeBundle, VegaLiteSpec } from './types.js';

export interface MapOptions {
  /** Related papers listed per paper in the HTML map (default 5). */
  relatedPerPaper?: number;
  /** Title shown above the map. */
  title?: string;
}

/** A topic map as plain data, with renderers. */
export interface TopicMap extends MapData {
  toSVG(opts?: SvgOptions): string;
  toHTML(opts?: HtmlOptions): string;
  toVegaLite(): VegaLiteSpec;
  /** The MIME bundle notebook front ends render (SVG, HTML, Vega-Lite, plain text). */
  mimeBundle(): MimeBundle;
  /** Shows the map in a Deno (`Deno.jupyter`) or tslab Jupyter kernel; returns the MIME bundle. */
  display(): Promise<MimeBundle>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One paper's place on the map, as the atlas hands it over. */
export interface MapInput {
  paper: Paper;
  x: number;
  y: number;
  theme: number;
  related: string[];
}

export function buildMap(input: readonly MapInput[], themes: readonly Theme[], opts: MapOptions = {}): TopicMap {
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
  const data: MapData = { points, labels, title };
  const map: TopicMap = {
    ...data,
    toSVG: (o) => renderSVG(data, o),
    toHTML: (o) => renderHTML(data, o),
    toVegaLite: () => renderVegaLite(data),
    mimeBundle: () => ({
      'image/svg+xml': renderSVG(data),
      'text/html': renderHTML(data, { fragment: true }),
      'application/vnd.vegalite.v5+json': renderVegaLite(data),
      'text/plain': `${title}: ${points.length} papers in ${labels.length} themes`,
    }),
    display: async () => displayInNotebook(map.mimeBundle()),
  };
  // Deno's Jupyter kernel renders any value that has this method when it ends a cell.
  Object.defineProperty(map, Symbol.for('Jupyter.display'), { value: () => map.mimeBundle(), enumerable: false });
  return map;
}
