import { createHash } from 'node:crypto';
import { httpUrl } from '../corpus/export.js';
import { escapeXml, jsonForScript, xmlSafe } from './escape.js';
import { countOverTime, timeline } from './timeline.js';
import { layoutMap, type Box } from './labels.js';
import { type PageData, ROOT_PLACEHOLDER, VIEW_H, VIEW_W } from './page/data.js';
import { pageScript } from './page/script.js';
import { labelColor, themeColor } from './palette.js';
import { defaultRadius, FONT_FAMILY } from './svg.js';
import type { MapData } from './types.js';

export interface HtmlOptions {
  /** A `<div>` fragment for notebooks instead of a full document (default false). */
  fragment?: boolean;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** The HTML map's first view: points in view units and the names placed among them (also what bench/map.ts measures). */
export function pageLayout(map: MapData) {
  const frame: Box = { x: 10, y: 10, w: VIEW_W - 20, h: VIEW_H - 20 };
  const radius = Math.max(1.2, defaultRadius(map.points.length) + 0.5);
  const layout = layoutMap(
    map.points,
    map.labels.map((l) => ({ ...l, text: xmlSafe(l.text) })),
    frame,
    { pointRadius: radius },
  );
  return { radius, layout };
}

/**
 * The page's data (`PageData`), column by column: ids, titles, view coordinates, themes, related
 * papers as row numbers, their shared phrases, urls, export fields; then themes with their placed
 * names and leader lines, and the names of their parts shown when zoomed in.
 */
function pageData(map: MapData): PageData {
  const { radius, layout } = pageLayout(map);
  const { px, placed, toPx } = layout;
  const rowOf = new Map(map.points.map((p, i) => [p.id, i]));
  const urls: Record<number, string> = {};
  map.points.forEach((p, i) => {
    const url = httpUrl(p.url);
    if (url) urls[i] = url;
  });
  return {
    title: xmlSafe(map.title),
    radius,
    ids: map.points.map((p) => p.id),
    titles: map.points.map((p) => xmlSafe(p.title)),
    x: px.map((p) => round(p.x)),
    y: px.map((p) => round(p.y)),
    theme: map.points.map((p) => p.theme),
    related: map.points.map((p) => p.related.map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined)),
    ...(map.points.some((p) => p.why) ? { why: map.points.map((p) => (p.why ?? []).map((ws) => ws.map(xmlSafe))) } : {}),
    // Rows each paper cites; the page finds who cites whom from it.
    ...(map.points.some((p) => p.cites?.length)
      ? { cites: map.points.map((p) => (p.cites ?? []).map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined)) }
      : {}),
    urls,
    cite: map.points.map(({ cite }) => ({
      ...(cite?.authors?.length ? { authors: cite.authors.map(xmlSafe) } : {}),
      ...(cite?.year !== undefined ? { year: cite.year } : {}),
      ...(cite?.doi ? { doi: xmlSafe(cite.doi) } : {}),
      ...(cite?.venue ? { venue: xmlSafe(cite.venue) } : {}),
    })),
    themes: map.labels.map((l, i) => {
      const pl = placed[i]!;
      const leader = pl.leader;
      return {
        id: l.theme,
        label: xmlSafe(l.text),
        size: l.size,
        color: themeColor(l.theme),
        ink: labelColor(l.theme),
        lines: pl.lines,
        font: pl.fontSize,
        lh: round(pl.lineHeight),
        cx: round(pl.x),
        cy: round(pl.y),
        w: round(pl.box.w),
        h: round(pl.box.h),
        leader: leader ? [round(leader.from.x), round(leader.from.y), round(leader.to.x), round(leader.to.y)] : null,
      };
    }),
    ...(map.changes ? { born: map.changes.born, moved: map.changes.moved.map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined) } : {}),
    parts: map.sublabels.map((s) => {
      const [x, y] = toPx(s.x, s.y);
      return { theme: s.theme, text: xmlSafe(s.text), x: round(x), y: round(y), size: s.size };
    }),
  };
}

/**
 * One self-contained, offline HTML map. Points are drawn on a canvas (with alpha, so 100k points read
 * as density and stay interactive); theme names (beside their themes, never over a point at the
 * initial view), leader lines and the names of theme parts (when zoomed in) sit on an SVG layer
 * above it. Pan (drag), zoom (wheel), hover for title and theme, a search box that highlights
 * matching papers, click for related papers and why, theme toggles; shift-click or shift-drag (a
 * lasso) selects papers, and the selection downloads as BibTeX, CSL-JSON or an id list. Where
 * papers cite each other, the current paper's citations are drawn (solid: it cites; dashed: cited
 * by) and listed. Paper text only ever reaches the page through `textContent`, never as markup.
 * The behaviour is `src/map/page/` (TypeScript, bundled at build time); the element gets its
 * script API, `element.paperAtlas` (`PageApi`).
 */
