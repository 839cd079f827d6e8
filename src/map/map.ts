import { extname } from 'node:path';
import { checkOptionsObject, OptionError, optionKeys } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Paper, Theme, ThemeChanges } from '../types.js';
import { median } from '../vector.js';
import { renderHTML, type HtmlOptions } from './html.js';
import { displayInNotebook } from './notebook.js';
import { themeColor } from './palette.js';
import { svgToPng, type PngOptions } from './png.js';
import { renderSVG, type SvgOptions } from './svg.js';
import { exportRecord } from '../corpus/export.js';
import type { MapData, MapLabel, MapPoint, MapSubLabel, MimeBundle, VegaLiteSpec } from './types.js';
import { renderVegaLite } from './vega.js';

export type { MapChanges, MapData, MapLabel, MapPoint, MapSubLabel, MimeBundle, VegaLiteSpec } from './types.js';

export interface MapOptions {
  /**
   * [relatedPerPaper=5] Related papers listed per paper in the HTML map, 0 to 50. Each paper costs
   * one store query (about 1 ms in memory, ~13 ms from a large Lance table), so a million-paper map
   * is drawn in seconds with 0 and takes that many queries otherwise.
   */
  relatedPerPaper?: number;
  /**
   * Show the phrases each related paper shares with the selected one (default: up to 20,000
   * papers; computing them costs about a millisecond per paper).
   */
  why?: boolean;
  /** Title shown above the map. */
  title?: string;
}

/** A topic map as plain data, with renderers. */
export interface TopicMap extends MapData {
  toSVG(opts?: SvgOptions): string;
  toHTML(opts?: HtmlOptions): string;
  toVegaLite(): VegaLiteSpec;
  /**
   * The static map as PNG bytes, drawn from `toSVG()` by resvg with the bundled Inter font: the
   * same image whatever fonts the machine has (needs the optional dependencies @resvg/resvg-js and @expo-google-fonts/inter).
   */
  toPNG(opts?: PngOptions & SvgOptions): Promise<Uint8Array>;
  /** The MIME bundle notebook front ends render (SVG, HTML, Vega-Lite, plain text). */
  mimeBundle(): MimeBundle;
  /** Shows the map in a Deno or tslab Jupyter kernel (the whole MIME bundle, one output); outside a notebook it does nothing. */
  display(): Promise<void>;
  /**
   * Writes the map to a file, atomically; the format comes from the extension (`.html`, `.svg`,
   * `.png`, `.json` for Vega-Lite) unless given.
   */
  write(file: string, opts?: { format?: MapFormat }): Promise<void>;
}

export type MapFormat = 'html' | 'svg' | 'png' | 'vega';
export const MAP_FORMATS: readonly MapFormat[] = ['html', 'svg', 'png', 'vega'];

function formatOf(file: string, given?: MapFormat): MapFormat {
  if (given !== undefined) {
    if (!MAP_FORMATS.includes(given)) throw new OptionError('format', `must be one of ${MAP_FORMATS.join(', ')}, got ${JSON.stringify(given)}`);
    return given;
  }
  const ext = extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  if (ext === '.json') return 'vega';
  throw new OptionError('format', `cannot tell the map format from "${file}": use .html, .svg, .png or .json (Vega-Lite), or pass format`);
}

/** One paper's place on the map, as the atlas hands it over. */
export interface MapInput {
  paper: Paper;
  x: number;
  y: number;
  theme: number;
  related: string[];
  /** Phrases each related paper shares with this one (parallel to `related`). */
  why?: string[][];
  /** Ids of the papers of the map it cites. */
  cites?: string[];
}

/** Every key of `MapOptions` and of the renderers' options, checked where they are passed. */
export const MAP_OPTION_KEYS = optionKeys<MapOptions>()('relatedPerPaper', 'why', 'title');
const SVG_KEYS = optionKeys<SvgOptions>()('width', 'height', 'radius', 'legend');
const PNG_KEYS = [...SVG_KEYS, ...optionKeys<PngOptions>()('scale')];
const HTML_KEYS = optionKeys<HtmlOptions>()('fragment');

export function buildMap(input: readonly MapInput[], themes: readonly Theme[], opts: MapOptions = {}, changes?: ThemeChanges): TopicMap {
  checkOptionsObject('map options', opts, MAP_OPTION_KEYS);
  const points: MapPoint[] = input.map(({ paper, x, y, theme, related, why, cites }) => ({
    id: paper.id,
    title: paper.title,
    x,
    y,
    theme,
    related,
    ...(why ? { why } : {}),
    ...(cites?.length ? { cites } : {}),
    ...(paper.year !== undefined ? { year: paper.year } : {}),
    ...(paper.url !== undefined ? { url: paper.url } : {}),
    cite: exportRecord(paper),
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
  const onMap = new Set(points.map((p) => p.id));
  const shown = changes && {
    born: changes.born.map((b) => b.id).filter((id) => labels.some((l) => l.theme === id)),
    moved: changes.moved.map((m) => m.id).filter((id) => onMap.has(id)),
  };
  const data: MapData = { points, labels, sublabels: partLabels(points, themes), title, ...(shown ? { changes: shown } : {}) };
  const map: TopicMap = {
    ...data,
    toSVG: (o) => (checkOptionsObject('toSVG options', o, SVG_KEYS), renderSVG(data, o)),
    toHTML: (o) => (checkOptionsObject('toHTML options', o, HTML_KEYS), renderHTML(data, o)),
    toVegaLite: () => renderVegaLite(data),
    toPNG: (o = {}) => (checkOptionsObject('toPNG options', o, PNG_KEYS), svgToPng(renderSVG(data, o), o)),
    mimeBundle: () => ({
      'image/svg+xml': renderSVG(data),
      'text/html': renderHTML(data, { fragment: true }),
      'application/vnd.vegalite.v5+json': renderVegaLite(data),
      'text/plain': `${title}: ${points.length} papers in ${labels.length} themes`,
    }),
    display: async () => displayInNotebook(map.mimeBundle()),
    write: async (file, o = {}) => {
      checkOptionsObject('write options', o, ['format']);
      const format = formatOf(file, o.format);
      const content =
        format === 'svg'
          ? renderSVG(data)
          : format === 'html'
            ? renderHTML(data)
            : format === 'png'
              ? await svgToPng(renderSVG(data))
              : `${JSON.stringify(renderVegaLite(data), null, 1)}\n`;
      await writeFileAtomic(file, content);
    },
  };
  // Deno's Jupyter kernel renders any value that has this method when it ends a cell.
  Object.defineProperty(map, Symbol.for('Jupyter.display'), { value: () => map.mimeBundle(), enumerable: false });
  return map;
}

/** Names of the themes' parts (`theme.parts`), each at the median position of its papers on the map. */
function partLabels(points: readonly MapPoint[], themes: readonly Theme[]): MapSubLabel[] {
  const at = new Map(points.map((p) => [p.id, p]));
  return themes.flatMap((t) =>
    (t.parts ?? []).flatMap((part) => {
      const members = part.paperIds.map((id) => at.get(id)).filter((p): p is MapPoint => p !== undefined);
      return members.length
        ? [{ theme: t.id, text: part.label, x: median(members.map((p) => p.x)), y: median(members.map((p) => p.y)), size: members.length }]
        : [];
    }),
  );
}
