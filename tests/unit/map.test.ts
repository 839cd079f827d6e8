import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { differenceCiede2000, wcagContrast } from 'culori';
import seedrandom from 'seedrandom';
import { OptionError, type Theme } from '../../src/index.js';
import { overlaps, segmentHitsBox, segmentsMeet } from '../../src/map/geometry.js';
import { layoutMap, placeLabels, type PlacedLabel } from '../../src/map/labels.js';
import { textWidth } from '../../src/map/text-width.js';
import { buildMap, type MapInput } from '../../src/map/map.js';
import { tslabWriter } from '../../src/map/notebook.js';
import { PALETTE_BACKGROUNDS, themeColor, themePalette } from '../../src/map/palette.js';
import { countOverTime, timeline } from '../../src/map/timeline.js';

const themes: Theme[] = [0, 1, 2].map((id) => ({
  id,
  label: ['optimal transport', 'bilevel <optimization>', 'federated & learning'][id]!,
  keywords: [],
  size: 10,
  paperIds: [],
  representative: [],
}));
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
    const t1 = map.points
      .filter((p) => p.theme === 1)
      .map((p) => p.x)
      .sort((a, b) => a - b);
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

  it('links only http(s) pages from the HTML map: javascript:, data: and other schemes are dropped', () => {
    const urls = [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(2)',
      'data:text/html,<script>alert(3)</script>',
      'vbscript:x',
      'file:///etc/passwd',
      '//evil.example/x',
      'https://arxiv.org/abs/2202.12139v1',
      'HTTP://example.org/a',
    ];
    const hostile = buildMap(
      urls.map((url, i) => ({ paper: { id: `u${i}`, title: `Paper ${i}`, abstract: 'x', url }, x: i, y: i % 3, theme: i % 3, related: [] })),
      themes,
    );
    const html = hostile.toHTML();
    const data = JSON.parse(html.match(/<script type="application\/json" class="pa-data">([\s\S]*?)<\/script>/u)![1]!) as { urls: Record<string, string> };
    expect(data.urls).toEqual({ 6: 'https://arxiv.org/abs/2202.12139v1', 7: 'HTTP://example.org/a' });
    expect(html).not.toMatch(/javascript:alert|data:text\/html|vbscript:|file:\/\/\/etc|evil\.example/iu);
  });

  it('refuses options it does not know, for the map and for each renderer', () => {
    expect(() => buildMap(input, themes, { titel: 'x' } as never)).toThrow(/option "map options": has no setting "titel"/u);
    expect(() => map.toSVG({ widht: 10 } as never)).toThrow(/option "toSVG options": has no setting "widht"/u);
    expect(() => map.toHTML({ fragmnet: true } as never)).toThrow(OptionError);
    expect(() => countOverTime([], themes, { bins: 2 } as never)).toThrow(/has no setting "bins"/u);
  });

  it('renders HTML with its data escaped for a script element, and a Vega-Lite v5 spec', () => {
    const html = map.toHTML();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const data = html.slice(html.indexOf('class="pa-data">') + 16, html.indexOf('</script>', html.indexOf('class="pa-data">')));
    expect(data).not.toMatch(/<|>/u);
    expect(JSON.parse(data).titles[0]).toBe('<script>alert(1)</script> & "quotes"');
    expect(map.toHTML({ fragment: true }).startsWith('<div class="paper-atlas"')).toBe(true);
    const spec = map.toVegaLite() as { $schema: string; layer: { data: { values: unknown[] } }[] };
    expect(spec.$schema).toMatch(/v5\.json$/u);
    expect(spec.layer[0]!.data.values).toHaveLength(30);
    expect(Object.keys(map.mimeBundle()).sort()).toEqual(['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']);
  });

  it('leaves out what XML cannot carry, so the SVG always parses', () => {
    const bad = buildMap(
      [{ ...input[0]!, paper: { ...input[0]!.paper, title: 'A\uFFFF B\u0001 C\uD800 D\u000B E' } }],
      [{ ...themes[0]!, label: 'x\uFFFE\u0008y' }],
      { title: 'T\u0000' },
    );
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

  it('spreads 40 labels anchored at one spot without overlaps, inside the plot', () => {
    const labels = Array.from({ length: 40 }, (_, i) => ({ text: `theme label number ${i}`, x: 400 + (i % 3), y: 300, size: 250 - i, theme: i }));
    const bounds = { x: 0, y: 0, w: 1000, h: 700 };
    const placed = placeLabels(labels, [], bounds);
    for (let i = 0; i < placed.length; i++) {
      const a = placed[i]!.box;
      expect(a.x >= 0 && a.y >= 0 && a.x + a.w <= 1000 && a.y + a.h <= 700).toBe(true);
      for (let j = i + 1; j < placed.length; j++) expect(overlaps(a, placed[j]!.box)).toBe(false);
    }
    // Larger themes get larger type; labels that moved away from their anchor get a leader line.
    expect(placed[0]!.fontSize).toBeGreaterThan(placed[39]!.fontSize);
    expect(placed.filter((p) => p.leader).length).toBeGreaterThan(20);
  });

  it('puts a name beside its theme, off every point (its own included), and wraps long names instead of cutting them', () => {
    // Theme 0 is a dense square block; theme 1's anchor sits in its middle.
    const points = [];
    for (let x = 300; x <= 500; x += 4) for (let y = 200; y <= 400; y += 4) points.push({ x, y, theme: 0 });
    const long = 'a very long theme name that would never fit on one line of a label';
    const placed = placeLabels(
      [
        { text: 'block', x: 400, y: 300, size: points.length, theme: 0 },
        { text: long, x: 400, y: 300, size: 10, theme: 1 },
      ],
      points,
      { x: 0, y: 0, w: 1000, h: 700 },
      { pointRadius: 2 },
    );
    const [l0, l1] = placed;
    expect(l1!.lines.length).toBeGreaterThan(2);
    expect(l1!.lines.join(' ')).toBe(long);
    for (const l of placed) {
      expect(pointsUnder(l, points, 3)).toBe(0);
      expect(l.covered).toBe(0);
    }
    // The block's name sits just outside the block, without a leader; the other needs one.
    const gap = Math.max(300 - (l0!.box.x + l0!.box.w), l0!.box.x - 500, 200 - (l0!.box.y + l0!.box.h), l0!.box.y - 400);
    expect(gap).toBeGreaterThan(0);
    expect(gap).toBeLessThan(12);
    expect(l0!.leader).toBeNull();
    expect(l1!.leader).not.toBeNull();
    checkLeaders(placed);
  });

  it('reserves room for the widest face a name may be drawn in', () => {
    // DejaVu Sans Bold is the widest of the faces measured: "m" 1.042 em, "i" 0.343 em.
    expect(textWidth('m', 10)).toBeCloseTo(10.42, 6);
    expect(textWidth('mi', 20)).toBeCloseTo(27.7, 6);
    expect(textWidth('é', 10)).toBeGreaterThan(textWidth('e', 10));
  });

  it('finds the clear spot on a dense map too (200k points), and the fewest-points spot when none is clear', () => {
    // Two themes fill all but a strip on the right; theme 1's label belongs in the middle of them.
    const rng = seedrandom('dense');
    const points = Array.from({ length: 200_000 }, (_, i) => ({ x: rng() * 800, y: rng() * 700, theme: i % 2 === 0 ? 0 : 2 }));
    const [clear] = placeLabels(
      [{ text: 'needs a clear spot', x: 400, y: 350, size: 10, theme: 1 }],
      points,
      { x: 0, y: 0, w: 1000, h: 700 },
      { pointRadius: 1 },
    );
    expect(pointsUnder(clear!, points, 2)).toBe(0);
    expect(clear!.box.x).toBeGreaterThan(800);
    expect(clear!.leader).not.toBeNull();
    // No clear spot at all: the label still lands inside the plot, on a spot with few points, and says how many.
    const full = points.map((p) => ({ ...p, x: (p.x / 800) * 1000 }));
    const [crowded] = placeLabels([{ text: 'nowhere to go', x: 500, y: 350, size: 10, theme: 0 }], full, { x: 0, y: 0, w: 1000, h: 700 }, { pointRadius: 1 });
    const b = crowded!.box;
    expect(b.x >= 0 && b.y >= 0 && b.x + b.w <= 1000 && b.y + b.h <= 700).toBe(true);
    const under = pointsUnder(crowded!, full, 2);
    expect(crowded!.covered).toBeGreaterThanOrEqual(under);
    // Fewer than at any of 40 random spots of the same size.
    const others = Array.from({ length: 40 }, () => {
      const x = rng() * (1000 - b.w);
      const y = rng() * (700 - b.h);
      return full.filter((p) => p.x >= x - 2 && p.x <= x + b.w + 2 && p.y >= y - 2 && p.y <= y + b.h + 2).length;
    });
    expect(under).toBeLessThan(Math.min(...others));
  });

  it('makes room at the edges when the themes leave none: every name clear, leaders crossing no name and no other leader', () => {
    // 30 themes packed edge to edge in a grid: no gap inside the cloud is wide enough for a name.
    const rng = seedrandom('packed');
    const points: { x: number; y: number; theme: number }[] = [];
    for (let t = 0; t < 30; t++) {
      const cx = (t % 6) * 10;
      const cy = Math.floor(t / 6) * 10;
      for (let i = 0; i < 200; i++) points.push({ x: cx + rng() * 10, y: cy + rng() * 10, theme: t });
    }
    const labels = Array.from({ length: 30 }, (_, t) => ({
      text: `packed theme ${t}`,
      x: (t % 6) * 10 + 5,
      y: Math.floor(t / 6) * 10 + 5,
      size: 200,
      theme: t,
    }));
    const { px, placed } = layoutMap(points, labels, { x: 0, y: 0, w: 1000, h: 700 }, { pointRadius: 2 });
    for (const l of placed) expect(pointsUnder(l, px, 3)).toBe(0);
    checkLeaders(placed);
    expect(placed.filter((l) => l.leader).length).toBeGreaterThan(10);
  });
});

