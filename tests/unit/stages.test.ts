import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Atlas, StageError, type AtlasOptions, type Clusterer, type Labeller, type Reducer } from '../../src/index.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './synthetic.js';

/** Stages a user writes: each builds, saves as `custom`, loads when passed again, and refits. */
const { corpus } = syntheticCorpus(24);
const embedder = new FakeEmbedder();
// 100 epochs per UMAP run (the default for 120 papers is 500): the layer stays fast, the topics stay found.
const base: AtlasOptions = { embedder, cache: false, seed: 3, onWarning: () => undefined, layout: { nEpochs: 100 }, reducer: { nEpochs: 100 } };
const build = (opts: AtlasOptions = {}): Promise<Atlas> => Atlas.build(corpus, { ...base, ...opts });

/** A reducer that keeps the first coordinates of each vector, scaled: tiny, deterministic, custom. */
const firstCoordinates = (dims: number): Reducer => ({
  id: `first-${dims}`,
  options: { dims },
  fit: async (vectors) => ({ coords: vectors.map((v) => Float64Array.from(v.subarray(0, dims), (x) => x * 10)) }),
});

/** A clusterer that puts each point with the nearest of the first `k` points. */
const firstK = (k: number): Clusterer => ({
  id: 'first-k',
  options: { k },
  cluster: async (points) => {
    const centres = points.slice(0, k);
    const d = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);
    return { k, assignments: points.map((p) => centres.map((c) => d(p, c)).reduce((best, x, i, all) => (x < all[best]! ? i : best), 0)) };
  },
});

/** A labeller that names a theme by its size and most frequent long word. */
const bySize: Labeller = {
  id: 'by-size',
  options: {},
  label: async ({ texts, assignments, k }) =>
    Array.from({ length: k }, (_, t) => {
      const counts = new Map<string, number>();
      texts.forEach((text, i) => {
        if (assignments[i] !== t) return;
        for (const w of text.toLowerCase().match(/[a-z]{6,}/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
      });
      const words = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
      return { label: `${words[0]} (${assignments.filter((a) => a === t).length})`, keywords: words.slice(0, 5) };
    }),
};

describe('custom stages', () => {
  const cases: [string, AtlasOptions, 'reducer' | 'clusterer' | 'labeller', () => unknown][] = [
    ['reducer', { reducer: firstCoordinates(4) }, 'reducer', () => firstCoordinates(4)],
    ['clusterer', { clusterer: firstK(4) }, 'clusterer', () => firstK(4)],
    ['labeller', { labeller: bySize }, 'labeller', () => bySize],
  ];
  for (const [name, opts, slot, again] of cases) {
    it(`a custom ${name} builds, saves as custom, loads when passed again, and refits`, async () => {
      const a = await build(opts);
      expect(a.stages[slot].id).toBe((opts[slot] as { id: string }).id);
      if (slot === 'clusterer') expect(a.themes).toHaveLength(4);
      if (slot === 'labeller') expect(a.themes.every((t) => / \(\d+\)$/u.test(t.label))).toBe(true);
      const dir = await tempDir();
      await a.save(dir);
      const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
      expect(m.stages[slot]).toEqual({ id: 'custom', name: (opts[slot] as { id: string }).id, options: (opts[slot] as { options: object }).options });

      const without = await Atlas.load(dir, { embedder });
      expect(without.themes).toEqual(a.themes);
      expect(await without.related(corpus.papers[1]!.id, { k: 3 })).toEqual(await a.related(corpus.papers[1]!.id, { k: 3 }));
      await expect(without.refit()).rejects.toThrow(StageError);
      await expect(without.refit()).rejects.toThrow(new RegExp(`custom stage "${(opts[slot] as { id: string }).id}"; pass it again`, 'u'));

      const wrong = await Atlas.load(dir, { embedder, stages: { [slot]: { ...(again() as object), id: 'other' } } }).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(StageError);

      const loaded = await Atlas.load(dir, { embedder, stages: { [slot]: again() } });
      await loaded.refit({ fresh: true });
      expect(loaded.themes).toEqual(a.themes);
      expect((await loaded.map()).points).toEqual((await a.map()).points);
    });
  }

  it('a custom layout must return two coordinates per paper', async () => {
    await expect(build({ layout: firstCoordinates(3) })).rejects.toThrow(/layout first-3: row 0 has 3 coordinates, expected 2/u);
    const ok = await build({ layout: firstCoordinates(2) });
    expect((await ok.map()).points[0]!.x).toBeCloseTo(
      embedder.dims && (await embedder.embed([`${corpus.papers[0]!.title}. ${corpus.papers[0]!.abstract}`]))[0]![0]! * 10,
      5,
    );
  });
});
