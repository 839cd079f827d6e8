import { escapeXml } from './escape.js';
import { layoutMap, wrapText, type Box, type PlacedLabel } from './labels.js';
import { labelColor, themeColor } from './palette.js';
import type { MapData } from './types.js';

export interface SvgOptions {
  width?: number;
  height?: number;
  /** Point radius in pixels (default: 4 for small maps, shrinking to 1 at 100k points). */
  radius?: number;
  /** Draw the legend on the right (default true). */
  legend?: boolean;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

export const FONT_FAMILY = 'Inter, Helvetica, Arial, sans-serif';

/** Point radius for a map of n points: 4 px up to a few hundred, then shrinking with log n. */
export const defaultRadius = (n: number): number => Math.max(1, Math.min(4, 4 - 1.1 * Math.log10(Math.max(n, 1) / 200)));

/** Label text: semibold, centred, on a white halo that keeps it legible over leader lines and grid. */
export const LABEL_STYLE = 'text-anchor="middle" font-weight="600" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"';

/** A label's lines as SVG text, centred on its box. */
export function labelText(l: PlacedLabel, attrs: string): string {
  const top = l.y - ((l.lines.length - 1) * l.lineHeight) / 2 + l.fontSize * 0.35;
  return `<text x="${r1(l.x)}" y="${r1(top)}" font-size="${l.fontSize}" ${attrs}>${l.lines
    .map((line, i) => `<tspan x="${r1(l.x)}" dy="${i ? r1(l.lineHeight) : 0}">${escapeXml(line)}</tspan>`)
    .join('')}</text>`;
}

/**
 * A static map for papers and slides: points coloured by theme; theme names beside their themes,
 * never over a point (sized by theme, wrapped, in the theme's colour darkened for text, on a white
 * halo, leader lines where they sit away); and a legend that wraps long names and grows the figure
 * rather than cut them.
 */
export function renderSVG(map: MapData, opts: SvgOptions = {}): string {
  const width = opts.width ?? 1100;
  const legend = opts.legend ?? true;
  const legendW = legend ? 280 : 0;
  const n = map.points.length;
  const radius = opts.radius ?? defaultRadius(n);
  const legendFont = 12;
  const legendChars = Math.floor((legendW - 36) / (legendFont * 0.58));
  // Themes born in the atlas's last refit say so in the legend.
  const born = new Set(map.changes?.born ?? []);
  const rows = [...map.labels]
    .sort((a, b) => a.theme - b.theme)
    .map((l) => ({ l, lines: wrapText(`${l.text} (${l.size})${born.has(l.theme) ? ' · new' : ''}`, legendChars) }));
  const legendH = 70 + rows.reduce((s, r) => s + r.lines.length * legendFont * 1.25 + 5, 0);
  const height = Math.max(opts.height ?? 760, legend ? legendH : 0);
  const frame: Box = { x: 20, y: 50, w: width - legendW - 40, h: height - 70 };
  const { px, placed } = layoutMap(map.points, map.labels, frame, { pointRadius: radius });
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r1(height)}" viewBox="0 0 ${width} ${r1(height)}" font-family="${FONT_FAMILY}" role="img">`,
    `<title>${escapeXml(map.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="30" font-size="18" font-weight="600" fill="#222">${escapeXml(map.title)}</text>`,
    `<g class="points" fill-opacity="${n > 2000 ? 0.6 : 0.85}">`,
  );
  map.points.forEach((p, i) => {
    out.push(`<circle cx="${r1(px[i]!.x)}" cy="${r1(px[i]!.y)}" r="${r1(radius)}" fill="${themeColor(p.theme)}"><title>${escapeXml(p.title)}</title></circle>`);
  });
  out.push('</g>', '<g class="labels">');
  map.labels.forEach((l, i) => {
    const pl = placed[i]!;
    if (pl.leader) {
      const { from, to } = pl.leader;
      out.push(
        `<line class="leader" data-theme="${l.theme}" x1="${r1(from.x)}" y1="${r1(from.y)}" x2="${r1(to.x)}" y2="${r1(to.y)}" stroke="#555" stroke-width="0.8"/>`,
      );
    }
  });
  map.labels.forEach((l, i) => out.push(labelText(placed[i]!, `class="label" data-theme="${l.theme}" ${LABEL_STYLE} fill="${labelColor(l.theme)}"`)));
  out.push('</g>');
  if (legend) {
    const lx = width - legendW + 10;
    out.push(`<g class="legend" font-size="${legendFont}">`, `<text x="${lx}" y="42" font-size="13" font-weight="600" fill="#222">Themes</text>`);
    let y = 62;
    for (const { l, lines } of rows) {
      out.push(`<circle cx="${lx + 6}" cy="${r1(y - legendFont * 0.35)}" r="5" fill="${l.color}"/>`);
      lines.forEach((line, i) => out.push(`<text x="${lx + 18}" y="${r1(y + i * legendFont * 1.25)}" fill="#333">${escapeXml(line)}</text>`));
      y += lines.length * legendFont * 1.25 + 5;
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}