/** Points whose centre lies within `pad` of the label's box. */
function pointsUnder(l: PlacedLabel, points: readonly { x: number; y: number }[], pad: number): number {
  const b = l.box;
  return points.filter((p) => p.x >= b.x - pad && p.x <= b.x + b.w + pad && p.y >= b.y - pad && p.y <= b.y + b.h + pad).length;
}

function checkLeaders(placed: readonly PlacedLabel[]): void {
  placed.forEach((l, i) => {
    if (!l.leader) return;
    placed.forEach((o, j) => {
      if (j !== i) expect(segmentHitsBox(l.leader!.from, l.leader!.to, o.box)).toBe(false);
      if (j > i && o.leader) expect(segmentsMeet(l.leader!.from, l.leader!.to, o.leader.from, o.leader.to)).toBe(false);
    });
  });
}

describe('palette', () => {
  it('keeps 40 theme colours apart (CIEDE2000 ≥ 7.5) and each at 3:1 contrast on light and dark backgrounds', () => {
    const palette = themePalette();
    const deltaE = differenceCiede2000();
    let closest = Infinity;
    for (let i = 0; i < 40; i++) for (let j = 0; j < i; j++) closest = Math.min(closest, deltaE(palette[i]!, palette[j]!));
    expect(closest).toBeGreaterThanOrEqual(7.5);
    for (const c of palette) {
      expect(wcagContrast(c, PALETTE_BACKGROUNDS.light)).toBeGreaterThanOrEqual(3);
      expect(wcagContrast(c, PALETTE_BACKGROUNDS.dark)).toBeGreaterThanOrEqual(3);
    }
    expect(themeColor(3)).toBe(palette[3]);
  });
});

