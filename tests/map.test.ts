import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { differenceCiede2000, wcagContrast } from 'culori';
import type { Page } from 'playwright-core';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas, Corpus, loadBundledCorpus, parseCorpus, readCorpus, type Embedder } from '../src/index.js';
import { segmentHitsBox, segmentsMeet } from '../src/map/geometry.js';
import { renderHTML } from '../src/map/html.js';
import { LABEL_CONTRAST, labelColor } from '../src/map/palette.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { syntheticMap } from './support/maps.js';
import { buildBundled, ROOT } from './support/helpers.js';

const XSS = '<img src=x onerror="window.__pwned=1">';
/** Calls the map element's script API (`element.paperAtlas`) in the page. */
const pageApi =
  (page: Page) =>
  (fn: string, ...args: unknown[]) =>
    page.evaluate(
      ([f, a]) =>
        (document.querySelector('.paper-atlas') as unknown as { paperAtlas: Record<string, (...x: unknown[]) => unknown> }).paperAtlas[f as string]!(
          ...(a as unknown[]),
        ),
      [fn, args] as const,
    );

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

  it('skips related papers with relatedPerPaper 0 and refuses counts outside 0-50', async () => {
    const none = await atlas.map({ relatedPerPaper: 0 });
    expect(none.points.every((p) => p.related.length === 0 && p.why === undefined)).toBe(true);
    expect((await atlas.map({ relatedPerPaper: 2 })).points.every((p) => p.related.length === 2)).toBe(true);
    for (const bad of [-1, 1.5, 51]) await expect(atlas.map({ relatedPerPaper: bad })).rejects.toThrow(/relatedPerPaper.*must be an integer in \[0, 50\]/u);
  });

  it('places new papers near their nearest neighbours', async () => {
    const a = await buildBundled();
    const ot = (await a.map()).points.filter((p) => /optimal transport/iu.test(p.title));
    const [added] = await a.add([
      {
        title: 'Unbalanced optimal transport',
        abstract: 'We study unbalanced optimal transport with entropic regularization and Sinkhorn scaling for comparing measures of different mass.',
      },
    ]);
    const map = await a.map();
    const p = map.points.find((q) => q.id === added!.id)!;
    const spread = Math.max(...map.points.map((q) => q.x)) - Math.min(...map.points.map((q) => q.x));
    const nearestOt = Math.min(...ot.map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
    expect(nearestOt).toBeLessThan(spread / 4);
  });
});

