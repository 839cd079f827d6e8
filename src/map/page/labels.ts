import type { PagePart, PageTheme } from './data.js';
import type { MapState } from './state.js';

const NS = 'http://www.w3.org/2000/svg';
/** Parts are named from this zoom on. */
const PARTS_FROM_ZOOM = 1.8;

export function svgEl<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, String(v));
  return e;
}

interface ThemeName {
  t: PageTheme;
  g: SVGGElement;
  line: SVGLineElement | null;
}

/**
 * The SVG layer over the canvas: theme names (placed in Node beside their themes, in their ink
 * colour on a white halo) with their leader lines, following pan and zoom; and, zoomed in, the
 * names of the themes' parts, largest first, each left out where it would collide with one shown.
 */
export class LabelLayer {
  private readonly names: ThemeName[];
  private readonly parts: { p: PagePart; e: SVGTextElement }[];

  constructor(
    private readonly s: MapState,
    svg: SVGSVGElement,
  ) {
    const leaders = svg.querySelector('.pa-leaders')!;
    const labels = svg.querySelector('.pa-labels')!;
    const subs = svg.querySelector('.pa-subs')!;
    this.names = s.d.themes.map((t) => {
      const g = svgEl('g', { class: 'pa-label', 'data-theme': t.id });
      const text = svgEl('text', { 'font-size': t.font, fill: t.ink });
      t.lines.forEach((line, j) => {
        const span = svgEl('tspan', { x: 0, y: -((t.lines.length - 1) * t.lh) / 2 + j * t.lh + t.font * 0.35 });
        span.textContent = line;
        text.appendChild(span);
      });
      g.appendChild(text);
      labels.appendChild(g);
      const line = t.leader ? svgEl('line', { class: 'pa-leader', 'data-theme': t.id, stroke: '#555', 'stroke-width': 0.8 }) : null;
      if (line) leaders.appendChild(line);
      return { t, g, line };
    });
    this.parts = [...s.d.parts]
      .sort((a, b) => b.size - a.size)
      .map((p) => {
        const e = svgEl('text', { class: 'pa-sub', 'data-theme': p.theme });
        e.textContent = p.text;
        subs.appendChild(e);
        return { p, e };
      });
  }

  draw(): void {
    const s = this.s;
    for (const { t, g, line } of this.names) {
      const gone = s.themeHidden(t.id);
      g.style.display = gone ? 'none' : '';
      g.setAttribute('transform', `translate(${s.sx(t.cx)},${s.sy(t.cy)})`);
      if (line && t.leader) {
        line.style.display = gone ? 'none' : '';
        line.setAttribute('x1', String(s.sx(t.leader[0])));
        line.setAttribute('y1', String(s.sy(t.leader[1])));
        line.setAttribute('x2', String(s.sx(t.leader[2])));
        line.setAttribute('y2', String(s.sy(t.leader[3])));
      }
    }
    const taken: DOMRect[] = [];
    for (const { p, e } of this.parts) {
      e.style.display = 'none';
      if (s.k < PARTS_FROM_ZOOM || s.themeHidden(p.theme)) continue;
      e.setAttribute('x', String(s.sx(p.x)));
      e.setAttribute('y', String(s.sy(p.y)));
      e.style.display = '';
      const b = e.getBBox();
      if (taken.some((o) => b.x < o.x + o.width && o.x < b.x + b.width && b.y < o.y + o.height && o.y < b.y + b.height)) e.style.display = 'none';
      else taken.push(b);
    }
  }
}
