import { VIEW_H, VIEW_W } from './data.js';
import type { MapState } from './state.js';

const CELL = 8;
const GW = Math.ceil(VIEW_W / CELL) + 1;
const GH = Math.ceil(VIEW_H / CELL) + 1;

/** Rows sorted by grid cell over map coordinates (start offsets per cell), for hover and click hit-tests. */
export class HitGrid {
  private readonly start = new Int32Array(GW * GH + 1);
  private readonly rows: Int32Array;

  constructor(private readonly s: MapState) {
    const cells = new Int32Array(s.n);
    this.rows = new Int32Array(s.n);
    for (let i = 0; i < s.n; i++) {
      cells[i] = cellOf(s.X[i]!, s.Y[i]!);
      this.start[cells[i]! + 1]!++;
    }
    for (let c = 0; c < GW * GH; c++) this.start[c + 1]! += this.start[c]!;
    const at = this.start.slice(0, GW * GH);
    for (let i = 0; i < s.n; i++) this.rows[at[cells[i]!]!++] = i;
  }

  /** The visible point nearest the view position within reach of its drawn disc, or -1. */
  pointAt(vx: number, vy: number): number {
    const s = this.s;
    const x = (vx - s.tx) / s.k;
    const y = (vy - s.ty) / s.k;
    const reach = (s.radius() + 3) / s.k;
    let best = -1;
    let bd = reach * reach;
    const c0 = Math.max(0, Math.floor((x - reach) / CELL));
    const c1 = Math.min(GW - 1, Math.floor((x + reach) / CELL));
    const r0 = Math.max(0, Math.floor((y - reach) / CELL));
    const r1 = Math.min(GH - 1, Math.floor((y + reach) / CELL));
    for (let cx = c0; cx <= c1; cx++) {
      for (let cy = r0; cy <= r1; cy++) {
        const c = cy * GW + cx;
        for (let q = this.start[c]!; q < this.start[c + 1]!; q++) {
          const i = this.rows[q]!;
          if (!s.visible(i)) continue;
          const dd = (s.X[i]! - x) ** 2 + (s.Y[i]! - y) ** 2;
          if (dd <= bd) {
            bd = dd;
            best = i;
          }
        }
      }
    }
    return best;
  }
}

function cellOf(x: number, y: number): number {
  const c = Math.floor(x / CELL);
  const r = Math.floor(y / CELL);
  return (r < 0 ? 0 : r >= GH ? GH - 1 : r) * GW + (c < 0 ? 0 : c >= GW ? GW - 1 : c);
}