describe('themes over time', () => {
  const papers = [2018, 2018, 2019, 2021, undefined, 2021, 2021].map((year, i) => ({ year, theme: i % 2 }));
  const themes = [
    { id: 0, label: 'zero' },
    { id: 1, label: 'one' },
  ];

  it('counts papers per theme per year or per bin, undated apart', () => {
    const t = countOverTime(papers, themes);
    expect(t.periods).toEqual(['2018', '2019', '2020', '2021']);
    expect(t.themes).toEqual([
      { id: 0, label: 'zero', counts: [1, 1, 0, 1] },
      { id: 1, label: 'one', counts: [1, 0, 0, 2] },
    ]);
    expect(t.undated).toBe(1);
    const two = countOverTime(papers, themes, { bin: 2 });
    expect(two.periods).toEqual(['2018–2019', '2020–2021']);
    expect(two.themes.map((r) => r.counts)).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(() => countOverTime(papers, themes, { bin: 0 })).toThrow(OptionError);
  });

  it('renders a centred stacked-area Vega-Lite spec and an SVG streamgraph with a full legend', () => {
    const t = timeline(countOverTime(papers, themes));
    const spec = t.toVegaLite() as { encoding: { y: { stack: string } }; data: { values: unknown[] } };
    expect(spec.encoding.y.stack).toBe('center');
    expect(spec.data.values).toHaveLength(8);
    const svg = t.toSVG();
    expect(svg.match(/<path /gu)).toHaveLength(2);
    expect(svg).toContain('1 papers without a year');
    const parser = new SaxesParser();
    let failure: Error | undefined;
    parser.on('error', (e) => void (failure ??= e));
    parser.write(svg).close();
    expect(failure).toBeUndefined();
  });
});

