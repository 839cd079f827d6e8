import type { MapState } from './state.js';

function add<K extends keyof HTMLElementTagNameMap>(parent: HTMLElement, tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  parent.appendChild(e);
  return e;
}

/**
 * The side panel for the current paper: title, theme, link, related papers with the phrases they
 * share, and (where papers cite each other) what it cites and what cites it. Paper text only ever
 * goes in through `textContent`. Clicking a listed paper makes it current.
 */
export function showDetail(s: MapState, panel: HTMLElement, i: number, go: (row: number) => void): void {
  panel.textContent = '';
  if (i < 0) return;
  const { d } = s;
  add(add(panel, 'p'), 'b', d.titles[i]);
  add(panel, 'p', `Theme: ${s.labelOf.get(d.theme[i]!) ?? ''}`);
  const url = d.urls[i];
  if (url) {
    const a = add(panel, 'a', 'Open paper');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
  }
  add(panel, 'p', d.related[i]!.length ? 'Related papers:' : 'No related papers listed in this map.');
  const ol = add(panel, 'ol', undefined, 'pa-related');
  d.related[i]!.forEach((r, ri) => {
    const li = add(ol, 'li', d.titles[r]);
    li.setAttribute('data-id', d.ids[r]!);
    const why = d.why?.[i]?.[ri];
    if (why?.length) {
      add(li, 'br');
      add(li, 'small', `shared: ${why.join(', ')}`, 'pa-why');
    }
    li.addEventListener('click', () => go(r));
  });
  if (!d.cites) return;
  for (const [title, rows, cls] of [
    ['Cites', d.cites[i]!, 'pa-cites'],
    ['Cited by', s.citedBy(i), 'pa-cited-by'],
  ] as const) {
    if (!rows.length) continue;
    add(panel, 'p', `${title} (${rows.length} in this map):`);
    const ul = add(panel, 'ul', undefined, cls);
    for (const r of rows) {
      const li = add(ul, 'li', d.titles[r]);
      li.setAttribute('data-id', d.ids[r]!);
      li.addEventListener('click', () => go(r));
    }
  }
}
