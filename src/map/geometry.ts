/** Plane geometry for laying out a map: boxes, segments, convex hulls. Pixels, y down. */

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two boxes share area (boxes that only touch do not). */
export const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The box grown by `pad` on every side. */
export const grow = (b: Box, pad: number): Box => ({ x: b.x - pad, y: b.y - pad, w: b.w + 2 * pad, h: b.h + 2 * pad });

const inside = (b: Box, p: Point): boolean => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Whether segments ab and cd cross or touch. */
export function segmentsMeet(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const on = (p: Point, q: Point, r: Point): boolean =>
    Math.min(p.x, q.x) <= r.x && r.x <= Math.max(p.x, q.x) && Math.min(p.y, q.y) <= r.y && r.y <= Math.max(p.y, q.y);
  return (d1 === 0 && on(c, d, a)) || (d2 === 0 && on(c, d, b)) || (d3 === 0 && on(a, b, c)) || (d4 === 0 && on(a, b, d));
}

/** Whether segment ab passes through the box (Liang-Barsky clipping). */
export function segmentHitsBox(a: Point, b: Point, box: Box): boolean {
  const x1 = box.x + box.w;
  const y1 = box.y + box.h;
  // Most pairs are far apart: compare bounding boxes first.
  if (Math.max(a.x, b.x) < box.x || Math.min(a.x, b.x) > x1 || Math.max(a.y, b.y) < box.y || Math.min(a.y, b.y) > y1) return false;
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    return t0 <= t1;
  };
  return clip(-dx, a.x - box.x) && clip(dx, x1 - a.x) && clip(-dy, a.y - box.y) && clip(dy, y1 - a.y);
}

/** Distance between two boxes (0 when they meet). */
export function boxGap(a: Box, b: Box): number {
  const dx = Math.max(0, a.x - (b.x + b.w), b.x - (a.x + a.w));
  const dy = Math.max(0, a.y - (b.y + b.h), b.y - (a.y + a.h));
  return Math.hypot(dx, dy);
}

/** The bounding box of points. */
export function boundsOf(points: readonly Point[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The convex hull of the points, counter-clockwise on screen (Andrew's monotone chain); 1 or 2 points come back as they are. */
export function convexHull(points: readonly Point[]): Point[] {
  const ps = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (ps.length < 3) return ps;
  const half = (list: Point[]): Point[] => {
    const out: Point[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  const hull = [...half(ps), ...half([...ps].reverse())];
  return hull.length ? hull : [ps[0]!];
}

/** The hull's edges as segments (a single point is a segment of length 0). */
const edgesOf = (hull: readonly Point[]): [Point, Point][] =>
  hull.length === 1 ? [[hull[0]!, hull[0]!]] : hull.map((p, i): [Point, Point] => [p, hull[(i + 1) % hull.length]!]);

function insideHull(hull: readonly Point[], p: Point): boolean {
  if (hull.length < 3) return false;
  const sign = Math.sign(cross(hull[0]!, hull[1]!, hull[2]!));
  return hull.every((a, i) => Math.sign(cross(a, hull[(i + 1) % hull.length]!, p)) !== -sign);
}

/** Whether the box and the convex polygon share any point. */
export function boxMeetsHull(box: Box, hull: readonly Point[]): boolean {
  if (hull.some((p) => inside(box, p))) return true;
  if (insideHull(hull, { x: box.x + box.w / 2, y: box.y + box.h / 2 })) return true;
  return edgesOf(hull).some(([a, b]) => segmentHitsBox(a, b, box));
}

/**
 * The closest pair between a box and a convex polygon that do not meet: `from` on the box's edge,
 * `to` on the polygon's boundary, and their distance. (Between convex shapes apart, one end of a
 * closest pair is a vertex: a polygon vertex against the box, or a box corner against an edge.)
 */
export function gapToHull(box: Box, hull: readonly Point[]): { from: Point; to: Point; distance: number } {
  const x1 = box.x + box.w;
  const y1 = box.y + box.h;
  let best = Infinity;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  const m = hull.length;
  for (let i = 0; i < m; i++) {
    const a = hull[i]!;
    // The vertex against the box.
    const cx = a.x < box.x ? box.x : a.x > x1 ? x1 : a.x;
    const cy = a.y < box.y ? box.y : a.y > y1 ? y1 : a.y;
    const d = (cx - a.x) ** 2 + (cy - a.y) ** 2;
    if (d < best) {
      best = d;
      fx = cx;
      fy = cy;
      tx = a.x;
      ty = a.y;
    }
    if (m < 2) break;
    // Each box corner against the edge from this vertex.
    const b = hull[(i + 1) % m]!;
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const len = ex * ex + ey * ey;
    for (let c = 0; c < 4; c++) {
      const px = c & 1 ? x1 : box.x;
      const py = c & 2 ? y1 : box.y;
      const t = len ? Math.min(1, Math.max(0, ((px - a.x) * ex + (py - a.y) * ey) / len)) : 0;
      const qx = a.x + t * ex;
      const qy = a.y + t * ey;
      const dd = (px - qx) ** 2 + (py - qy) ** 2;
      if (dd < best) {
        best = dd;
        fx = px;
        fy = py;
        tx = qx;
        ty = qy;
      }
    }
  }
  return { from: { x: fx, y: fy }, to: { x: tx, y: ty }, distance: Math.sqrt(best) };
}
