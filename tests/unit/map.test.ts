import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import type { Theme } from '../../src/index.js';
import { placeLabels } from '../../src/map/labels.js';
import { buildMap, type MapInput } from '../../src/map/map.js';
import { themeColor } from '../../src/map/palette.js';

const themes: Theme[] = [0, 1, 2].map((id) => ({ id, label: ['optimal transport', 'bilevel <optimization>', 'federated & learning'][id]!, keywords: [], size: 10, paperIds: [], representative: [] }));
const input: MapInput[] = Array.from({ length: 30 }, (_, i) => ({
  paper: { id: `p${i}`, title: i === 0 ? '<script>alert(1)</script> & "quotes"' : `Paper ${i}`, abstract: 'x', year: 2020, url: 'https://example.org' },
  x: (i % 3) * 10 + (i % 5) * 0.1,
  y: (i % 3) * 5 + (i % 7) * 0.1,
  theme: i % 3,
  related: [`p${(i + 3) % 30}`],
}));

describe('map data and renderers', () => {
  const map = buildMap(input, themes, { title: 'A & B' });

  it('anchors each theme label at the median of its points', () => {
    expect(map.points).toHaveLength(30);
    expect(map.labels.map((l) => l.theme)).toEqual([0, 1, 2]);
    const t1 = map.points.filter((p) => p.theme === 1).map((p) => p.x).sort((a, b) => a - b);
    expect(map.labels[1]!.x).toBeCloseTo((t1[4]! + t1[5]!) / 2, 9);
    expect(map.labels.every((l, i) => l.color === themeColor(i))).toBe(true);
  });

  it('draws an SVG with every point, escaped text and non-overlapping labels', () => {
    const svg = map.toSVG();
    expect(svg.match(/<circle /gu)).toHaveLength(30 + 3);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(svg).toContain('bilevel &lt;optimization&gt;');
  });

  it('renders HTML with its data escaped for a script element, and a Vega-Lite v5 spec', () => {
    const html = map.toHTML();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const data = html.slice(html.indexOf('class="pa-data">') + 16, html.indexOf('</script>', html.indexOf('class="pa-data">')));
    expect(data).not.toMatch(/<|>/u);
    expect(JSON.parse(data).points[0].t).toBe('<script>alert(1)</script> & "quotes"');
    expect(map.toHTML({ fragment: true }).startsWith('<div class="paper-atlas"')).toBe(true);
    const spec = map.toVegaLite() as { $schema: string; layer: { data: { values: unknown[] } }[] };
    expect(spec.$schema).toMatch(/v5\.json$/u);
    expect(spec.layer[0]!.data.values).toHaveLength(30);
    expect(Object.keys(map.mimeBundle()).sort()).toEqual(['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']);
  });

  it('leaves out what XML cannot carry, so the SVG always parses', () => {
    const bad = buildMap([{ ...input[0]!, paper: { ...input[0]!.paper, title: 'A\uFFFF B\u0001 C\uD800 D\u000B E' } }], [{ ...themes[0]!, label: 'x\uFFFE\u0008y' }], { title: 'T\u0000' });
    for (const xml of [bad.toSVG(), bad.toHTML()]) {
      expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/u);
    }
    const parser = new SaxesParser();
    let failure: Error | undefined;
    parser.on('error', (e) => void (failure ??= e));
    parser.write(bad.toSVG()).close();
    expect(failure).toBeUndefined();
    expect(bad.toSVG()).toContain('A B C D E');
  });

  it('spreads 40 labels anchored at one spot without overlaps', () => {
    const labels = Array.from({ length: 40 }, (_, i) => ({ text: `theme label number ${i}`, x: 400 + (i % 3), y: 300, size: 250 - i }));
    const placed = placeLabels(labels, 13, { x: 0, y: 0, w: 1000, h: 700 });
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) {
        const a = placed[i]!.box;
        const b = placed[j]!.box;
        expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(false);
      }
    }
  });
});
