import { readFile, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  agreement,
  Atlas,
  AtlasFileError,
  GivenThemes,
  IdentityReducer,
  OptionError,
  StageError,
  type AtlasOptions,
  type BuildProgress,
  type Clusterer,
  type Labeller,
  type Reducer,
} from '../../src/index.js';
import { FakeEmbedder, syntheticCorpus, tempDir, TOPICS } from './synthetic.js';

const { corpus, truth } = syntheticCorpus(24);
const embedder = new FakeEmbedder();
const base: AtlasOptions = { embedder, cache: false, seed: 3, onWarning: () => undefined };
const build = (opts: AtlasOptions = {}): Promise<Atlas> => Atlas.build(corpus, { ...base, ...opts });
const nmi = (a: Atlas): number => agreement(corpus.papers.map((p) => truth.get(p.id)!), corpus.papers.map((p) => a.themeOf(p.id).id)).nmi;
const snapshot = async (a: Atlas) => ({ themes: a.themes, k: a.kSelection, points: (await a.map()).points });

let atlas: Atlas;
beforeAll(async () => {
  atlas = await build();
});

describe('the default pipeline on synthetic topics', () => {
  it('finds the topics, names them and lays them out', async () => {
    expect(atlas.papers).toHaveLength(120);
    expect(nmi(atlas)).toBeGreaterThan(0.85);
    const labels = atlas.themes.map((t) => [t.label, ...t.keywords.slice(0, 3)].join(' | '));
    for (const topic of Object.keys(TOPICS)) expect(labels.some((l) => l.includes(topic))).toBe(true);
    const map = await atlas.map();
    expect(map.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    const [hit] = await atlas.related(corpus.papers[0]!.id, { k: 1 });
    expect(truth.get(hit!.paper.id)).toBe(truth.get(corpus.papers[0]!.id));
  });

  it('is deterministic: same input and seed, same themes, labels and coordinates', async () => {
    expect(await snapshot(await build())).toEqual(await snapshot(atlas));
    const other = await build({ seed: 4 });
    expect((await other.map()).points).not.toEqual((await atlas.map()).points);
  });

  it('reports every stage, the layout alongside the themes, and stops on abort', async () => {
    const stages: string[] = [];
    await build({ onProgress: (p: BuildProgress) => void (stages.includes(p.stage) || stages.push(p.stage)) });
    // The map layout runs in a worker thread next to reduce → cluster → label, so it may come first or interleave.
    expect(stages.slice(0, 2)).toEqual(['embed', 'index']);
    expect(stages.filter((s) => s !== 'layout')).toEqual(['embed', 'index', 'reduce', 'cluster', 'label']);
    expect(stages).toContain('layout');
    const ctrl = new AbortController();
    const run = build({ signal: ctrl.signal, onProgress: (p) => p.stage === 'layout' && ctrl.abort(new Error('user stop')) });
    await expect(run).rejects.toThrow('user stop');
  });

  it('fits a large corpus on a seeded sample; the other papers follow their nearest sampled ones', async () => {
    const big = syntheticCorpus(300, 'big');
    const opts: AtlasOptions = { ...base, fitSample: 1000, clusterer: { k: 5 } };
    const sampled = await Atlas.build(big.corpus, opts);
    expect(sampled.fitSample).toBe(1000);
    expect(sampled.papers).toHaveLength(1500);
    const themeIds = big.corpus.papers.map((p) => sampled.themeOf(p.id).id);
    expect(agreement(big.corpus.papers.map((p) => big.truth.get(p.id)!), themeIds).nmi).toBeGreaterThan(0.9);
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
    expect(agreement(themeIds, big.corpus.papers.map((p) => full.themeOf(p.id).id)).nmi).toBeGreaterThan(0.9);
    await expect(build({ fitSample: 999 })).rejects.toThrow(/option "fitSample": must be an integer of at least 1000/u);
  }, 120_000);

  it('prints a summary, not its internals', () => {
    expect(inspect(atlas)).toMatch(/^Atlas \{ papers: 120, themes: \d+, embedder: 'fake-bow@96', source: 'synthetic:corpus' \}$/u);
    expect(JSON.parse(JSON.stringify(atlas))).toMatchObject({ papers: 120, embedder: 'fake-bow@96', seed: 3 });
  });

  it('refuses more themes than papers', async () => {
    await expect(build({ clusterer: { k: 121 } })).rejects.toThrow(/option "k": is 121, but there are only 120 papers/u);
  });

  it('validates options before doing any work', async () => {
    await expect(build({ seed: -1 })).rejects.toThrow(OptionError);
    await expect(build({ clusterer: { k: 'many' as never } })).rejects.toThrow(/option "k"/u);
    await expect(build({ layout: { dims: 0 } })).rejects.toThrow(/layout\.dims/u);
    await expect(build({ reducer: { spread: 1 } as never })).rejects.toThrow(/no setting "spread"/u);
    await expect(build({ clusterer: { id: 'x', options: {} } as never })).rejects.toThrow(OptionError);
    await expect(Atlas.build([{ title: 'a', abstract: 'b' }] as never)).rejects.toThrow(/must be a Corpus/u);
    expect(embedder.calls).toBeGreaterThan(0);
  });

  it('clusters on the embeddings with the identity reducer, and takes the user\'s own themes', async () => {
    const flat = await build({ reducer: new IdentityReducer(), clusterer: { k: 5 } });
    expect(flat.themes).toHaveLength(5);
    expect(nmi(flat)).toBeGreaterThan(0.85);
    const given = await build({ clusterer: new GivenThemes(Object.fromEntries(truth)) });
    expect(given.themes.map((t) => t.label).sort()).toEqual(Object.keys(TOPICS).sort());
    expect(given.themeOf(corpus.papers[0]!.id).label).toBe(truth.get(corpus.papers[0]!.id));
    expect(given.kSelection.method).toBe('given');
  });
});

describe('save, load and refit', () => {
  it('saves the resolved stages, and a refit of the loaded atlas reproduces the build', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    expect(manifest.version).toBe(2);
    expect(manifest.stages.clusterer).toEqual({ id: 'kmeans', options: { k: 'auto', kRange: 'auto', restarts: 10, searchRestarts: 3, maxIterations: 300, tolerance: 1e-6, searchSample: 4000 } });
    expect(manifest.stages.reducer).toEqual({ id: 'umap', options: { dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 'auto' } });
    expect(manifest.stages.layout.options.dims).toBe(2);
    expect(manifest.stages.store).toMatchObject({ id: 'hnsw', options: { M: 32, efConstruction: 200, efSearch: 400 } });
    const loaded = await Atlas.load(dir, { embedder });
    expect(await snapshot(loaded)).toEqual(await snapshot(atlas));
    expect(await loaded.search('sinkhorn iterations transport plan', { k: 3 })).toEqual(await atlas.search('sinkhorn iterations transport plan', { k: 3 }));
    await loaded.refit();
    expect(await snapshot(loaded)).toEqual(await snapshot(atlas));
    await loaded.refit({ clusterer: { k: 3 } });
    expect(loaded.themes).toHaveLength(3);
    expect(loaded.stages.clusterer.options).toMatchObject({ k: 3, restarts: 10 });
  });

  it('records the engine it was fitted on, and warns when a refit runs on another', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    expect(m.engine).toBe(`node ${process.versions.node} (v8 ${process.versions.v8})`);
    await writeFile(join(dir, 'atlas.json'), JSON.stringify({ ...m, engine: 'deno 9.9.9 (v8 99.0)' }));
    const warnings: string[] = [];
    const loaded = await Atlas.load(dir, { embedder, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    await loaded.refit();
    expect(warnings.join('\n')).toMatch(/fitted under deno 9\.9\.9 \(v8 99\.0\); refitting under node .* themes and coordinates may differ/u);
    await loaded.refit();
    expect(warnings).toHaveLength(1);
  });

  it('refuses a version 1 atlas with the version in the message', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    await writeFile(join(dir, 'atlas.json'), JSON.stringify({ ...m, version: 1 }));
    const err = await Atlas.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasFileError);
    expect((err as Error).message).toMatch(/format version 1; this paper-atlas reads version 2: rebuild/u);
  });

  it('leaves the atlas exactly as it was when a refit fails', async () => {
    const a = await build();
    const before = await snapshot(a);
    await expect(a.refit({ clusterer: { k: 0 } })).rejects.toThrow(OptionError);
    const ctrl = new AbortController();
    ctrl.abort(new Error('stop'));
    await expect(a.refit({ clusterer: { k: 4 }, signal: ctrl.signal })).rejects.toThrow('stop');
    const broken: Clusterer = { id: 'broken', options: {}, cluster: async (points) => ({ k: 2, assignments: points.map(() => 7) }) };
    await expect(a.refit({ clusterer: broken })).rejects.toThrow(/clusterer broken: assigned row 0 to theme 7/u);
    expect(await snapshot(a)).toEqual(before);
    expect(a.stages.clusterer.id).toBe('kmeans');
    const dir = await tempDir();
    await a.save(dir);
    expect((await Atlas.load(dir, { embedder })).themes).toEqual(before.themes);
  });

  it('places added papers in their topic and hides removed ones, before and after a reload', async () => {
    const a = await build();
    const dir = await tempDir();
    await a.save(dir);
    const loaded = await Atlas.load(dir, { embedder });
    for (const target of [a, loaded]) {
      const [added] = await target.add([{ title: 'Sinkhorn transport plan', abstract: 'optimal transport with sinkhorn iterations and a coupling between marginals under entropic regularization.' }]);
      const theme = target.themeOf(added!.id);
      expect(theme.paperIds.filter((id) => truth.get(id) === 'optimal transport').length).toBeGreaterThan(theme.size / 2);
      const map = await target.map();
      const p = map.points.find((q) => q.id === added!.id)!;
      const dist = (q: { x: number; y: number }): number => Math.hypot(q.x - p.x, q.y - p.y);
      const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
      const same = map.points.filter((q) => truth.get(q.id) === 'optimal transport').map(dist);
      const others = map.points.filter((q) => truth.has(q.id) && truth.get(q.id) !== 'optimal transport').map(dist);
      expect(mean(same)).toBeLessThan(mean(others));
      await target.remove(added!.id);
      expect(target.papers.some((q) => q.id === added!.id)).toBe(false);
      expect((await target.related(corpus.papers[0]!.id, { k: 200 })).some((n) => n.paper.id === added!.id)).toBe(false);
    }
  });
});

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
      await loaded.refit();
      expect(loaded.themes).toEqual(a.themes);
      expect((await loaded.map()).points).toEqual((await a.map()).points);
    });
  }

  it('a custom layout must return two coordinates per paper', async () => {
    await expect(build({ layout: firstCoordinates(3) })).rejects.toThrow(/layout first-3: row 0 has 3 coordinates, expected 2/u);
    const ok = await build({ layout: firstCoordinates(2) });
    expect((await ok.map()).points[0]!.x).toBeCloseTo(embedder.dims && (await embedder.embed([`${corpus.papers[0]!.title}. ${corpus.papers[0]!.abstract}`]))[0]![0]! * 10, 5);
  });
});
