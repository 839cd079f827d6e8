import { area, curveMonotoneX, stack, stackOffsetWiggle, stackOrderInsideOut } from 'd3-shape';
import { checkOptionsObject, OptionError, optionKeys } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { escapeXml } from './escape.js';
import { wrapText } from './labels.js';
import { displayInNotebook } from './notebook.js';
import { themeColor } from './palette.js';
import { svgToPng, type PngOptions } from './png.js';
import type { VegaLiteSpec } from './types.js';

/** Papers per theme per period. */
export interface ThemesOverTime {
  /** Period names, oldest first: `"2019"`, or `"2015–2019"` for bins of several years. */
  periods: string[];
  /** First year of each period. */
  starts: number[];
  /** One row per theme (largest first): papers in each period. */
  themes: { id: number; label: string; counts: number[] }[];
  /** Papers without a year (not counted in any period). */
  undated: number;
}

export interface TimelineOptions {
  /** [bin='year'] Years per period: `'year'` (1) or a whole number of years. */
  bin?: 'year' | number;
  /** [from] First year shown (default: the earliest paper's). */
  from?: number;
  /** [to] Last year shown (default: the latest paper's). */
  to?: number;
}

/** A themes-over-time table with renderers: a streamgraph in Vega-Lite and in SVG. */
export interface Timeline extends ThemesOverTime {
  toVegaLite(): VegaLiteSpec;
  toSVG(opts?: { width?: number; height?: number }): string;
  /** The streamgraph as PNG (see `TopicMap.toPNG`). */
  toPNG(opts?: PngOptions & { width?: number; height?: number }): Promise<Uint8Array>;
  mimeBundle(): { 'image/svg+xml': string; 'application/vnd.vegalite.v5+json': VegaLiteSpec; 'text/plain': string };
  display(): Promise<void>;
  /** Writes `.svg`, `.png` or `.json` (Vega-Lite), atomically. */
  write(file: string): Promise<void>;
}

const MAX_PERIODS = 1000;
const TIMELINE_KEYS = optionKeys<TimelineOptions>()('bin', 'from', 'to');

/** Counts papers per theme per period. */
export function countOverTime(
  papers: readonly { year?: number | undefined; theme: number }[],
  themes: readonly { id: number; label: string }[],
  opts: TimelineOptions = {},
): ThemesOverTime {
  checkOptionsObject('options', opts, TIMELINE_KEYS);
  const width = opts.bin === undefined || opts.bin === 'year' ? 1 : opts.bin;
  if (!Number.isInteger(width) || width < 1 || width > 1000)
    throw new OptionError('bin', `must be 'year' or a whole number of years, got ${JSON.stringify(opts.bin)}`);
  for (const [name, y] of [
    ['from', opts.from],
    ['to', opts.to],
  ] as const) {
    if (y !== undefined && !Number.isInteger(y)) throw new OptionError(name, `must be an integer year, got ${JSON.stringify(y)}`);
  }
  const years = papers.map((p) => p.year).filter((y): y is number => Number.isInteger(y));
  const first = opts.from ?? (years.length ? Math.min(...years) : 0);
  const last = opts.to ?? (years.length ? Math.max(...years) : -1);
  if (last >= first && Math.floor((last - first) / width) + 1 > MAX_PERIODS)
    throw new OptionError('bin', `makes more than ${MAX_PERIODS} periods from ${first} to ${last}; use a wider bin`);
  const count = last >= first ? Math.floor((last - first) / width) + 1 : 0;
  const starts = Array.from({ length: count }, (_, i) => first + i * width);
  const periods = starts.map((s) => {
    const end = Math.min(s + width - 1, last);
    return end === s ? String(s) : `${s}–${end}`;
  });
  const rowOf = new Map(themes.map((t, i) => [t.id, i]));
  const rows = themes.map((t) => ({ id: t.id, label: t.label, counts: new Array<number>(count).fill(0) }));
  let undated = 0;
  for (const p of papers) {
    if (p.year === undefined || !Number.isInteger(p.year)) {
      undated++;
      continue;
    }
    if (p.year < first || p.year > last) continue;
    const row = rowOf.get(p.theme);
    if (row !== undefined) rows[row]!.counts[Math.floor((p.year - first) / width)]!++;
  }
  return { periods, starts, themes: rows, undated };
}

