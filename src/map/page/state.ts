import { type PageData, VIEW_H, VIEW_W } from './data.js';

/**
 * The page's state over its data: coordinates as typed arrays, theme slots (colour channels and
 * the hidden flag per theme), the view transform (pan `tx`/`ty`, zoom `k`), search hits, the
 * selected paper and the selection.
 */
export class MapState {
  readonly n: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
  /** Per point: its theme's slot. Per slot: the colour's channels (3 each) and whether it is hidden. */
  readonly slot: Uint16Array;
  readonly rgb: number[] = [];
  readonly off: Uint8Array;
  readonly colorOf = new Map<number, string>();
  readonly labelOf = new Map<number, string>();
  private readonly slotOf = new Map<number, number>();
  tx = 0;
  ty = 0;
  k = 1;
  /** Search matches (1 per matching row), or null with no search. */
  hits: Uint8Array | null = null;
  nhits = 0;
  /** The paper whose details are shown, or -1. */
  current = -1;
  /** Papers in the selection (1 per selected row). */
  readonly chosen: Uint8Array;
  nchosen = 0;
  /** Papers that changed theme in the atlas's last refit (1 per row), ringed while `showMoved`. */
  readonly moved: Uint8Array;
  showMoved = false;
  private rowMap: Map<string, number> | undefined;
  private citers: number[][] | undefined;

  constructor(readonly d: PageData) {
    this.n = d.ids.length;
    this.X = Float64Array.from(d.x);
    this.Y = Float64Array.from(d.y);
    for (const t of d.themes) {
      this.colorOf.set(t.id, t.color);
      this.labelOf.set(t.id, t.label);
      this.slotFor(t.id);
    }
    this.slot = Uint16Array.from(d.theme, (t) => this.slotFor(t));
    this.off = new Uint8Array(this.rgb.length / 3);
    this.chosen = new Uint8Array(this.n);
    this.moved = new Uint8Array(this.n);
    for (const r of d.moved ?? []) this.moved[r] = 1;
  }

  private slotFor(theme: number): number {
    let s = this.slotOf.get(theme);
    if (s === undefined) {
      const v = Number.parseInt((this.colorOf.get(theme) ?? '#888888').slice(1), 16);
      s = this.rgb.length / 3;
      this.slotOf.set(theme, s);
      this.rgb.push((v >> 16) & 255, (v >> 8) & 255, v & 255);
    }
    return s;
  }

  visible(i: number): boolean {
    return !this.off[this.slot[i]!];
  }

  themeHidden(theme: number): boolean {
    return this.off[this.slotFor(theme)] === 1;
  }

  setThemeHidden(theme: number, hidden: boolean): void {
    this.off[this.slotFor(theme)] = hidden ? 1 : 0;
  }

  rowOf(id: string): number | undefined {
    this.rowMap ??= new Map(this.d.ids.map((x, i) => [x, i]));
    return this.rowMap.get(id);
  }

  /** Who cites each paper: the citing rows, inverted from `cites` on first use. */
  citedBy(i: number): number[] {
    const { cites } = this.d;
    if (!cites) return [];
    if (!this.citers) {
      const citers: number[][] = Array.from({ length: this.n }, () => []);
      cites.forEach((list, a) => {
        for (const b of list) citers[b]!.push(a);
      });
      this.citers = citers;
    }
    return this.citers[i]!;
  }

  /** View units on screen of a map position. */
  sx(x: number): number {
    return this.tx + this.k * x;
  }

  sy(y: number): number {
    return this.ty + this.k * y;
  }

  /** Zoom to `k`, keeping the view point (cx, cy) where it is. */
  zoom(k: number, cx = VIEW_W / 2, cy = VIEW_H / 2): void {
    this.tx = cx - ((cx - this.tx) * k) / this.k;
    this.ty = cy - ((cy - this.ty) * k) / this.k;
    this.k = k;
  }

  /** Drawn point radius at the current zoom. */
  radius(): number {
    return this.d.radius * Math.min(3, Math.sqrt(this.k));
  }
}
