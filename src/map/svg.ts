import { escapeXml } from './escape.js';
import { placeLabels, scaler, type Box } from './labels.js';
import { themeColor } from './palette.js';
import type { MapData, MapLabel } from './types.js';

export interface SvgOptions {
  width?: number;
  height?: number;
  /** Point radius in pixels (default: 4 for small maps, shrinking to 1.5 at 10k points). */
  radius?: number;
  /** Draw the legend on the right (default true). */
  legend?: boolean;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

export function renderSVG(map: MapData, opts: SvgOptions = {}): string {
  const width = opts.width ?? 1100;
  const height = opts.height ?? 760;
  const legend = opts.legend ?? true;
  const legendW = legend ? 260 : 0;
  const n = map.points.length;
  const radius = opts.radius ?? Math.max(1.5, Math.min(4, 4 - Math.log10(Math.max(n, 1) / 200)));
  const plot: Box = { x: 20, y: 50, w: width - legendW - 40, h: height - 70 };
  const toPx = scaler(map.points.length ? map.points : [{ x: 0, y: 0 }], plot);
  const fontSize = 13;
  const anchors = map.labels.map((l: MapLabel) => {
    const [x, y] = toPx(l.x, l.y);
    return { text: l.text, x, y, size: l.size };
  });
  const placed = placeLabels(anchors, fontSize, plot);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" role="img">`,
    `<title>${escapeXml(map.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="30" font-size="18" font-weight="600" fill="#222">${escapeXml(map.title)}</text>`,
    `<g class="points" fill-opacity="${n > 2000 ? 0.55 : 0.85}">`,
  );
  for (const p of map.points) {
    const [x, y] = toPx(p.x, p.y);
    out.push(`<circle cx="${r1(x)}" cy="${r1(y)}" r="${r1(radius)}" fill="${themeColor(p.theme)}"><title>${escapeXml(p.title)}</title></circle>`);
  }
  out.push('</g>', '<g class="labels">');
  map.labels.forEach((l, i) => {
    const { x, y, box } = placed[i]!;
    out.push(
      `<rect x="${r1(box.x)}" y="${r1(box.y)}" width="${r1(box.w)}" height="${r1(box.h)}" rx="3" fill="#ffffff" fill-opacity="0.8" stroke="${l.color}"/>`,
      `<text x="${r1(x)}" y="${r1(y + fontSize * 0.35)}" font-size="${fontSize}" text-anchor="middle" fill="#222">${escapeXml(l.text)}</text>`,
    );
  });
  out.push('</g>');
  if (legend) {
    const lx = width - legendW + 10;
    const rowH = Math.min(22, (height - 80) / Math.max(map.labels.length, 1));
    const legendFont = Math.max(8, Math.min(12, rowH - 4));
    out.push(`<g class="legend" font-size="${r1(legendFont)}">`, `<text x="${lx}" y="42" font-size="13" font-weight="600" fill="#222">Themes</text>`);
    [...map.labels]
      .sort((a, b) => a.theme - b.theme)
      .forEach((l, i) => {
        const y = 60 + i * rowH;
        const text = `${l.text} (${l.size})`;
        const maxChars = Math.floor((legendW - 40) / (legendFont * 0.58));
        out.push(
          `<circle cx="${lx + 6}" cy="${r1(y)}" r="5" fill="${l.color}"/>`,
          `<text x="${lx + 18}" y="${r1(y + legendFont * 0.35)}" fill="#333">${escapeXml(text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text)}</text>`,
        );
      });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}