function vegaLite(t: ThemesOverTime): VegaLiteSpec {
  const values = t.themes.flatMap((th) => th.counts.map((n, i) => ({ period: t.periods[i], start: t.starts[i], theme: th.label, papers: n })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Themes over time',
    width: 760,
    height: 360,
    data: { values },
    mark: { type: 'area', interpolate: 'monotone', tooltip: true },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: 'Year', axis: { format: 'd', labelExpr: 'datum.label' } },
      y: { field: 'papers', type: 'quantitative', stack: 'center', axis: null },
      color: {
        field: 'theme',
        type: 'nominal',
        scale: { domain: t.themes.map((th) => th.label), range: t.themes.map((th) => themeColor(th.id)) },
        legend: { title: 'Themes', labelLimit: 0, columns: 1 },
      },
      tooltip: [
        { field: 'theme', type: 'nominal', title: 'Theme' },
        { field: 'period', type: 'nominal', title: 'Period' },
        { field: 'papers', type: 'quantitative', title: 'Papers' },
      ],
    },
  };
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A streamgraph (d3-shape's wiggle offset, inside-out order) with a wrapped legend. */
function svg(t: ThemesOverTime, opts: { width?: number; height?: number } = {}): string {
  const width = opts.width ?? 1100;
  const height = opts.height ?? 480;
  const legendW = 280;
  const plot = { x: 30, y: 50, w: width - legendW - 50, h: height - 90 };
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, Helvetica, Arial, sans-serif" role="img">`,
    '<title>Themes over time</title>',
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    '<text x="30" y="30" font-size="18" font-weight="600" fill="#222">Themes over time</text>',
  ];
  const n = t.periods.length;
  if (n) {
    const table = t.starts.map((_, i) => Object.fromEntries(t.themes.map((th) => [th.id, th.counts[i]!])));
    const layers = stack<Record<string, number>>()
      .keys(t.themes.map((th) => String(th.id)))
      .offset(stackOffsetWiggle)
      .order(stackOrderInsideOut)(table);
    const lo = Math.min(0, ...layers.flatMap((l) => l.map((p) => p[0])));
    const hi = Math.max(1, ...layers.flatMap((l) => l.map((p) => p[1])));
    const x = (i: number): number => plot.x + (n === 1 ? plot.w / 2 : (i / (n - 1)) * plot.w);
    const y = (v: number): number => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;
    const shape = area<[number, number]>()
      .x((_, i) => x(i))
      .y0((p) => y(p[0]))
      .y1((p) => y(p[1]))
      .curve(curveMonotoneX);
    for (const layer of layers) {
      const th = t.themes.find((row) => String(row.id) === layer.key)!;
      const d = shape(layer.map((p) => [p[0], p[1]] as [number, number]));
      if (d)
        out.push(
          `<path d="${d.replace(/(\d+\.\d{2})\d+/gu, '$1')}" fill="${themeColor(th.id)}" fill-opacity="0.9" stroke="#fff" stroke-width="0.5"><title>${escapeXml(th.label)}</title></path>`,
        );
    }
    const step = Math.max(1, Math.ceil(n / 12));
    out.push('<g font-size="11" fill="#444" text-anchor="middle">');
    for (let i = 0; i < n; i += step) out.push(`<text x="${r1(x(i))}" y="${r1(plot.y + plot.h + 18)}">${escapeXml(t.periods[i]!)}</text>`);
    out.push('</g>');
  } else {
    out.push(`<text x="${plot.x}" y="${plot.y + 20}" font-size="13" fill="#666">No paper has a year.</text>`);
  }
  // The legend wraps long labels instead of cutting them.
  const lx = width - legendW + 10;
  const chars = Math.floor((legendW - 30) / (11 * 0.56));
  let ly = 60;
  out.push(`<g class="legend" font-size="11" fill="#333"><text x="${lx}" y="42" font-size="13" font-weight="600" fill="#222">Themes</text>`);
  for (const th of t.themes) {
    const lines = wrapText(`${th.label} (${th.counts.reduce((a, b) => a + b, 0)})`, chars);
    if (ly + lines.length * 14 > height - 10) break;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${themeColor(th.id)}"/>`);
    lines.forEach((line, i) => out.push(`<text x="${lx + 16}" y="${ly + i * 14}">${escapeXml(line)}</text>`));
    ly += lines.length * 14 + 4;
  }
  out.push('</g>');
  if (t.undated) out.push(`<text x="30" y="${height - 12}" font-size="11" fill="#666">${t.undated} papers without a year are not shown.</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The table with its renderers attached. */
export function timeline(t: ThemesOverTime): Timeline {
  const result: Timeline = {
    ...t,
    toVegaLite: () => vegaLite(t),
    toSVG: (o) => svg(t, o),
    toPNG: async (o = {}) => svgToPng(svg(t, o), o),
    mimeBundle: () => ({
      'image/svg+xml': svg(t),
      'application/vnd.vegalite.v5+json': vegaLite(t),
      'text/plain': `${t.themes.length} themes over ${t.periods.length} periods (${t.periods[0] ?? '-'} to ${t.periods.at(-1) ?? '-'})`,
    }),
    display: () => displayInNotebook(result.mimeBundle()),
    write: async (file) => {
      if (/\.svg$/iu.test(file)) await writeFileAtomic(file, svg(t));
      else if (/\.png$/iu.test(file)) await writeFileAtomic(file, await svgToPng(svg(t)));
      else if (/\.json$/iu.test(file)) await writeFileAtomic(file, `${JSON.stringify(vegaLite(t), null, 1)}\n`);
      else throw new OptionError('file', `cannot tell the format from "${file}": use .svg, .png or .json (Vega-Lite)`);
    },
  };
  Object.defineProperty(result, Symbol.for('Jupyter.display'), { value: () => result.mimeBundle(), enumerable: false });
  return result;
}
