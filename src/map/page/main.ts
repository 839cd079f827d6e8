/**
 * The HTML map's page script: type-checked with the library, bundled by esbuild into one inline
 * script at build time (see `script.ts`), run once per map element. It only reads the map's JSON
 * data and writes the DOM through `textContent` and attributes, never markup.
 */
import type { ExportFormat } from '../../corpus/export.js';
import { type PageApi, type PageData, ROOT_PLACEHOLDER, VIEW_H, VIEW_W } from './data.js';
import { showDetail } from './detail.js';
import { HitGrid } from './grid.js';
import { LabelLayer } from './labels.js';
import { PointLayer } from './points.js';
import { Selection } from './selection.js';
import { MapState } from './state.js';

function mount(root: HTMLElement): void {
  const $ = <T extends Element>(sel: string): T => root.querySelector<T>(sel)!;
  const s = new MapState(JSON.parse($('.pa-data').textContent ?? '') as PageData);
  const { d } = s;
  const stage = $<HTMLDivElement>('.pa-stage');
  const canvas = stage.querySelector('canvas')!;
  const svg = stage.querySelector('svg')!;
  const lassoPath = $<SVGPathElement>('.pa-lasso');
  const tip = $<HTMLDivElement>('.pa-tip');
  const detail = $<HTMLDivElement>('.pa-detail');
  const count = $<HTMLSpanElement>('.pa-count');
  const search = $<HTMLInputElement>('.pa-search');
  const selCount = $<HTMLSpanElement>('.pa-selcount');
  const selButtons = Array.from(root.querySelectorAll<HTMLButtonElement>('.pa-selbar button'));
  $('.pa-title').textContent = d.title;
  const points = new PointLayer(s, canvas, canvas.getContext('2d')!);
  const labels = new LabelLayer(s, svg);
  const grid = new HitGrid(s);
  const selection = new Selection(s);
  let links = 0;

  const draw = (): void => {
    links = points.draw();
    labels.draw();
  };
  let pending = false;
  const later = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
  const resize = (): void => {
    const b = stage.getBoundingClientRect();
    const r = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(b.width * r));
    canvas.height = Math.max(1, Math.round(b.height * r));
    draw();
  };
  const toView = (e: MouseEvent): [number, number] => {
    const b = stage.getBoundingClientRect();
    return [((e.clientX - b.left) * VIEW_W) / b.width, ((e.clientY - b.top) * VIEW_H) / b.height];
  };

  const select = (i: number): void => {
    s.current = i;
    draw();
    showDetail(s, detail, i, select);
  };
  const selectionChanged = (): void => {
    selCount.textContent = s.nchosen ? `${s.nchosen} selected` : 'Shift-click or shift-drag to select papers';
    for (const b of selButtons) b.disabled = s.nchosen === 0;
    draw();
  };

  // Theme toggles, with their colour and size.
  for (const t of d.themes) {
    const lab = document.createElement('label');
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.checked = true;
    cb.setAttribute('data-theme', String(t.id));
    cb.addEventListener('change', () => {
      s.setThemeHidden(t.id, !cb.checked);
      refresh();
    });
    const sw = document.createElement('span');
    sw.className = 'pa-sw';
    sw.style.background = t.color;
    const name = document.createElement('span');
    name.textContent = `${t.label} (${t.size})`;
    // A theme born in the last refit says so.
    if (d.born?.includes(t.id)) {
      const badge = document.createElement('span');
      badge.className = 'pa-new';
      badge.textContent = 'new';
      name.appendChild(badge);
    }
    lab.append(cb, sw, name);
    $('.pa-themes').appendChild(lab);
  }

  // Search: every word in the title, case-insensitive; matches ringed, others dimmed.
  let lower: string[] | null = null;
  const refresh = (): void => {
    const words = search.value.toLowerCase().split(/\s+/u).filter(Boolean);
    let shown = 0;
    s.hits = null;
    s.nhits = 0;
    if (words.length) {
      lower ??= d.titles.map((t) => t.toLowerCase());
      const hits = new Uint8Array(s.n);
      for (let i = 0; i < s.n; i++) {
        if (!words.every((w) => lower![i]!.includes(w))) continue;
        hits[i] = 1;
        s.nhits++;
        if (s.visible(i)) shown++;
      }
      s.hits = hits;
    }
    count.textContent = words.length ? `${shown} matching` : '';
    draw();
  };
  search.addEventListener('input', refresh);

  stage.addEventListener('mousemove', (e) => {
    if (drag) return;
    const [vx, vy] = toView(e);
    const i = grid.pointAt(vx, vy);
    if (i < 0) {
      tip.style.display = 'none';
      return;
    }
    tip.textContent = '';
    const b = document.createElement('b');
    b.textContent = d.titles[i]!;
    tip.append(b, document.createElement('br'), document.createTextNode(s.labelOf.get(d.theme[i]!) ?? ''));
    tip.style.display = 'block';
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
  });
  stage.addEventListener('mouseleave', () => {
    tip.style.display = 'none';
  });
  stage.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const [vx, vy] = toView(e);
      s.zoom(Math.min(60, Math.max(0.5, s.k * Math.exp(-e.deltaY * 0.0015))), vx, vy);
      later();
    },
    { passive: false },
  );

  // Drag pans; shift-drag draws a lasso; a click (no movement) shows a paper, a shift-click toggles it in the selection.
  let drag: { start: [number, number]; tx: number; ty: number; lasso: [number, number][] | null; moved: boolean } | null = null;
  stage.addEventListener('pointerdown', (e) => {
    const start = toView(e);
    drag = { start, tx: s.tx, ty: s.ty, lasso: e.shiftKey ? [start] : null, moved: false };
  });
  window.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const p = toView(e);
    if (Math.abs(p[0] - drag.start[0]) + Math.abs(p[1] - drag.start[1]) > 3) drag.moved = true;
    if (!drag.moved) return;
    if (drag.lasso) {
      drag.lasso.push(p);
      lassoPath.setAttribute('d', `M${drag.lasso.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}Z`);
    } else {
      s.tx = drag.tx + p[0] - drag.start[0];
      s.ty = drag.ty + p[1] - drag.start[1];
      later();
    }
  });
  window.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const { lasso, moved } = drag;
    drag = null;
    lassoPath.setAttribute('d', '');
    if (lasso && moved) {
      selection.addInside(lasso);
      selectionChanged();
    } else if (!moved) {
      const [vx, vy] = toView(e);
      const i = grid.pointAt(vx, vy);
      if (i < 0) return;
      if (e.shiftKey) {
        selection.toggle(i);
        selectionChanged();
      } else select(i);
    }
  });
  $('.pa-reset').addEventListener('click', () => {
    s.tx = 0;
    s.ty = 0;
    s.k = 1;
    draw();
  });
  const movedBox = root.querySelector<HTMLInputElement>('.pa-moved input');
  const showMoved = (on: boolean): number => {
    s.showMoved = on;
    if (movedBox) movedBox.checked = on;
    draw();
    return on ? (d.moved ?? []).filter((r) => s.visible(r)).length : 0;
  };
  movedBox?.addEventListener('change', () => showMoved(movedBox.checked));
  for (const b of selButtons) {
    b.addEventListener('click', () => {
      const format = b.getAttribute('data-export') as ExportFormat | null;
      if (format) selection.download(format);
      else {
        selection.clear();
        selectionChanged();
      }
    });
  }
  if (window.ResizeObserver) new ResizeObserver(resize).observe(stage);
  else window.addEventListener('resize', resize);
  resize();
  refresh();
  selectionChanged();

  const api: PageApi = {
    select: (id) => select(s.rowOf(id) ?? -1),
    hits: () => (s.hits ? d.ids.filter((_, i) => s.hits![i] && s.visible(i)) : []),
    visibleCount: () => {
      let m = 0;
      for (let i = 0; i < s.n; i++) if (s.visible(i)) m++;
      return m;
    },
    positionOf: (id) => {
      const i = s.rowOf(id);
      if (i === undefined) return null;
      const b = stage.getBoundingClientRect();
      return { x: b.left + (s.sx(s.X[i]!) * b.width) / VIEW_W, y: b.top + (s.sy(s.Y[i]!) * b.height) / VIEW_H };
    },
    zoom: (k, cx, cy) => {
      s.zoom(k, cx, cy);
      draw();
    },
    linksDrawn: () => links,
    selection: () => selection.ids(),
    choose: (ids) => {
      selection.clear();
      for (const id of ids) {
        const i = s.rowOf(id);
        if (i !== undefined) selection.add(i);
      }
      selectionChanged();
    },
    exportSelection: (format) => selection.text(format),
    showMoved,
    draw,
  };
  (root as HTMLElement & { paperAtlas?: PageApi }).paperAtlas = api;
}

const root = document.getElementById(ROOT_PLACEHOLDER);
if (root) mount(root);
