import { themeColor } from './palette.js';
import type { MapData, VegaLiteSpec } from './types.js';

export type { VegaLiteSpec } from './types.js';

/** Vega-Lite v5 spec: one circle per paper coloured by theme, theme names at their anchors. */
export function renderVegaLite(map: MapData): VegaLiteSpec {
  const themeName = new Map(map.labels.map((l) => [l.theme, l.text]));
  const ordered = [...map.labels].sort((a, b) => a.theme - b.theme);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: map.title,
    width: 760,
    height: 560,
    layer: [
      {
        data: {
          values: map.points.map((p) => ({ id: p.id, title: p.title, x: p.x, y: p.y, theme: themeName.get(p.theme) ?? `theme ${p.theme}` })),
        },
        mark: { type: 'circle', size: map.points.length > 2000 ? 12 : 40, opacity: 0.8 },
        encoding: {
          x: { field: 'x', type: 'quantitative', axis: null, scale: { zero: false } },
          y: { field: 'y', type: 'quantitative', axis: null, scale: { zero: false, reverse: true } },
          color: {
            field: 'theme',
            type: 'nominal',
            scale: { domain: ordered.map((l) => l.text), range: ordered.map((l) => themeColor(l.theme)) },
            legend: { title: 'Themes', labelLimit: 0 },
          },
          tooltip: [
            { field: 'title', type: 'nominal', title: 'Paper' },
            { field: 'theme', type: 'nominal', title: 'Theme' },
          ],
        },
        params: [{ name: 'zoom', select: 'interval', bind: 'scales' }],
      },
      {
        data: { values: map.labels.map((l) => ({ x: l.x, y: l.y, label: l.text })) },
        mark: { type: 'text', fontSize: 12, fontWeight: 'bold', stroke: 'white', strokeWidth: 3, strokeOpacity: 0.8 },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          text: { field: 'label' },
        },
      },
      {
        data: { values: map.labels.map((l) => ({ x: l.x, y: l.y, label: l.text })) },
        mark: { type: 'text', fontSize: 12, fontWeight: 'bold' },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          text: { field: 'label' },
        },
      },
    ],
  };
}
