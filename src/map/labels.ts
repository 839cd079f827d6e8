import { boundsOf, boxGap, boxMeetsHull, convexHull, gapToHull, grow, segmentHitsBox, segmentsMeet, type Box, type Point } from './geometry.js';
import { textWidth } from './text-width.js';

export type { Box, Point } from './geometry.js';

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
  /** The room the label takes: its text, in the widest face it may be drawn with, plus a margin. */
  box: Box;
  /** Centre of the box. */
  x: number;
  y: number;
  /** The leader line, from the box's edge to the edge of its theme's points, when the label sits away from them. */
  leader: { from: Point; to: Point } | null;
  /** Points (of any theme) under the box: 0 unless no clear spot was left anywhere. */
  covered: number;
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
  /** [pointRadius=3] Radius of a drawn point: a label keeps this far (plus a pixel) from every point's centre. */
  pointRadius?: number;
}

/** Points bucketed on a grid, for "is any point in this box" in time proportional to the box. */
class PointGrid {
  private readonly cells = new Map<number, number[]>();

  constructor(
    private readonly points: readonly Point[],
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

  /** Points inside the box. */
  count(box: Box): number {
    let n = 0;
    for (let cx = Math.floor(box.x / this.cell); cx <= Math.floor((box.x + box.w) / this.cell); cx++) {
      for (let cy = Math.floor(box.y / this.cell); cy <= Math.floor((box.y + box.h) / this.cell); cy++) {
        for (const i of this.cells.get(this.key(cx, cy)) ?? []) {
          const p = this.points[i]!;
          if (p.x >= box.x && p.x <= box.x + box.w && p.y >= box.y && p.y <= box.y + box.h) n++;
        }
      }
    }
    return n;
  }
}

/**
 * Marks per cell of a grid over the plot, with a summed-area table (`build` after marking): how
 * many marks lie in the cells a box touches, in constant time whatever the density. Cells a box
 * only grazes count whole, so 0 means nothing marked is anywhere near the box. Holds the points
 * (one mark each) and, separately, the room placed labels and their leader lines take.
 */
class CellTable {
  private readonly cols: number;
  private readonly rows: number;
  private readonly cells: Int32Array;
  private readonly sums: Int32Array;

  constructor(
    private readonly bounds: Box,
    private readonly cell: number,
  ) {
    this.cols = Math.max(1, Math.ceil(bounds.w / cell));
    this.rows = Math.max(1, Math.ceil(bounds.h / cell));
    this.cells = new Int32Array(this.cols * this.rows);
    this.sums = new Int32Array((this.cols + 1) * (this.rows + 1));
  }

  private col(x: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.bounds.x) / this.cell)));
  }

  private row(y: number): number {
    return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.bounds.y) / this.cell)));
  }

  point(p: Point): this {
    this.cells[this.row(p.y) * this.cols + this.col(p.x)]!++;
    return this;
  }

  box(b: Box): this {
    for (let r = this.row(b.y); r <= this.row(b.y + b.h); r++) this.cells.fill(1, r * this.cols + this.col(b.x), r * this.cols + this.col(b.x + b.w) + 1);
    return this;
  }

  /** The cells a segment passes through, sampled every half cell. */
  line(a: Point, b: Point): this {
    const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / (this.cell / 2)) + 1;
    for (let i = 0; i <= steps; i++) this.point({ x: a.x + ((b.x - a.x) * i) / steps, y: a.y + ((b.y - a.y) * i) / steps });
    return this;
  }

  /** Rebuilds the summed-area table from the marks. */
  build(): this {
    const s = this.sums;
    const stride = this.cols + 1;
    for (let r = 0; r < this.rows; r++) {
      for (let c = 0; c < this.cols; c++)
        s[(r + 1) * stride + c + 1] = this.cells[r * this.cols + c]! + s[r * stride + c + 1]! + s[(r + 1) * stride + c]! - s[r * stride + c]!;
    }
    return this;
  }

  /** Marks in the cells the box touches. */
  count(b: Box): number {
    const stride = this.cols + 1;
    const c0 = this.col(b.x);
    const c1 = this.col(b.x + b.w) + 1;
    const r0 = this.row(b.y);
    const r1 = this.row(b.y + b.h) + 1;
    const s = this.sums;
    return s[r1 * stride + c1]! - s[r0 * stride + c1]! - s[r1 * stride + c0]! + s[r0 * stride + c0]!;
  }
}