describe('notebook display in tslab', () => {
  /** A tslab package of `version` on disk, its `dist/jupyter.js` loaded into the module cache as the kernel's own copy would be. */
  async function fakeTslab(version: string): Promise<{ calls: unknown[]; unload: () => void }> {
    const dir = join(await mkdtemp(join(tmpdir(), 'paper-atlas-tslab-')), 'node_modules/tslab');
    await mkdir(join(dir, 'dist'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'tslab', version }));
    await writeFile(join(dir, 'dist/jupyter.js'), 'exports.calls = []; exports.lastWriteDisplayData = (m, u) => exports.calls.push([m, u]);\n');
    const require = createRequire(import.meta.url);
    const file = join(dir, 'dist/jupyter.js');
    const mod = require(file) as { calls: unknown[] };
    return { calls: mod.calls, unload: () => void delete require.cache[file] };
  }

  it('sends the whole bundle through tslab 1.0.x, the tested line', async () => {
    const tslab = await fakeTslab('1.0.22');
    try {
      const warnings: string[] = [];
      const writer = tslabWriter((m) => warnings.push(m));
      expect(writer).toBeTypeOf('function');
      writer!({ data: { 'text/plain': 'x' }, metadata: {}, transient: {} }, false);
      expect(tslab.calls).toEqual([[{ data: { 'text/plain': 'x' }, metadata: {}, transient: {} }, false]]);
      expect(warnings).toEqual([]);
    } finally {
      tslab.unload();
    }
  });

  it('does not call into a tslab of another line, and says so', async () => {
    const tslab = await fakeTslab('2.0.0');
    try {
      const warnings: string[] = [];
      expect(tslabWriter((m) => warnings.push(m))).toBeUndefined();
      expect(warnings).toEqual([expect.stringMatching(/^tslab 2\.0\.0 is not a version paper-atlas displays in \(tslab 1\.0\.x, tested with 1\.0\.22\)/u)]);
      expect(tslab.calls).toEqual([]);
    } finally {
      tslab.unload();
    }
  });
});
