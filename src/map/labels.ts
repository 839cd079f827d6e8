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