export function renderHTML(map: MapData, opts: HtmlOptions = {}): string {
  const json = jsonForScript(pageData(map));
  const overTime = timelineSection(map);
  // Derived from the content, so the same map renders to the same bytes and two maps on one notebook page do not clash.
  const uid = `pa-${createHash('sha256').update(json).digest('hex').slice(0, 10)}`;
  const body = `<div class="paper-atlas" id="${uid}">
<style>
#${uid}{font-family:${FONT_FAMILY};color:#222;display:flex;gap:12px;max-width:1400px}
#${uid} .pa-main{flex:1;min-width:0}
#${uid} .pa-bar{display:flex;gap:8px;align-items:center;margin:6px 0}
#${uid} .pa-bar input{flex:1;padding:6px 8px;font-size:14px;border:1px solid #bbb;border-radius:4px}
#${uid} .pa-stage{position:relative;width:100%;aspect-ratio:${VIEW_W}/${VIEW_H};border:1px solid #ddd;border-radius:4px;background:#fff;cursor:grab;touch-action:none;overflow:hidden}
#${uid} .pa-stage canvas,#${uid} .pa-stage svg{position:absolute;left:0;top:0;width:100%;height:100%}
#${uid} .pa-stage svg{pointer-events:none}
#${uid} .pa-side{width:300px;font-size:13px;max-height:760px;overflow:auto}
#${uid} .pa-side label{display:flex;gap:6px;align-items:flex-start;margin:2px 0;cursor:pointer}
#${uid} .pa-sw{display:inline-block;flex:none;width:10px;height:10px;border-radius:50%;margin-top:3px}
#${uid} .pa-tip{position:fixed;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #aaa;border-radius:4px;padding:4px 6px;font-size:12px;max-width:320px;display:none;z-index:10}
#${uid} .pa-detail li{margin:3px 0;cursor:pointer;color:#1a5fb4}
#${uid} .pa-detail .pa-why{color:#555;cursor:default}
#${uid} .pa-label text{font-weight:600;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
#${uid} .pa-sub{font-size:11px;font-style:italic;fill:#333;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}
#${uid} .pa-lasso{fill:rgba(212,56,13,.08);stroke:#d4380d;stroke-width:1;stroke-dasharray:4 3}
#${uid} .pa-selbar{display:flex;gap:6px;align-items:center;margin:6px 0;font-size:13px}
#${uid} .pa-selcount{flex:1;color:#555}
#${uid} .pa-new{font-size:11px;font-weight:600;color:#fff;background:#2f7d32;border-radius:3px;padding:0 4px;margin-left:4px}
#${uid} .pa-moved{display:flex;gap:6px;align-items:center;font-size:13px;margin:6px 0}
</style>
<div class="pa-main">
<h2 class="pa-title"></h2>
<div class="pa-bar"><input type="search" class="pa-search" placeholder="Search titles (e.g. optimal transport)" aria-label="Search papers"><span class="pa-count"></span><button type="button" class="pa-reset">Reset view</button></div>
<div class="pa-stage"><canvas></canvas><svg viewBox="0 0 ${VIEW_W} ${VIEW_H}" xmlns="http://www.w3.org/2000/svg"><g class="pa-leaders"></g><g class="pa-subs"></g><g class="pa-labels"></g><path class="pa-lasso" d=""></path></svg></div>
<div class="pa-selbar"><span class="pa-selcount"></span><button type="button" data-export="bibtex">BibTeX</button><button type="button" data-export="csl-json">CSL-JSON</button><button type="button" data-export="ids">IDs</button><button type="button" class="pa-clear">Clear</button></div>
${overTime}</div>
<div class="pa-side"><h3>Themes</h3>${map.changes ? `<label class="pa-moved"><input type="checkbox"> Show the ${map.changes.moved.length} papers that changed theme in the last refit</label>` : ''}<div class="pa-themes"></div><h3>Paper</h3><div class="pa-detail"><p>Click a point to see its related papers.</p></div></div>
<div class="pa-tip"></div>
<script type="application/json" class="pa-data">${json}</script>
<script>${pageScript().replaceAll(ROOT_PLACEHOLDER, uid)}</script>
</div>`;
  if (opts.fragment) return body;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(map.title)}</title></head>
<body style="margin:16px">
${body}
</body></html>
`;
}

/**
 * Themes over time below the map, when the papers span at least two years: the same streamgraph
 * as `atlas.themesOverTime().toSVG()`, drawn here (its text escaped like every other label).
 */
function timelineSection(map: MapData): string {
  const dated = map.points.filter((p) => p.year !== undefined);
  if (new Set(dated.map((p) => p.year)).size < 2) return '';
  const t = countOverTime(
    map.points,
    map.labels.map((l) => ({ id: l.theme, label: l.text })),
  );
  return `<details class="pa-time" open><summary>Themes over time</summary>${timeline(t)
    .toSVG({ width: VIEW_W, height: 360 })
    .replace(/^<svg /u, '<svg style="width:100%;height:auto" ')}</details>\n`;
}
