export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Width estimate for a label in a sans-serif face (Inter/Helvetica average advance ≈ 0.56 em, plus a
 * margin for wide letters): enough to keep boxes apart without a font engine.
 */
export const textWidth = (text: string, fontSize: number): number => text.length * fontSize * 0.58;

/**
 * Wraps text into lines of at most `max` characters, at spaces. A longer word keeps a line of its
 * own, whole up to twice `max` ("follow-the-regularized-leader"); only longer ones are cut.
 */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/u).filter(Boolean)) {
    for (let w = word; w.length; ) {
      const room = line ? max - line.length - 1 : max;
      if (w.length <= room) {
        line = line ? `${line} ${w}` : w;
        w = '';
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        const cut = w.length <= 2 * max ? w.length : max;
        lines.push(w.slice(0, cut));
        w = w.slice(cut);
      }
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}

/** A theme's label as drawn: wrapped lines, font size, box, and the leader line from box to theme (if any). */
export interface PlacedLabel {
  lines: string[];
  fontSize: number;
  lineHeight: number;
  box: Box;
  /** Centre of the box. */
  x: number;
  y: number;
  /** Where the theme's points are: the leader line runs from the box edge to here when the box had to move away. */
  anchor: { x: number; y: number };
  leader: boolean;
}

export interface LabelRequest {
  text: string;
  /** The theme's anchor in pixels (median of its points). */
  x: number;
  y: number;
  /** Papers in the theme: larger themes get larger type and are placed first. */
  size: number;
  theme: number;
}

export interface PlaceOptions {
  /** [minFont=11] and [maxFont=17] pixel sizes for the smallest and largest theme. */
  minFont?: number;
  maxFont?: number;
  /** [wrap=24] Characters per line before a label wraps. */
  wrap?: number;
}

/** Points bucketed on a grid, for "which points fall in this box" in time proportional to the box. */
class PointGrid {
  private readonly cells = new Map<number, number[]>();

  constructor(
    private readonly points: readonly { x: number; y: number; theme: number }[],
    private readonly cell = 12,
  ) {
    points.forEach((p, i) => {
      const key = this.key(Math.floor(p.x / cell), Math.floor(p.y / cell));
      let list = this.cells.get(key);
      if (!list) this.cells.set(key, (list = []));
      list.push(i);
    });
  }

  private key(cx: number, cy: number): number {
    return (cx + 10_000) * 100_000 + (cy + 10_000);
  }

  /** Points of themes other than `theme` inside the box, grown by `pad` pixels. */
  othersIn(box: Box, theme: number, pad: number): number {
    let n = 0;
    const x0 = Math.floor((box.x - pad) / this.cell);
    const x1 = Math.floor((box.x + box.w + pad) / this.cell);
    const y0 = Math.floor((box.y - pad) / this.cell);
    const y1 = Math.floor((box.y + box.h + pad) / this.cell);
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        for (const i of this.cells.get(this.key(cx, cy)) ?? []) {
          const p = this.points[i]!;
          if (p.theme !== theme && p.x >= box.x - pad && p.x <= box.x + box.w + pad && p.y >= box.y - pad && p.y <= box.y + box.h + pad) n++;
        }
      }
    }
    return n;
  }
}

/**
 * Places theme labels like a published figure (after DataMapPlot's manner): type sized by theme
 * size, long names wrapped, largest theme first. Each label takes the free spot nearest its theme's
 * anchor on a widening spiral: inside the plot, clear of every label already placed and of every
 * point of another theme (with a margin for the point's radius). A label that ends up away from its
 * theme gets a leader line. When no spot is clear of other themes' points, the one covering fewest
 * is taken (labels still never overlap each other).
 */
export function placeLabels(
  labels: readonly LabelRequest[],
  points: readonly { x: number; y: number; theme: number }[],
  bounds: Box,
  opts: PlaceOptions & { pointRadius?: number } = {},
): PlacedLabel[] {
  const minFont = opts.minFont ?? 11;
  const maxFont = opts.maxFont ?? 17;
  const wrap = opts.wrap ?? 24;
  const pad = (opts.pointRadius ?? 3) + 1;
  const grid = new PointGrid(points);
  const biggest = Math.max(1, ...labels.map((l) => l.size));
  const placed: Box[] = [];
  const out = new Array<PlacedLabel>(labels.length);
  const order = labels.map((_, i) => i).sort((a, b) => labels[b]!.size - labels[a]!.size || a - b);
  // A spiral from the anchor whose turns sweep the whole plot: samples about every 8 px, nearest first.
  const reach = Math.hypot(bounds.w, bounds.h);
  const samples = Math.ceil((Math.PI * reach * reach) / 64);
  for (const i of order) {
    const l = labels[i]!;
    const fontSize = Math.round((minFont + (maxFont - minFont) * Math.sqrt(l.size / biggest)) * 2) / 2;
    const lines = wrapText(l.text, wrap);
    const lineHeight = fontSize * 1.2;
    const w = Math.min(Math.max(...lines.map((t) => textWidth(t, fontSize))) + 8, bounds.w);
    const h = Math.min(lines.length * lineHeight + 6, bounds.h);
    let best: { box: Box; cost: number } | undefined;
    for (let s = 0; s < samples; s++) {
      const angle = s * 2.39996; // the golden angle: even coverage at every radius
      const r = reach * Math.sqrt(s / samples);
      const box = {
        x: Math.min(Math.max(l.x + r * Math.cos(angle) - w / 2, bounds.x), bounds.x + bounds.w - w),
        y: Math.min(Math.max(l.y + r * Math.sin(angle) - h / 2, bounds.y), bounds.y + bounds.h - h),
        w,
        h,
      };
      if (placed.some((p) => overlaps(p, box))) continue;
      const cost = grid.othersIn(box, l.theme, pad);
      if (!best || cost < best.cost) best = { box, cost };
      if (cost === 0) break;
    }
    // Every spot overlaps a label (a plot too small for its labels): stack below the last one.
    const box = best?.box ?? { x: bounds.x, y: Math.min(bounds.y + bounds.h - h, Math.max(bounds.y, ...placed.map((p) => p.y + p.h))), w, h };
    placed.push(box);
    const cx = box.x + w / 2;
    const cy = box.y + h / 2;
    const away = Math.hypot(cx - l.x, cy - l.y) > Math.max(w, h) / 2 + 6;
    out[i] = { lines, fontSize, lineHeight, box, x: cx, y: cy, anchor: { x: l.x, y: l.y }, leader: away };
  }
  return out;
}

/** Where a leader line leaves a label's box: the point of the box's edge nearest the anchor. */
export function leaderStart(label: PlacedLabel): { x: number; y: number } {
  const { box, anchor } = label;
  return { x: Math.min(Math.max(anchor.x, box.x), box.x + box.w), y: Math.min(Math.max(anchor.y, box.y), box.y + box.h) };
}

/** Maps data coordinates into a pixel box, keeping the aspect ratio. */
export function scaler(points: readonly { x: number; y: number }[], box: Box): (x: number, y: number) => [number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const spanX = Math.max(maxX - minX, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  const s = Math.min(box.w / spanX, box.h / spanY);
  const ox = box.x + (box.w - spanX * s) / 2;
  const oy = box.y + (box.h - spanY * s) / 2;
  return (x, y) => [ox + (x - minX) * s, oy + (y - minY) * s];
}