/** Up to this many points near a spot, they are counted one by one (beyond, the cell count stands). */
const EXACT_COUNT_MAX = 64;
/** Pixels kept free between two labels. */
const LABEL_GAP = 2;
/** A label further than this from its theme's points gets a leader line. */
const LEADER_AFTER = 6;
/** A theme's core, which its label sits beside and its leader line points at: its points this close to its anchor (a quantile of their distances). */
const CORE_QUANTILE = 0.85;

/** The theme's core points (the share nearest its anchor) and their convex hull. */
function coreHull(anchor: Point, members: readonly Point[]): Point[] {
  if (!members.length) return [anchor];
  const d = members.map((p) => Math.hypot(p.x - anchor.x, p.y - anchor.y));
  const limit = [...d].sort((a, b) => a - b)[Math.min(d.length - 1, Math.floor(CORE_QUANTILE * d.length))]!;
  return convexHull(members.filter((_, i) => d[i]! <= limit));
}

/** Spots near a label's anchor are tried every ~6 px, out to this radius; beyond it every ~12 px. */
const NEAR_RADIUS = 200;

/**
 * Spots to try around an anchor, nearest first, as (radius, angle): two golden-angle spirals (even
 * coverage at every radius), a fine one out to `NEAR_RADIUS` and a coarser one beyond, out to `reach`.
 */
function* spiral(reach: number): Generator<[number, number]> {
  const near = Math.min(NEAR_RADIUS, reach);
  const fine = Math.ceil((Math.PI * near * near) / 36);
  for (let s = 0; s < fine; s++) yield [near * Math.sqrt(s / fine), s * 2.39996];
  const coarse = Math.ceil((Math.PI * reach * reach) / 144);
  for (let s = Math.ceil((coarse * near * near) / (reach * reach)); s < coarse; s++) yield [reach * Math.sqrt(s / coarse), s * 2.39996];
}

/**
 * Places theme labels like a published figure (after DataMapPlot's manner): type sized by theme
 * size, long names wrapped, largest theme first. Each label goes beside its theme: the spot
 * nearest its theme's core (the hull of its points nearest its anchor), outside that hull, clear of
 * every point of every theme, of the labels already placed and of their leader lines. A label that
 * sits more than a few pixels from its theme gets a leader line to the core's edge, which crosses
 * no label and no other leader line. Spots are sampled on a spiral from the anchor that sweeps the
 * whole plot. When no spot is clear of points, the one covering fewest is taken and `covered` says
 * how many (`layoutMap` then makes room at the plot's edges and tries again).
 */
export function placeLabels(
  labels: readonly LabelRequest[],
  points: readonly (Point & { theme: number })[],
  bounds: Box,
  opts: PlaceOptions = {},
): PlacedLabel[] {
  return place(labels, points, bounds, opts, false)!;
}

/** Whether a leader line crosses a placed name or another leader (leaders that only share their theme end meet, they do not cross). */
function crossesAny(leader: { from: Point; to: Point }, placed: readonly Box[], leaders: readonly { from: Point; to: Point }[]): boolean {
  if (placed.some((p) => segmentHitsBox(leader.from, leader.to, p))) return true;
  return leaders.some((o) => (o.to.x !== leader.to.x || o.to.y !== leader.to.y) && segmentsMeet(o.from, o.to, leader.from, leader.to));
}