describe('SVG', () => {
  it("draws every point, a legend and every theme name, whole, in its theme's ink on a halo", async () => {
    const svg = (await atlas.map()).toSVG();
    expect(svg.match(/<circle /gu)!.length).toBe(194 + atlas.themes.length);
    // Each name's lines, joined, are its theme's label: wrapped, never cut; written in the theme's ink.
    const drawn = [...svg.matchAll(/<text [^>]*class="label" data-theme="(\d+)"[^>]*fill="(#[0-9a-f]{6})">((?:<tspan[^>]*>[^<]*<\/tspan>)+)<\/text>/gu)].map(
      (m) => ({
        theme: Number(m[1]),
        fill: m[2]!,
        text: [...m[3]!.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/gu)].map((t) => t[1]).join(' '),
      }),
    );
    expect(drawn.map((d) => d.text).sort()).toEqual(
      atlas.themes.map((t) => t.label.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;')).sort(),
    );
    for (const d of drawn) {
      expect(d.fill).toBe(labelColor(d.theme));
      expect(wcagContrast(d.fill, '#ffffff')).toBeGreaterThanOrEqual(LABEL_CONTRAST);
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

/** A rendered map as the reader sees it, in page pixels: names' text extents, point discs, leader lines. */
interface Drawn {
  labels: { x: number; y: number; w: number; h: number; theme: number }[];
  points: { x: number; y: number; r: number }[];
  leaders: { x1: number; y1: number; x2: number; y2: number; theme: number }[];
  viewport: { x: number; y: number; w: number; h: number };
}

/** What the label checks measured: counts that must all be 0. */
interface LabelFaults {
  /** Points whose disc meets a name's text (any theme's point, the name's own included). */
  pointsCovered: number;
  /** Pairs of names that overlap. */
  namesOverlapping: number;
  /** Leader lines through another name's text, and pairs of leader lines that cross. */
  leadersThroughNames: number;
  leadersCrossing: number;
  /** Names not wholly inside the drawing. */
  namesOutside: number;
}

function labelFaults(g: Drawn): LabelFaults {
  const { labels, points, leaders, viewport: v } = g;
  const discMeets = (p: Drawn['points'][number], b: Drawn['labels'][number]): boolean =>
    Math.hypot(p.x - Math.min(Math.max(p.x, b.x), b.x + b.w), p.y - Math.min(Math.max(p.y, b.y), b.y + b.h)) < p.r;
  const meets = (a: Drawn['labels'][number], b: Drawn['labels'][number]): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const pt = (x: number, y: number) => ({ x, y });
  return {
    pointsCovered: points.filter((p) => labels.some((b) => discMeets(p, b))).length,
    namesOverlapping: labels.reduce((n, a, i) => n + labels.slice(i + 1).filter((b) => meets(a, b)).length, 0),
    leadersThroughNames: leaders.reduce((n, l) => n + labels.filter((b) => b.theme !== l.theme && segmentHitsBox(pt(l.x1, l.y1), pt(l.x2, l.y2), b)).length, 0),
    leadersCrossing: leaders.reduce(
      (n, a, i) => n + leaders.slice(i + 1).filter((b) => segmentsMeet(pt(a.x1, a.y1), pt(a.x2, a.y2), pt(b.x1, b.y1), pt(b.x2, b.y2))).length,
      0,
    ),
    namesOutside: labels.filter((b) => b.x < v.x - 0.5 || b.y < v.y - 0.5 || b.x + b.w > v.x + v.w + 0.5 || b.y + b.h > v.y + v.h + 0.5).length,
  };
}

function checkLabels(g: Drawn, themes: number): void {
  expect(g.labels).toHaveLength(themes);
  expect(g.points.length).toBeGreaterThan(0);
  expect(labelFaults(g)).toEqual({ pointsCovered: 0, namesOverlapping: 0, leadersThroughNames: 0, leadersCrossing: 0, namesOutside: 0 });
}

function checkColours(colours: string[]): void {
  const deltaE = differenceCiede2000();
  const distinct = [...new Set(colours)];
  expect(distinct).toHaveLength(colours.length);
  for (let i = 0; i < distinct.length; i++) for (let j = 0; j < i; j++) expect(deltaE(distinct[i]!, distinct[j]!)).toBeGreaterThanOrEqual(7.5);
}

/** The static SVG as the browser draws it: text extents of the names, circles, leader lines, and the legend's theme colours. */
async function svgDrawn(page: Page): Promise<Drawn & { colours: string[] }> {
  return page.evaluate(() => {
    const svg = document.querySelector('svg')!;
    const r = svg.getBoundingClientRect();
    const box = (e: Element) => {
      const b = e.getBoundingClientRect();
      return { x: b.x, y: b.y, w: b.width, h: b.height };
    };
    return {
      labels: Array.from(svg.querySelectorAll<SVGTextElement>('text.label')).map((t) => ({ ...box(t), theme: Number(t.dataset.theme) })),
      points: Array.from(svg.querySelectorAll<SVGCircleElement>('g.points circle')).map((c) => {
        const b = c.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2, r: b.width / 2 };
      }),
      leaders: Array.from(svg.querySelectorAll<SVGLineElement>('line.leader')).map((l) => ({
        x1: r.x + l.x1.baseVal.value,
        y1: r.y + l.y1.baseVal.value,
        x2: r.x + l.x2.baseVal.value,
        y2: r.y + l.y2.baseVal.value,
        theme: Number(l.dataset.theme),
      })),
      viewport: { x: r.x, y: r.y, w: r.width, h: r.height },
      colours: Array.from(svg.querySelectorAll('g.legend circle')).map((c) => c.getAttribute('fill')!),
    };
  });
}

/** The HTML map as the browser draws it at its current view: names and leaders on the SVG layer, points on the canvas (from the page's own positions). */
async function htmlDrawn(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    const root = document.querySelector('.paper-atlas') as HTMLElement & { paperAtlas: { positionOf(id: string): { x: number; y: number } } };
    const stage = root.querySelector('.pa-stage')!.getBoundingClientRect();
    const data = JSON.parse(root.querySelector('.pa-data')!.textContent!) as { ids: string[]; radius: number };
    const unit = stage.width / 1000;
    return {
      labels: Array.from(root.querySelectorAll<SVGGElement>('.pa-label')).map((g) => {
        const b = g.querySelector('text')!.getBoundingClientRect();
        return { x: b.x, y: b.y, w: b.width, h: b.height, theme: Number(g.dataset.theme) };
      }),
      points: data.ids.map((id) => ({ ...root.paperAtlas.positionOf(id), r: data.radius * unit })),
      leaders: Array.from(root.querySelectorAll<SVGLineElement>('.pa-leader')).map((l) => ({
        x1: stage.x + l.x1.baseVal.value * unit,
        y1: stage.y + l.y1.baseVal.value * unit,
        x2: stage.x + l.x2.baseVal.value * unit,
        y2: stage.y + l.y2.baseVal.value * unit,
        theme: Number(l.dataset.theme),
      })),
      viewport: { x: stage.x, y: stage.y, w: stage.width, h: stage.height },
    };
  });
}

/** Papers whose embeddings are given (50 blobs of synthetic vectors): a 10k map without 6 minutes of embedding. */
function blobCorpus(n: number): { corpus: Corpus; embedder: Embedder } {
  const words = [
    'transport',
    'sinkhorn',
    'bilevel',
    'gradient',
    'preference',
    'reward',
    'graph',
    'message',
    'federated',
    'privacy',
    'sparse',
    'pruning',
    'bayesian',
    'kernel',
    'diffusion',
    'score',
  ];
  const rng = seedrandom('map-10k');
  const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const centres = Array.from({ length: 50 }, () => Float32Array.from({ length: 64 }, gauss));
  const records = Array.from({ length: n }, (_, i) => {
    const c = i % 50;
    return {
      id: `b${i}`,
      title: `${words[c % 16]} ${words[(c * 7) % 16]} study ${i}`,
      abstract: `${words[c % 16]} ${words[(c * 7) % 16]} ${words[(c * 3) % 16]} and ${words[(i * 5) % 16]} in setting ${c}.`,
      year: 2010 + (i % 15),
    };
  });
  const corpus = Corpus.from(records);
  const vectors = corpus.papers.map((_, i) => {
    const v = Float32Array.from(centres[i % 50]!, (x) => x + 0.35 * gauss());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const byText = new Map(corpus.papers.map((p, i) => [Corpus.textOf(p), vectors[i]!]));
  const phrase = (t: string): Float32Array => {
    const r = seedrandom(t);
    const v = Float32Array.from({ length: 64 }, () => r() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  return { corpus, embedder: { id: 'blobs-64', dims: 64, embed: async (texts) => texts.map((t) => byText.get(t) ?? phrase(t)) } };
}

describe('HTML map in a real browser', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchBrowser();
    await mkdir(join(ROOT, 'tests/.out'), { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders all points offline, searches, shows related papers and why on click, and toggles themes', async () => {
    const page = await browser.open((await atlas.map({ title: 'Bundled corpus' })).toHTML());
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.reload();
    const api = pageApi(page);
    expect(await api('visibleCount')).toBe(194);
    expect(await page.locator('.pa-label').count()).toBe(atlas.themes.length);

    await page.fill('.pa-search', 'optimal transport');
    const expected = atlas.papers
      .filter((p) => p.title.toLowerCase().includes('optimal') && p.title.toLowerCase().includes('transport'))
      .map((p) => p.id)
      .sort();
    expect(expected.length).toBeGreaterThan(3);
    expect(((await api('hits')) as string[]).sort()).toEqual(expected);
    expect(await page.locator('.pa-count').textContent()).toBe(`${expected.length} matching`);

    // A real click where the point is drawn on the canvas.
    const target = expected[0]!;
    const at = (await api('positionOf', target)) as { x: number; y: number };
    await page.mouse.click(at.x, at.y);
    expect(await page.locator('.pa-detail b').first().textContent()).toBe(atlas.paper(target).title);
    const related = await page.locator('.pa-related li').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(related).toEqual((await atlas.related(target, { k: 5 })).map((r) => r.paper.id));
    expect(await page.locator('.pa-related .pa-why').count()).toBeGreaterThan(0);

    const theme = atlas.themes[0]!;
    await page.locator(`.pa-themes input[data-theme="${theme.id}"]`).uncheck();
    expect(await api('visibleCount')).toBe(194 - theme.size);
    await page.locator(`.pa-themes input[data-theme="${theme.id}"]`).check();
    await page.fill('.pa-search', '');

    checkLabels(await htmlDrawn(page), atlas.themes.length);
    checkColours(await page.locator('.pa-themes .pa-sw').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.background)));
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-bundled.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  it("draws a selected paper's citations, only on selection, and lists what it cites and what cites it", async () => {
    // The bundled corpus with references: each hand-labelled paper cites the next two of its check-set theme.
    const check = (await import('../fixtures/checkset/regularized-optimization.themes.json')).default as { themes: Record<string, string[]> };
    const refs = new Map<string, string[]>();
    for (const ids of Object.values(check.themes)) ids.forEach((id, i) => refs.set(id, [ids[(i + 1) % ids.length]!, ids[(i + 2) % ids.length]!]));
    const base = await loadBundledCorpus();
    const linked = await Atlas.build(
      Corpus.from(
        base.papers.map((p) => ({ ...p, references: refs.get(p.id) })),
        { source: 'bundled+links' },
      ),
      { seed: 42, onWarning: () => undefined },
    );
    const map = await linked.map();
    const target = Object.values(check.themes)[0]![0]!;
    expect(map.points.find((p) => p.id === target)!.cites).toEqual(refs.get(target));
    const page = await browser.open(map.toHTML());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const api = pageApi(page);
    expect(await api('linksDrawn')).toBe(0);
    const at = (await api('positionOf', target)) as { x: number; y: number };
    await page.mouse.click(at.x, at.y);
    const citing = [...refs].filter(([, r]) => r.includes(target)).map(([id]) => id);
    expect(await page.locator('.pa-cites li').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(refs.get(target));
    expect((await page.locator('.pa-cited-by li').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort()).toEqual(citing.sort());
    expect(await api('linksDrawn')).toBe(refs.get(target)!.length + citing.length);
    // Following a link selects that paper; the map of an atlas without references carries none of this.
    await page.locator('.pa-cites li').first().click();
    expect(await page.locator('.pa-detail b').first().textContent()).toBe(linked.paper(refs.get(target)![0]!).title);
    expect((await atlas.map()).toHTML()).not.toContain('"cites"');
    expect(errors).toEqual([]);
    await page.close();
    await linked.dispose();
  });

  it('draws the static SVG with labels clear of each other and of other themes, fully visible, in distinct colours', async () => {
    const svg = (await atlas.map({ title: 'Bundled corpus' })).toSVG();
    const page = await browser.open(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`, { width: 1100, height: 900 });
    const drawn = await svgDrawn(page);
    expect(drawn.points).toHaveLength(194);
    checkLabels(drawn, atlas.themes.length);
    checkColours(drawn.colours);
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-bundled-svg.png'), fullPage: true });
    await page.close();
  });

  it('keeps a 10k-paper map interactive, with clear labels and sub-theme names when zoomed in', async () => {
    const { corpus, embedder } = blobCorpus(10_000);
    const big = await Atlas.build(corpus, { embedder, cache: false, seed: 3, onWarning: () => undefined });
    const map = await big.map({ title: '10,000 papers' });
    const page = await browser.open(map.toHTML());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const api = pageApi(page);
    expect(await api('visibleCount')).toBe(10_000);
    checkLabels(await htmlDrawn(page), big.themes.length);
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-10k.png') });
    expect(await page.locator('.pa-sub:visible').count()).toBe(0);
    await api('zoom', 3);
    expect(await page.locator('.pa-sub:visible').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-10k-zoomed.png') });
    const svgPage = await browser.open(`<!DOCTYPE html><html><body style="margin:0">${map.toSVG()}</body></html>`, { width: 1100, height: 900 });
    checkLabels(await svgDrawn(svgPage), big.themes.length);
    await svgPage.screenshot({ path: join(ROOT, 'tests/.out/map-10k-svg.png'), fullPage: true });
    expect(errors).toEqual([]);
    await svgPage.close();
    await page.close();
    await big.dispose();
  }, 600_000);

  it('draws a 40k-point map as pixels: theme colours where the points are, hidden themes gone, hover and search still exact', async () => {
    const data = syntheticMap(40_000, 8, 'pixels');
    // A word only a known handful of titles carry.
    const marked = [5, 1234, 20_001, 39_999];
    for (const i of marked) data.points[i]!.title = `zebrafish ${data.points[i]!.title}`;
    const page = await browser.open(renderHTML(data));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const api = pageApi(page);
    expect(await api('visibleCount')).toBe(40_000);
    // The point nearest theme 0's centre sits inside its blob: the canvas there is theme 0's colour.
    const [cx, cy] = data.centres[0]!;
    const probe = data.points.filter((p) => p.theme === 0).sort((a, b) => Math.hypot(a.x - cx, a.y - cy) - Math.hypot(b.x - cx, b.y - cy))[0]!;
    const pos = (await api('positionOf', probe.id)) as { x: number; y: number };
    const pixel = () =>
      page.evaluate(({ x, y }) => {
        const c = document.querySelector('.paper-atlas canvas') as HTMLCanvasElement;
        const b = c.getBoundingClientRect();
        const d = c.getContext('2d')!.getImageData(Math.floor(((x - b.left) * c.width) / b.width), Math.floor(((y - b.top) * c.height) / b.height), 1, 1).data;
        return `#${[d[0]!, d[1]!, d[2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      }, pos);
    const colour = data.labels[0]!.color;
    expect(differenceCiede2000()(await pixel(), colour)).toBeLessThan(8);
    await page.locator('.pa-themes input[data-theme="0"]').uncheck();
    expect(await api('visibleCount')).toBe(35_000);
    expect(differenceCiede2000()(await pixel(), colour)).toBeGreaterThan(20);
    await page.locator('.pa-themes input[data-theme="0"]').check();
    expect(differenceCiede2000()(await pixel(), colour)).toBeLessThan(8);
    // Hover finds the nearest point through the grid: some paper of theme 0, named in the tooltip.
    await page.mouse.move(pos.x, pos.y);
    await expect.poll(() => page.locator('.pa-tip').textContent()).toContain(data.labels[0]!.text);
    await page.fill('.pa-search', 'zebrafish');
    expect(((await api('hits')) as string[]).sort()).toEqual(marked.map((i) => `p${i}`).sort());
    expect(await page.locator('.pa-count').textContent()).toBe('4 matching');
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-40k.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('selects papers by shift-click and lasso, and downloads the selection as BibTeX, CSL-JSON and ids that read back', async () => {
    // Real papers with authors, years and DOIs: the 30 arXiv entries of the recorded arXiv API answers (fixtures/fetch/recorded/).
    const bodies = await Promise.all(
      [0, 10, 20].map(
        async (start) => JSON.parse(await readFile(join(ROOT, `fixtures/fetch/recorded/arxiv-testing-start-${start}.json`), 'utf8')).body as string,
      ),
    );
    const corpora = await Promise.all(bodies.map((b) => parseCorpus(b, { format: 'atom' })));
    const arxiv = await Atlas.build(Corpus.from(corpora.flatMap((c) => c.papers)), { seed: 1, clusterer: { k: 3 }, onWarning: () => undefined });
    expect(arxiv.papers.filter((p) => p.doi).length).toBeGreaterThanOrEqual(8);
    const page = await browser.open((await arxiv.map()).toHTML());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const api = pageApi(page);
    const count = () => page.locator('.pa-selcount').textContent();
    expect(await page.locator('.pa-selbar button[data-export="bibtex"]').isDisabled()).toBe(true);
    // Shift-click toggles single papers in and out.
    const [a, b] = [arxiv.papers[0]!.id, arxiv.papers[1]!.id];
    const at = async (id: string) => (await api('positionOf', id)) as { x: number; y: number };
    await page.keyboard.down('Shift');
    for (const id of [a, b, a]) {
      const p = await at(id);
      await page.mouse.click(p.x, p.y);
    }
    await page.keyboard.up('Shift');
    expect(await api('selection')).toEqual([b]);
    expect(await count()).toBe('1 selected');
    // A shift-drag lasso around the left half of the map adds exactly the papers drawn inside it.
    const stage = (await page.locator('.pa-stage').boundingBox())!;
    const positions = await Promise.all(arxiv.papers.map(async (p) => ({ id: p.id, ...(await at(p.id)) })));
    const midX = [...positions].sort((p, q) => p.x - q.x)[15]!.x + 0.5;
    const corners = [
      [stage.x + 2, stage.y + 2],
      [midX, stage.y + 2],
      [midX, stage.y + stage.height - 2],
      [stage.x + 2, stage.y + stage.height - 2],
    ] as const;
    await page.keyboard.down('Shift');
    await page.mouse.move(corners[0][0], corners[0][1]);
    await page.mouse.down();
    for (const [x, y] of corners.slice(1)) await page.mouse.move(x, y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const inside = positions.filter((p) => p.x < midX).map((p) => p.id);
    const expected = arxiv.papers.map((p) => p.id).filter((id) => id === b || inside.includes(id));
    expect(inside.length).toBe(16);
    expect(await api('selection')).toEqual(expected);
    expect(await count()).toBe(`${expected.length} selected`);
    // Each download is the text atlas.export gives for the same papers, and reads back to the same titles and DOIs.
    const download = async (format: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`.pa-selbar button[data-export="${format}"]`).click()]);
      const path = join(ROOT, 'tests/.out', file.suggestedFilename());
      await file.saveAs(path);
      return { path, text: await readFile(path, 'utf8') };
    };
    const bib = await download('bibtex');
    expect(bib.path.endsWith('selection.bib')).toBe(true);
    expect(bib.text).toBe(arxiv.export(expected, 'bibtex'));
    const csl = await download('csl-json');
    expect(csl.text).toBe(arxiv.export(expected, 'csl-json'));
    expect((await download('ids')).text).toBe(`${expected.join('\n')}\n`);
    const want = expected.map((id) => ({ title: arxiv.paper(id).title, doi: arxiv.paper(id).doi }));
    for (const path of [bib.path, csl.path]) {
      const back = await readCorpus(path, { missingAbstract: 'title' });
      expect(back.papers.map((p) => ({ title: p.title, doi: p.doi }))).toEqual(want);
    }
    expect(want.some((w) => w.doi)).toBe(true);
    await page.locator('.pa-selbar .pa-clear').click();
    expect(await api('selection')).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
    await arxiv.dispose();
  });

  it('marks what the last refit changed: born themes in the list and legend, and, on request, the papers that changed theme', async () => {
    // The bundled corpus built on 90%, then the other 10% added with a refit.
    const base = await loadBundledCorpus();
    const grown = await Atlas.build(Corpus.from(base.papers.filter((_, i) => i % 10 !== 9)), { seed: 42, onWarning: () => undefined });
    expect((await grown.map()).toHTML()).not.toContain('class="pa-moved"');
    const { changes } = await grown.update(
      base.papers.filter((_, i) => i % 10 === 9),
      { refit: 'always' },
    );
    const map = await grown.map();
    expect(changes!.moved.length).toBeGreaterThan(0);
    expect(map.changes!.born).toEqual(changes!.born.map((b) => b.id));
    expect(map.changes!.moved).toEqual(changes!.moved.map((m) => m.id));
    const page = await browser.open(map.toHTML());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const api = pageApi(page);
    expect(await page.locator('.pa-themes .pa-new').count()).toBe(changes!.born.length);
    expect(await page.locator('.pa-moved').textContent()).toContain(`Show the ${changes!.moved.length} papers`);
    expect(await api('showMoved', true)).toBe(changes!.moved.length);
    expect(await page.locator('.pa-moved input').isChecked()).toBe(true);
    await page.screenshot({ path: join(ROOT, 'tests/.out/map-changes.png') });
    expect(await api('showMoved', false)).toBe(0);
    for (const b of changes!.born) expect(map.toSVG()).toContain(`(${grown.themes[b.id]!.size}) · new`);
    expect(errors).toEqual([]);
    await page.close();
    await grown.dispose();
  });

  it('shows a hostile title as text and never runs it', async () => {
    const page = await browser.open((await hostile.map()).toHTML());
    expect(await page.locator('img').count()).toBe(0);
    const first = hostile.papers[0]!;
    await page.evaluate(
      (id) => (document.querySelector('.paper-atlas') as unknown as { paperAtlas: { select(id: string): void } }).paperAtlas.select(id),
      first.id,
    );
    expect(await page.locator('.pa-detail b').first().textContent()).toBe(first.title);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });
});

describe('PNG and themes over time', () => {
  it('renders the static map to the same PNG bytes every time, with the bundled font', async () => {
    const map = await atlas.map({ title: 'Bundled corpus' });
    const png = await map.toPNG();
    expect(Buffer.from(png.subarray(1, 4)).toString()).toBe('PNG');
    // 2× the SVG's size by default.
    const width = Buffer.from(png).readUInt32BE(16);
    expect(width).toBe(2200);
    expect(Buffer.from(await map.toPNG())).toEqual(Buffer.from(png));
    await map.write(join(ROOT, 'tests/.out/map-bundled.png'.replace('.png', '-resvg.png')));
  });

  it('counts themes per year and draws the streamgraph', async () => {
    // The bundled corpus has no years; a reference-manager export does.
    const dated = await Atlas.build(await readCorpus(join(ROOT, 'fixtures/samples/library.bib')), { seed: 1, clusterer: { k: 2 }, onWarning: () => undefined });
    const t = dated.themesOverTime();
    expect(atlas.themesOverTime().undated).toBe(194);
    const years = dated.papers.map((p) => p.year).filter((y): y is number => y !== undefined);
    expect(years.length).toBeGreaterThan(3);
    expect(t.periods[0]).toBe(String(Math.min(...years)));
    expect(t.periods.at(-1)).toBe(String(Math.max(...years)));
    expect(t.themes.reduce((s, th) => s + th.counts.reduce((a, b) => a + b, 0), 0) + t.undated).toBe(dated.papers.length);
    await t.write(join(ROOT, 'tests/.out/themes-over-time.svg'));
    expect(Buffer.from((await t.toPNG()).subarray(1, 4)).toString()).toBe('PNG');
    // The HTML map shows the same streamgraph below the map when papers carry years (and none without).
    const html = (await dated.map()).toHTML();
    expect(html).toMatch(/<details class="pa-time" open><summary>Themes over time<\/summary><svg style="width:100%;height:auto" xmlns/u);
    for (const th of t.themes) expect(html).toContain(`>${th.label.split(' ')[0]}`);
    expect((await atlas.map()).toHTML()).not.toContain('Themes over time');
  });
});
