import { describe, expect, it } from 'vitest';
import { agreement, Atlas, type AtlasOptions } from '../src/index.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './unit/synthetic.js';

/**
 * Fitting on a sample (synthetic topics, fake embedder): 1,500 papers built four times, too slow
 * for the unit layer's budget, so it runs with the integration tests.
 */
const embedder = new FakeEmbedder();
const base: AtlasOptions = { embedder, cache: false, seed: 3, onWarning: () => undefined };
const snapshot = async (a: Atlas) => ({ themes: a.themes, k: a.kSelection, points: (await a.map()).points });

describe('large corpora', () => {
  it('fits a large corpus on a seeded sample; the other papers follow their nearest sampled ones', async () => {
    const big = syntheticCorpus(300, 'big');
    const opts: AtlasOptions = { ...base, fitSample: 1000, clusterer: { k: 5 } };
    const sampled = await Atlas.build(big.corpus, opts);
    expect(sampled.fitSample).toBe(1000);
    expect(sampled.papers).toHaveLength(1500);
    const themeIds = big.corpus.papers.map((p) => sampled.themeOf(p.id).id);
    expect(
      agreement(
        big.corpus.papers.map((p) => big.truth.get(p.id)!),
        themeIds,
      ).nmi,
    ).toBeGreaterThan(0.9);
    expect(sampled.themes.reduce((s, t) => s + t.size, 0)).toBe(1500);
    const map = await sampled.map();
    expect(map.points).toHaveLength(1500);
    // Papers outside the sample sit among their theme's sampled papers: each is nearer its own theme's centre than any other.
    const centre = new Map<number, [number, number]>();
    for (const t of sampled.themes) {
      const pts = map.points.filter((p) => p.theme === t.id);
      centre.set(t.id, [pts.reduce((s, p) => s + p.x, 0) / pts.length, pts.reduce((s, p) => s + p.y, 0) / pts.length]);
    }
    const d = (p: { x: number; y: number }, c: [number, number]): number => Math.hypot(p.x - c[0], p.y - c[1]);
    const nearestOwn = map.points.filter((p) => [...centre].every(([t, c]) => t === p.theme || d(p, centre.get(p.theme)!) <= d(p, c)));
    expect(nearestOwn.length / map.points.length).toBeGreaterThan(0.95);
    // Deterministic, and saved with the atlas.
    const again = await Atlas.build(big.corpus, opts);
    expect(await snapshot(again)).toEqual(await snapshot(sampled));
    const dir = await tempDir();
    await sampled.save(dir);
    const loaded = await Atlas.load(dir, { embedder });
    expect(loaded.fitSample).toBe(1000);
    expect(await snapshot(loaded)).toEqual(await snapshot(sampled));
    // Fitted on everything, the same corpus finds the same topics.
    const full = await Atlas.build(big.corpus, { ...opts, fitSample: 2000 });
    expect(
      agreement(
        themeIds,
        big.corpus.papers.map((p) => full.themeOf(p.id).id),
      ).nmi,
    ).toBeGreaterThan(0.9);
    await expect(Atlas.build(big.corpus, { ...opts, fitSample: 999 })).rejects.toThrow(/option "fitSample": must be an integer of at least 1000/u);
  }, 120_000);
});
