import { RINGS_MAX, SPLAT_ABOVE, VIEW_H, VIEW_W } from './data.js';
import type { MapState } from './state.js';

const TAU = Math.PI * 2;

/**
 * The canvas layer: points in their themes' colours (dimmed outside a search), rings around search
 * matches and selected papers while they are few enough to read, and (on request) around the
 * papers that changed theme in the last refit, the current paper's citation
 * lines (solid: it cites; dashed: cited by). Returns how many citation lines it drew.
 */
export class PointLayer {
  private img: ImageData | null = null;

  constructor(
    private readonly s: MapState,
    private readonly canvas: HTMLCanvasElement,
    private readonly ctx: CanvasRenderingContext2D,
  ) {}

  draw(): number {
    const { s, ctx, canvas } = this;
    const scale = canvas.width / VIEW_W;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const rad = s.radius();
    const alpha = s.n > 2000 ? 0.6 : 0.85;
    if (s.n > SPLAT_ABOVE) this.splat(scale, rad, alpha);
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    if (s.n <= SPLAT_ABOVE) this.discs(rad, alpha);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1.5;
    if (s.hits && s.nhits <= RINGS_MAX) this.rings(s.hits, rad + 1.5);
    if (s.showMoved) {
      ctx.strokeStyle = '#1565c0';
      this.rings(s.moved, rad + 1.5);
      ctx.strokeStyle = '#000';
    }
    if (s.nchosen && s.nchosen <= RINGS_MAX) {
      ctx.strokeStyle = '#d4380d';
      ctx.lineWidth = 2;
      this.rings(s.chosen, rad + 2);
      ctx.strokeStyle = '#000';
    }
    let links = 0;
    if (s.current >= 0) {
      links = this.citations(s.current);
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(s.sx(s.X[s.current]!), s.sy(s.Y[s.current]!), rad + 3, 0, TAU);
      ctx.stroke();
    }
    return links;
  }

  private discs(rad: number, alpha: number): void {
    const { s, ctx } = this;
    ctx.globalAlpha = alpha;
    for (let i = 0; i < s.n; i++) {
      if (!s.visible(i)) continue;
      const x = s.sx(s.X[i]!);
      const y = s.sy(s.Y[i]!);
      if (x < -5 || y < -5 || x > VIEW_W + 5 || y > VIEW_H + 5) continue;
      ctx.fillStyle = s.colorOf.get(s.d.theme[i]!) ?? '#888';
      ctx.globalAlpha = s.hits && !s.hits[i] ? 0.1 : alpha;
      ctx.beginPath();
      ctx.arc(x, y, rad, 0, TAU);
      ctx.fill();
    }
  }

  private rings(flags: Uint8Array, r: number): void {
    const { s, ctx } = this;
    for (let j = 0; j < s.n; j++) {
      if (!flags[j] || !s.visible(j)) continue;
      ctx.beginPath();
      ctx.arc(s.sx(s.X[j]!), s.sy(s.Y[j]!), r, 0, TAU);
      ctx.stroke();
    }
  }

  private citations(i: number): number {
    const { s, ctx } = this;
    if (!s.d.cites) return 0;
    let links = 0;
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(0,0,0,0.55)';
    const line = (j: number, dash: number[]): void => {
      if (!s.visible(j)) return;
      ctx.setLineDash(dash);
      ctx.beginPath();
      ctx.moveTo(s.sx(s.X[i]!), s.sy(s.Y[i]!));
      ctx.lineTo(s.sx(s.X[j]!), s.sy(s.Y[j]!));
      ctx.stroke();
      links++;
    };
    for (const j of s.d.cites[i]!) line(j, []);
    for (const j of s.citedBy(i)) line(j, [4, 3]);
    ctx.setLineDash([]);
    ctx.strokeStyle = '#000';
    return links;
  }

  /**
   * Large maps: each point is a small square blended straight into the canvas's pixels (one
   * putImageData per frame instead of a path per point).
   */
  private splat(scale: number, rad: number, alpha: number): void {
    const { s, ctx, canvas } = this;
    const cw = canvas.width;
    const ch = canvas.height;
    if (!this.img || this.img.width !== cw || this.img.height !== ch) this.img = ctx.createImageData(cw, ch);
    const px = this.img.data;
    px.fill(255);
    const side = Math.max(1, Math.round(rad * scale));
    const half = side / 2;
    const dim = s.hits ? 0.1 : alpha;
    const ks = s.k * scale;
    const ox = s.tx * scale - half + 0.5;
    const oy = s.ty * scale - half + 0.5;
    for (let i = 0; i < s.n; i++) {
      const x = Math.floor(ox + ks * s.X[i]!);
      const y = Math.floor(oy + ks * s.Y[i]!);
      if (x <= -side || y <= -side || x >= cw || y >= ch) continue;
      const t = s.slot[i]!;
      if (s.off[t]) continue;
      const a = s.hits?.[i] ? alpha : dim;
      const r = s.rgb[3 * t]! * a;
      const g = s.rgb[3 * t + 1]! * a;
      const b = s.rgb[3 * t + 2]! * a;
      const keep = 1 - a;
      const x0 = x < 0 ? 0 : x;
      const x1 = x + side > cw ? cw : x + side;
      const y1 = y + side > ch ? ch : y + side;
      for (let yy = y < 0 ? 0 : y; yy < y1; yy++) {
        for (let p = (yy * cw + x0) * 4, e = (yy * cw + x1) * 4; p < e; p += 4) {
          px[p] = r + px[p]! * keep;
          px[p + 1] = g + px[p + 1]! * keep;
          px[p + 2] = b + px[p + 2]! * keep;
        }
      }
    }
    ctx.putImageData(this.img, 0, 0);
  }
}
