import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas, Corpus, loadBundledCorpus } from '../src/index.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { buildBundled, ROOT } from './support/helpers.js';

const XSS = '<img src=x onerror="window.__pwned=1">';
let atlas: Atlas;
let hostile: Atlas;

beforeAll(async () => {
  atlas = await buildBundled();
  // A corpus whose first title is an XSS payload; markup stripping is off so it reaches the map verbatim.
  const base = await loadBundledCorpus();
  const records = base.papers.slice(0, 30).map((p, i) => ({ title: i === 0 ? `${XSS} & <script>alert(1)</script>` : p.title, abstract: p.abstract }));
  hostile = await Atlas.build(Corpus.from(records, { stripMarkup: false }), { seed: 1, clusterer: { k: 3 }, onWarning: () => undefined });
});

describe('map data', () => {
  it('has one point per paper with coordinates, theme and related ids, and one label per theme', async () => {
    const map = await atlas.map();
    expect(map.points).toHaveLength(194);
    expect(map.labels).toHaveLength(atlas.themes.length);
    for (const p of map.points) {
      expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
      expect(p.related).toHaveLength(5);
      expect(p.related).not.toContain(p.id);
    }
  });

  it('places new papers near their nearest neighbours', async () => {
    const a = await buildBundled();
    const ot = (await a.map()).points.filter((p) => /optimal transport/iu.test(p.title));
    const [added] = await a.add([{ title: 'Unbalanced optimal transport', abstract: 'We study unbalanced optimal transport with entropic regularization and Sinkhorn scaling for comparing measures of different mass.' }]);
    const map = await a.map();
    const p = map.points.find((q) => q.id === added!.id)!;
    const spread = Math.max(...map.points.map((q) => q.x)) - Math.min(...map.points.map((q) => q.x));
    const nearestOt = Math.min(...ot.map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
    expect(nearestOt).toBeLessThan(spread / 4);
  });
});

describe('SVG', () => {
  it('draws every point, a legend and every theme label, without overlapping labels', async () => {
    const svg = (await atlas.map()).toSVG();
    expect(svg.match(/<circle /gu)!.length).toBe(194 + atlas.themes.length);
    for (const t of atlas.themes) expect(svg).toContain(`>${t.label.replace(/&/gu, '&amp;')}</text>`);
    const boxes = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" rx="3"/gu)].map((m) => m.slice(1).map(Number));
    expect(boxes).toHaveLength(atlas.themes.length);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [ax, ay, aw, ah] = boxes[i]!;
        const [bx, by, bw, bh] = boxes[j]!;
        expect(ax! < bx! + bw! - 0.2 && bx! < ax! + aw! - 0.2 && ay! < by! + bh! - 0.2 && by! < ay! + ah! - 0.2).toBe(false);
      }
    }
  });

  it('escapes paper text', async () => {
    const svg = (await hostile.map()).toSVG();
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt; &amp; &lt;script&gt;');
  });
});

describe('Vega-Lite and notebooks', () => {
  it('builds a v5 spec with every paper and theme', async () => {
    const spec = (await atlas.map()).toVegaLite() as { $schema: string; layer: { data: { values: unknown[] } }[] };
    expect(spec.$schema).toMatch(/vega-lite\/v5/u);
    expect(spec.layer[0]!.data.values).toHaveLength(194);
    expect(spec.layer[1]!.data.values).toHaveLength(atlas.themes.length);
  });

  it('returns a MIME bundle and answers the Deno Jupyter display protocol', async () => {
    const map = await atlas.map();
    const bundle = map.mimeBundle();
    expect(Object.keys(bundle).sort()).toEqual(['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']);
    expect(bundle['text/html']).not.toContain('<!DOCTYPE');
    const display = (map as unknown as Record<symbol, () => unknown>)[Symbol.for('Jupyter.display')]!;
    expect(display()).toEqual(bundle);
    let shown: unknown;
    (globalThis as { Deno?: unknown }).Deno = { jupyter: { display: async (b: unknown) => void (shown = b) } };
    try {
      await map.display();
    } finally {
      delete (globalThis as { Deno?: unknown }).Deno;
    }
    expect(shown).toEqual(bundle);
  });
});

describe('HTML map in a real browser', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders all points offline, searches, shows related papers on click and toggles themes', async () => {
    const page = await browser.open((await atlas.map({ title: 'Bundled corpus' })).toHTML());
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.reload();
    expect(await page.locator('circle.pa-pt').count()).toBe(194);
    expect(await page.locator('text.pa-label').count()).toBe(atlas.themes.length);

    await page.fill('.pa-search', 'optimal transport');
    const expected = atlas.papers.filter((p) => p.title.toLowerCase().includes('optimal') && p.title.toLowerCase().includes('transport')).map((p) => p.id).sort();
    expect(expected.length).toBeGreaterThan(3);
    const hits = await page.locator('circle.pa-hit').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!).sort());
    expect(hits).toEqual(expected);
    expect(await page.locator('.pa-count').textContent()).toBe(`${expected.length} matching`);

    const target = expected[0]!;
    await page.locator(`circle[data-id="${target}"]`).dispatchEvent('click');
    const related = await page.locator('.pa-related li').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(related).toEqual((await atlas.related(target, { k: 5 })).map((r) => r.paper.id));

    const theme = atlas.themes[0]!;
    await page.locator(`.pa-themes input[data-theme="${theme.id}"]`).uncheck();
    expect(await page.locator('circle.pa-pt:visible').count()).toBe(194 - theme.size);

    await mkdir(join(ROOT, 'tests/.out'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'tests/.out/map.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it('shows a hostile title as text and never runs it', async () => {
    const page = await browser.open((await hostile.map()).toHTML());
    expect(await page.locator('img').count()).toBe(0);
    const first = hostile.papers[0]!;
    await page.locator(`circle[data-id="${first.id}"]`).dispatchEvent('click');
    expect(await page.locator('.pa-detail b').first().textContent()).toBe(first.title);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });
});
