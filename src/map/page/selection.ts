import { EXPORT_FILES, type ExportFormat, type ExportRecord, exportRecords } from '../../corpus/export.js';
import type { MapState } from './state.js';

/** Whether the point lies inside the polygon (even-odd rule). */
function insidePolygon(x: number, y: number, poly: readonly [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * The papers a reader picked (shift-click toggles one, shift-drag draws a lasso that adds every
 * visible paper inside it), their count, and their export as BibTeX, CSL-JSON or an id list: the
 * same text `atlas.export(ids, format)` gives for them.
 */
export class Selection {
  constructor(private readonly s: MapState) {}

  toggle(i: number): void {
    const s = this.s;
    s.chosen[i] = s.chosen[i] ? 0 : 1;
    s.nchosen += s.chosen[i] ? 1 : -1;
  }

  add(i: number): void {
    if (!this.s.chosen[i]) this.toggle(i);
  }

  /** Adds the visible papers inside a lasso drawn in view units. */
  addInside(poly: readonly [number, number][]): void {
    const s = this.s;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const [x, y] of poly) {
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    for (let i = 0; i < s.n; i++) {
      if (!s.visible(i)) continue;
      const x = s.sx(s.X[i]!);
      const y = s.sy(s.Y[i]!);
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && insidePolygon(x, y, poly)) this.add(i);
    }
  }

  clear(): void {
    this.s.chosen.fill(0);
    this.s.nchosen = 0;
  }

  rows(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.s.n; i++) if (this.s.chosen[i]) out.push(i);
    return out;
  }

  ids(): string[] {
    return this.rows().map((i) => this.s.d.ids[i]!);
  }

  text(format: ExportFormat): string {
    const { d } = this.s;
    const records = this.rows().map((i): ExportRecord => ({ id: d.ids[i]!, title: d.titles[i]!, ...d.cite[i], ...(d.urls[i] ? { url: d.urls[i] } : {}) }));
    return exportRecords(records, format);
  }

  /** Saves the selection as a file through the browser's download. */
  download(format: ExportFormat): void {
    const { extension, type } = EXPORT_FILES[format];
    const url = URL.createObjectURL(new Blob([this.text(format)], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `selection.${extension}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    // Revoked once the browser has surely read it: revoking at once cancels the download in Chromium.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}