/** `placeLabels`; when `strict`, gives up (null) at the first label that finds no spot clear of points. */
function place(
  labels: readonly LabelRequest[],
  points: readonly (Point & { theme: number })[],
  bounds: Box,
  opts: PlaceOptions,
  strict: boolean,
): PlacedLabel[] | null {
  const minFont = opts.minFont ?? 11;
  const maxFont = opts.maxFont ?? 17;
  const wrap = opts.wrap ?? 24;
  const pad = (opts.pointRadius ?? 3) + 1;
  const grid = new PointGrid(points);
  // Dense maps (100k+ points) cover most spots with someone's points: counts come from a summed-area
  // table, and only sparse spots are counted exactly.
  const table = new CellTable(bounds, 2);
  for (const p of points) table.point(p);
  table.build();
  const pointsUnder = (box: Box): number => {
    const grown = grow(box, pad);
    const near = table.count(grown);
    return near > EXACT_COUNT_MAX ? near : near && grid.count(grown);
  };
  const byTheme = new Map<number, Point[]>();
  for (const p of points) (byTheme.get(p.theme) ?? byTheme.set(p.theme, []).get(p.theme)!).push(p);
  const biggest = Math.max(1, ...labels.map((l) => l.size));
  const placed: Box[] = [];
  // The room placed labels and their leader lines take.
  const taken = new CellTable(bounds, 2);
  const leaders: { from: Point; to: Point }[] = [];
  const out = new Array<PlacedLabel>(labels.length);
  const order = labels.map((_, i) => i).sort((a, b) => labels[b]!.size - labels[a]!.size || a - b);
  const reach = Math.hypot(bounds.w, bounds.h);
  for (const i of order) {
    const l = labels[i]!;
    const fontSize = Math.round((minFont + (maxFont - minFont) * Math.sqrt(l.size / biggest)) * 2) / 2;
    const lines = wrapText(l.text, wrap);
    const lineHeight = fontSize * 1.2;
    const w = Math.min(Math.max(...lines.map((t) => textWidth(t, fontSize))) + 6, bounds.w);
    const h = Math.min(lines.length * lineHeight + 4, bounds.h);
    const hull = coreHull(l, byTheme.get(l.theme) ?? []);
    const hullBox = boundsOf(hull);
    const hullReach = Math.max(...hull.map((p) => Math.hypot(p.x - l.x, p.y - l.y)));
    let best: { box: Box; covered: number; gap: number; leader: { from: Point; to: Point } | null } | undefined;
    // Leader lines cross no name and no other leader; only if that leaves no spot at all may they.
    for (const strictLeaders of [true, false]) {
      for (const [r, angle] of spiral(reach)) {
        // Beyond this radius no box can come nearer the core than the best clear spot found.
        if (best && best.covered === 0 && r - hullReach - Math.hypot(w, h) / 2 > best.gap) break;
        const box = {
          x: Math.min(Math.max(l.x + r * Math.cos(angle) - w / 2, bounds.x), bounds.x + bounds.w - w),
          y: Math.min(Math.max(l.y + r * Math.sin(angle) - h / 2, bounds.y), bounds.y + bounds.h - h),
          w,
          h,
        };
        const covered = pointsUnder(box);
        if (best && covered > best.covered) continue;
        if (taken.count(box)) continue;
        // The gap to the hull's bounding box is a lower bound of the gap to the hull.
        if (best && covered === best.covered && boxGap(box, hullBox) >= best.gap) continue;
        if (boxMeetsHull(box, hull)) continue;
        const near = gapToHull(box, hull);
        if (best && covered === best.covered && near.distance >= best.gap) continue;
        const leader = near.distance > LEADER_AFTER ? { from: near.from, to: near.to } : null;
        if (leader && strictLeaders && crossesAny(leader, placed, leaders)) continue;
        best = { box, covered, gap: near.distance, leader };
      }
      if (best) break;
    }
    // Every spot overlaps a label (a plot too small for its labels): stack below the last one.
    const chosen = best ?? {
      box: { x: bounds.x, y: Math.min(bounds.y + bounds.h - h, Math.max(bounds.y, ...placed.map((p) => p.y + p.h))), w, h },
      covered: 0,
      leader: null,
    };
    if (!best) chosen.covered = pointsUnder(chosen.box);
    if (strict && chosen.covered > 0) return null;
    placed.push(grow(chosen.box, LABEL_GAP));
    taken.box(grow(chosen.box, LABEL_GAP));
    if (chosen.leader) {
      leaders.push(chosen.leader);
      taken.line(chosen.leader.from, chosen.leader.to);
    }
    taken.build();
    const { box } = chosen;
    out[i] = { lines, fontSize, lineHeight, box, x: box.x + w / 2, y: box.y + h / 2, leader: chosen.leader, covered: chosen.covered };
  }
  return out;
}

