/**
 * The HTML map at scale, in headless Chromium (the test browser: software rendering, no GPU):
 * synthetic maps of 10k, 100k and 1M points (50 themes in 2-D blobs, 80-character titles, 5 related
 * papers each) rendered with `renderHTML`; file size and render time in Node; in the page, load
 * time (navigation start until the map's script API exists), frame time (median and worst of
 * redraws while zooming and panning), hover hit-test time, search time (one keystroke's refresh).
 * `--quick`: 10k and 100k.
 */
import { pageLayout, renderHTML } from '../src/map/html.js';
import { launchBrowser } from '../tests/support/browser.js';
import { syntheticMap } from '../tests/support/maps.js';
import { percentile, QUICK, saveResult, seconds } from './lib.js';

const SIZES = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const THEMES = 50;

const browser = await launchBrowser();
const rows: Record<string, unknown>[] = [];
try {
  for (const n of SIZES) {
    const map = syntheticMap(n, THEMES);
    let t = performance.now();
    const html = renderHTML(map);
    const renderSeconds = seconds(t);
    // The names' placement, as renderHTML lays it out (the HTML map's frame): points under names
    // (0 unless no clear spot was left) and leader lines. These blobs overlap, leaving little room.
    const { placed } = pageLayout(map).layout;
    t = performance.now();
    const page = await browser.open(html);
    await page.waitForFunction(() => !!(document.querySelector('.paper-atlas') as unknown as { paperAtlas?: unknown }).paperAtlas, undefined, {
      timeout: 600_000,
      polling: 100,
    });
    const loadSeconds = seconds(t);
    const timings = await page.evaluate(() => {
      const api = (
        document.querySelector('.paper-atlas') as unknown as {
          paperAtlas: { draw(): void; zoom(k: number): void; positionOf(id: string): { x: number; y: number } | null };
        }
      ).paperAtlas;
      const frames: number[] = [];
      for (const k of [1, 1.5, 2.5, 4, 2, 1]) {
        const s = performance.now();
        api.zoom(k);
        frames.push(performance.now() - s);
      }
      for (let i = 0; i < 4; i++) {
        const s = performance.now();
        api.draw();
        frames.push(performance.now() - s);
      }
      return frames;
    });
    // Hover and search through real input events; their cost is the page's, measured around them.
    const pos = await page.evaluate(() =>
      (document.querySelector('.paper-atlas') as unknown as { paperAtlas: { positionOf(id: string): { x: number; y: number } } }).paperAtlas.positionOf('p7'),
    );
    t = performance.now();
    await page.mouse.move(pos.x, pos.y);
    await page.waitForSelector('.pa-tip', { state: 'visible' });
    const hoverMs = performance.now() - t;
    t = performance.now();
    await page.fill('.pa-search', 'optimal transport');
    await page.waitForFunction(() => document.querySelector('.pa-count')!.textContent !== '');
    const searchMs = performance.now() - t;
    await page.close();
    rows.push({
      n,
      htmlMiB: Number((Buffer.byteLength(html) / 2 ** 20).toFixed(1)),
      renderSeconds: +renderSeconds.toFixed(2),
      loadSeconds: +loadSeconds.toFixed(2),
      frameP50Ms: Number(percentile(timings, 50).toFixed(1)),
      frameMaxMs: Number(Math.max(...timings).toFixed(1)),
      hoverMs: Number(hoverMs.toFixed(1)),
      searchMs: Number(searchMs.toFixed(1)),
      namesCoveringPoints: placed.filter((l) => l.covered > 0).length,
      pointsUnderNames: placed.reduce((sum, l) => sum + l.covered, 0),
      leaderLines: placed.filter((l) => l.leader).length,
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
} finally {
  await browser.close();
}

const at = (n: number): Record<string, unknown> | undefined => rows.find((r) => r.n === n);
await saveResult('map', rows, {}, [
  `headless Chromium (${browser.description}, software rendering, --disable-gpu), 1400×900 viewport; synthetic maps: ${THEMES} themes, 80-character titles, 5 related papers per point`,
  'load: navigation until the map is drawn and interactive; frame: one redraw while zooming (median and worst of 10); hover: mouse move until the tooltip shows; search: one fill of the search box until the match count shows',
  ...(at(1_000_000)
    ? [`1M points: ${at(1_000_000)!.htmlMiB} MiB file, loads in ${at(1_000_000)!.loadSeconds} s, frame p50 ${at(1_000_000)!.frameP50Ms} ms`]
    : []),
]);
