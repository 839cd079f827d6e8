import type { MapLabel, TopicMap } from './map.js';
import { themeColor } from './map.js';

export interface SvgOptions {
  width?: number;
  height?: number;
  /** Point radius in pixels (default: 4 for small maps, shrinking to 1.5 at 10k points). */
  radius?: number;
  /** Draw the legend on the right (default true). */
  legend?: boolean;
}

/** Escapes text for XML content and attribute values: every paper field passes through here. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Width estimate for a sans-serif label: enough for collision checks without a font engine. */
export const textWidth = (text: string, fontSize: number): number => text.length * fontSize * 0.58;

/**
 * Places labels at their anchors, largest theme first; a label that would overlap one already
 * placed moves along a spiral to the nearest free spot inside the plot. Returns label centers.
 */
export function placeLabels(
  labels: readonly { text: string; x: number; y: number; size: number }[],
  fontSize: number,
  bounds: Box,
): { x: number; y: number; box: Box }[] {
  const placed: Box[] = [];
  const out = new Array<{ x: number; y: number; box: Box }>(labels.length);
  const order = labels.map((_, i) => i).sort((a, b) => labels[b]!.size - labels[a]!.size || a - b);
  for (const i of order) {
    const l = labels[i]!;
    const w = textWidth(l.text, fontSize) + 8;
    const h = fontSize + 6;
    let chosen: Box | undefined;
    for (let step = 0; step < 400 && !chosen; step++) {
      const angle = step * 0.6;
      const r = step * 2.5;
      const cx = l.x + r * Math.cos(angle);
      const cy = l.y + r * Math.sin(angle);
      const box = {
        x: Math.min(Math.max(cx - w / 2, bounds.x), bounds.x + bounds.w - w),
        y: Math.min(Math.max(cy - h / 2, bounds.y), bounds.y + bounds.h - h),
        w,
        h,
      };
      if (!placed.some((p) => overlaps(p, box))) chosen = box;
    }
    chosen ??= { x: l.x - w / 2, y: l.y - h / 2, w, h };
    placed.push(chosen);
    out[i] = { x: chosen.x + w / 2, y: chosen.y + h / 2, box: chosen };
  }
  return out;
}

/** Maps data coordinates into a pixel box, keeping the aspect ratio. */
export function scaler(points: readonly { x: number; y: number }[], box: Box): (x: number, y: number) => [number, number] {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const spanX = Math.max(Math.max(...xs) - minX, 1e-9);
  const spanY = Math.max(Math.max(...ys) - minY, 1e-9);
  const s = Math.min(box.w / spanX, box.h / spanY);
  const ox = box.x + (box.w - spanX * s) / 2;
  const oy = box.y + (box.h - spanY * s) / 2;
  return (x, y) => [ox + (x - minX) * s, oy + (y - minY) * s];
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

export function renderSVG(map: TopicMap, opts: SvgOptions = {}): string {
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
