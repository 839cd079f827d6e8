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
 * Point counts per cell of a grid over the plot, as a summed-area table: how many points fall in
 * the cells a box touches, in constant time whatever the density. Cells the box only grazes count
 * whole, so a count of 0 means no point is anywhere near the box.
 */
class CountTable {
  private readonly cols: number;
  private readonly rows: number;
  private readonly sums: Int32Array;

  constructor(
    private readonly bounds: Box,
    private readonly cell: number,
  ) {
    this.cols = Math.max(1, Math.ceil(bounds.w / cell));
    this.rows = Math.max(1, Math.ceil(bounds.h / cell));
    this.sums = new Int32Array((this.cols + 1) * (this.rows + 1));
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.bounds.x) / this.cell)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.bounds.y) / this.cell)));
  }

  /** Counts these points (replacing what the table held). */
  fill(points: readonly { x: number; y: number }[], rows: Iterable<number>): this {
    const s = this.sums;
    const stride = this.cols + 1;
    s.fill(0);
    for (const i of rows) s[(this.row(points[i]!.y) + 1) * stride + this.col(points[i]!.x) + 1]!++;
    for (let r = 1; r <= this.rows; r++) {
      for (let c = 1; c <= this.cols; c++) s[r * stride + c]! += s[(r - 1) * stride + c]! + s[r * stride + c - 1]! - s[(r - 1) * stride + c - 1]!;
    }
    return this;
  }

  /** Points in the cells that the box, grown by `pad`, touches. */
  count(box: Box, pad: number): number {
    const stride = this.cols + 1;
    const c0 = this.col(box.x - pad);
    const c1 = this.col(box.x + box.w + pad) + 1;
    const r0 = this.row(box.y - pad);
    const r1 = this.row(box.y + box.h + pad) + 1;
    const s = this.sums;
    return s[r1 * stride + c1]! - s[r0 * stride + c1]! - s[r1 * stride + c0]! + s[r0 * stride + c0]!;
  }
}

/** Up to this many nearby points of other themes, a spot's cost is counted point by point. */
const EXACT_COST_MAX = 64;

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
  // Dense maps (100k+ points) cover every spot with someone's points, so the spiral runs to its end:
  // counts come from summed-area tables there (all points, and the label's own theme), and only
  // sparse spots are counted exactly.
  const cell = 2;
  const all = new CountTable(bounds, cell).fill(points, points.keys());
  const own = new CountTable(bounds, cell);
  const byTheme = new Map<number, number[]>();
  points.forEach((p, i) => {
    let list = byTheme.get(p.theme);
    if (!list) byTheme.set(p.theme, (list = []));
    list.push(i);
  });
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
    own.fill(points, byTheme.get(l.theme) ?? []);
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
      const near = all.count(box, pad) - own.count(box, pad);
      const cost = near > EXACT_COST_MAX ? near : near && grid.othersIn(box, l.theme, pad);
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
