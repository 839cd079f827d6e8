import { extname } from 'node:path';
import { OptionError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
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
  /** Shows the map in a Deno or tslab Jupyter kernel (the whole MIME bundle, one output); outside a notebook it does nothing. */
  display(): Promise<void>;
  /**
   * Writes the map to a file, atomically; the format comes from the extension (`.html`, `.svg`,
   * `.json` for Vega-Lite) unless given.
   */
  write(file: string, opts?: { format?: MapFormat }): Promise<void>;
}

export type MapFormat = 'html' | 'svg' | 'vega';
export const MAP_FORMATS: readonly MapFormat[] = ['html', 'svg', 'vega'];

function formatOf(file: string, given?: MapFormat): MapFormat {
  if (given !== undefined) {
    if (!MAP_FORMATS.includes(given)) throw new OptionError('format', `must be one of ${MAP_FORMATS.join(', ')}, got ${JSON.stringify(given)}`);
    return given;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.svg') return 'svg';
  if (ext === '.json') return 'vega';
  throw new OptionError('format', `cannot tell the map format from "${file}": use .html, .svg or .json (Vega-Lite), or pass format`);
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
    write: async (file, o = {}) => {
      const format = formatOf(file, o.format);
      const content = format === 'svg' ? renderSVG(data) : format === 'html' ? renderHTML(data) : `${JSON.stringify(renderVegaLite(data), null, 1)}\n`;
      await writeFileAtomic(file, content);
    },
  };
  // Deno's Jupyter kernel renders any value that has this method when it ends a cell.
  Object.defineProperty(map, Symbol.for('Jupyter.display'), { value: () => map.mimeBundle(), enumerable: false });
  return map;
}