/** Share of the frame's width (and of its height, times `MARGIN_ASPECT`) left free of points on each side, tried in turn until every label finds a clear spot. */
const MARGINS = [0.07, 0.11, 0.16, 0.22, 0.3];
const MARGIN_ASPECT = 0.85;

export interface MapLayout<P> {
  /** Data coordinates to pixels. */
  toPx: (x: number, y: number) => [number, number];
  /** The points in pixels, in input order. */
  px: (Point & { theme: number })[];
  /** The labels, in input order. */
  placed: PlacedLabel[];
  /** The points' own payload, passed through. */
  points: readonly P[];
}

/**
 * Points scaled into the frame and labels placed beside their themes. When some label finds no
 * spot clear of points, the points are drawn smaller within the frame (wider free margins, where
 * labels of themes at the edge can go) and the labels placed again; the first layout where every
 * label is clear is kept, else the one covering fewest points.
 */
export function layoutMap<P extends Point & { theme: number }>(
  points: readonly P[],
  labels: readonly { text: string; x: number; y: number; size: number; theme: number }[],
  frame: Box,
  opts: PlaceOptions = {},
): MapLayout<P> {
  let best: (MapLayout<P> & { covered: number }) | undefined;
  for (const [attempt, m] of MARGINS.entries()) {
    const inner: Box = {
      x: frame.x + m * frame.w,
      y: frame.y + m * MARGIN_ASPECT * frame.h,
      w: (1 - 2 * m) * frame.w,
      h: (1 - 2 * m * MARGIN_ASPECT) * frame.h,
    };
    const toPx = scaler(points.length ? points : [{ x: 0, y: 0 }], inner);
    const px = points.map((p) => {
      const [x, y] = toPx(p.x, p.y);
      return { x, y, theme: p.theme };
    });
    // Every layout but the last gives up at the first label without a clear spot.
    const placed = place(
      labels.map((l) => {
        const [x, y] = toPx(l.x, l.y);
        return { ...l, x, y };
      }),
      px,
      frame,
      opts,
      attempt < MARGINS.length - 1,
    );
    if (!placed) continue;
    const covered = placed.reduce((s, l) => s + l.covered, 0);
    if (!best || covered < best.covered) best = { toPx, px, placed, points, covered };
    if (covered === 0) break;
  }
  const { covered: _, ...layout } = best!;
  return layout;
}

/** Maps data coordinates into a pixel box, keeping the aspect ratio. */
export function scaler(points: readonly { x: number; y: number }[], box: Box): (x: number, y: number) => [number, number] {
  const { x: minX, y: minY, w, h } = boundsOf(points);
  const spanX = Math.max(w, 1e-9);
  const spanY = Math.max(h, 1e-9);
  const s = Math.min(box.w / spanX, box.h / spanY);
  const ox = box.x + (box.w - spanX * s) / 2;
  const oy = box.y + (box.h - spanY * s) / 2;
  return (x, y) => [ox + (x - minX) * s, oy + (y - minY) * s];
}
