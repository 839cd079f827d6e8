import { readFile, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  agreement,
  Atlas,
  AtlasFileError,
  Corpus,
  GivenThemes,
  IdentityReducer,
  OptionError,
  PART_MIN_SIZE,
  PaperLookupError,
  readCorpus,
  type AtlasOptions,
  type BuildProgress,
  type Clusterer,
  type Theme,
  type TopicMap,
} from '../../src/index.js';
import { pullTogether } from '../../src/pipeline/fit.js';
import { FakeEmbedder, syntheticCorpus, tempDir, TOPICS } from './synthetic.js';

const { corpus, truth } = syntheticCorpus(24);
const embedder = new FakeEmbedder();
// 100 epochs per UMAP run (the default for 120 papers is 500): the layer stays fast, the topics stay found.
const base: AtlasOptions = { embedder, cache: false, seed: 3, onWarning: () => undefined, layout: { nEpochs: 100 }, reducer: { nEpochs: 100 } };
const build = (opts: AtlasOptions = {}): Promise<Atlas> => Atlas.build(corpus, { ...base, ...opts });
const nmi = (a: Atlas): number =>
  agreement(
    corpus.papers.map((p) => truth.get(p.id)!),
    corpus.papers.map((p) => a.themeOf(p.id).id),
  ).nmi;
/** Median distance papers moved between two maps, over the first map's width. */
function medianShift(a: TopicMap, b: TopicMap): number {
  const at = new Map(b.points.map((p) => [p.id, p]));
  const d = a.points.map((p) => Math.hypot(p.x - at.get(p.id)!.x, p.y - at.get(p.id)!.y)).sort((x, y) => x - y);
  const xs = a.points.map((p) => p.x);
  return d[d.length >> 1]! / (Math.max(...xs) - Math.min(...xs));
}
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

  it('reports every stage, the layout in a worker beside the others, and stops on abort', async () => {
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

  it('prints a summary, not its internals', () => {
    expect(inspect(atlas)).toMatch(/^Atlas \{ papers: 120, themes: \d+, embedder: 'fake-bow@96', source: 'synthetic:corpus' \}$/u);
    expect(JSON.parse(JSON.stringify(atlas))).toMatchObject({ papers: 120, embedder: 'fake-bow@96', seed: 3 });
  });

  it('refuses more themes than papers', async () => {
    await expect(build({ clusterer: { k: 121 } })).rejects.toThrow(/option "k": is 121, but there are only 120 papers/u);
  });

  it('validates options before doing any work', async () => {
    const before = embedder.calls;
    await expect(build({ seed: -1 })).rejects.toThrow(OptionError);
    await expect(build({ clusterer: { k: 'many' as never } })).rejects.toThrow(/option "k"/u);
    await expect(build({ layout: { dims: 0 } })).rejects.toThrow(/layout\.dims/u);
    await expect(build({ reducer: { spread: 1 } as never })).rejects.toThrow(/no setting "spread"/u);
    await expect(build({ clusterer: { id: 'x', options: {} } as never })).rejects.toThrow(OptionError);
    await expect(Atlas.build([{ title: 'a', abstract: 'b' }] as never)).rejects.toThrow(/must be a Corpus/u);
    // An option no build knows is refused too (a typo would otherwise do nothing).
    await expect(build({ seeds: 3 } as never)).rejects.toThrow(/option "options": has no setting "seeds"/u);
    // None of these builds got as far as embedding a paper.
    expect(embedder.calls).toBe(before);
  });

  it("clusters on the embeddings with the identity reducer, and takes the user's own themes", async () => {
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
    expect(manifest.stages.clusterer).toEqual({
      id: 'kmeans',
      options: {
        algorithm: 'hamerly',
        k: 'auto',
        kRange: 'auto',
        restarts: 10,
        searchRestarts: 3,
        maxIterations: 300,
        tolerance: 1e-6,
        searchSample: 10000,
        refine: true,
      },
    });
    expect(manifest.stages.reducer).toEqual({ id: 'umap', options: { dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 100 } });
    expect(manifest.stages.layout.options.dims).toBe(2);
    expect(manifest.stages.store).toMatchObject({ id: 'hnsw', options: { M: 32, efConstruction: 200, efSearch: 400 } });
    const loaded = await Atlas.load(dir, { embedder });
    expect(await snapshot(loaded)).toEqual(await snapshot(atlas));
    expect(await loaded.search('sinkhorn iterations transport plan', { k: 3 })).toEqual(await atlas.search('sinkhorn iterations transport plan', { k: 3 }));
    // A fresh refit is the build again; a default one keeps the themes and starts the map where it was.
    const changes = await loaded.refit({ fresh: true });
    expect(await snapshot(loaded)).toEqual(await snapshot(atlas));
    expect(changes.stayed).toBe(1);
    expect(changes.kept.map((k) => [k.id, k.from, k.overlap])).toEqual(atlas.themes.map((t) => [t.id, t.id, 1]));
    await loaded.refit();
    expect(loaded.themes.map((t) => t.paperIds)).toEqual(atlas.themes.map((t) => t.paperIds));
    expect(medianShift(await atlas.map(), await loaded.map())).toBeLessThan(0.05);
    await loaded.refit({ clusterer: { k: 3 } });
    expect(loaded.themes).toHaveLength(3);
    expect(loaded.stages.clusterer.options).toMatchObject({ k: 3, restarts: 10 });
    // A key refit does not know is refused, and the atlas stays as it was.
    await expect(loaded.refit({ themes: 4 } as never)).rejects.toThrow(/option "options": has no setting "themes"/u);
    expect(loaded.themes).toHaveLength(3);
    await expect(Atlas.load(dir, { embedder, stage: {} } as never)).rejects.toThrow(/has no setting "stage"/u);
    await expect(loaded.subthemes(0, { kk: 2 } as never)).rejects.toThrow(/has no setting "kk"/u);
  });

  it('an atlas saved before the k-means algorithm and refine options existed refits with unrefined ml-kmeans, as it was built', async () => {
    const old = await build({ clusterer: { algorithm: 'ml-kmeans', refine: false } });
    const dir = await tempDir();
    await old.save(dir);
    const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    delete m.stages.clusterer.options.algorithm;
    delete m.stages.clusterer.options.refine;
    await writeFile(join(dir, 'atlas.json'), JSON.stringify(m));
    const loaded = await Atlas.load(dir, { embedder });
    expect(loaded.stages.clusterer.options).toMatchObject({ algorithm: 'ml-kmeans', refine: false });
    await loaded.refit({ fresh: true });
    expect(await snapshot(loaded)).toEqual(await snapshot(old));
    expect(nmi(old)).toBeGreaterThan(0.85);
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
      const [added] = await target.add([
        {
          title: 'Sinkhorn transport plan',
          abstract: 'optimal transport with sinkhorn iterations and a coupling between marginals under entropic regularization.',
        },
      ]);
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

describe('the layout pulled together by theme', () => {
  it('shrinks each theme about its median point and keeps that point where it was', () => {
    const coords: [number, number][] = [
      [0, 0],
      [2, 0],
      [10, 4],
      [0, 6],
      [9, 9],
      [11, 9],
      [10, 20],
    ];
    const assignments = [0, 0, 0, 0, 1, 1, 1];
    const { coords: pulled, centres } = pullTogether(coords, assignments, 0.5);
    expect(centres.get(0)).toEqual([1, 2]);
    expect(centres.get(1)).toEqual([10, 9]);
    pulled.forEach(([x, y], i) => {
      const [cx, cy] = centres.get(assignments[i]!)!;
      expect(Math.hypot(x - cx, y - cy)).toBeCloseTo(Math.hypot(coords[i]![0] - cx, coords[i]![1] - cy) / 2, 12);
    });
    // The centre of the pulled map is the same point: a second pull goes on shrinking about it.
    expect(pullTogether(pulled, assignments, 0.5).centres).toEqual(centres);
    expect(pullTogether(coords, assignments, 0).coords).toEqual(coords);
  });
});

describe('theme parts', () => {
  it('splits each theme of PART_MIN_SIZE papers or more into 2 to 5 named parts that partition it, and names them on the map', async () => {
    const large = atlas.themes.filter((t) => t.size >= PART_MIN_SIZE);
    expect(large.length).toBeGreaterThan(2);
    for (const t of atlas.themes) {
      if (t.size < PART_MIN_SIZE) {
        expect(t.parts).toBeUndefined();
        continue;
      }
      const parts = t.parts!;
      expect(parts.length).toBeGreaterThanOrEqual(2);
      expect(parts.length).toBeLessThanOrEqual(5);
      expect(parts.flatMap((p) => p.paperIds).sort()).toEqual([...t.paperIds].sort());
      expect(parts.every((p) => p.size === p.paperIds.length)).toBe(true);
      expect(new Set(parts.map((p) => p.label)).size).toBe(parts.length);
      expect(parts.map((p) => p.label)).not.toContain(t.label);
    }
    const map = await atlas.map();
    expect(map.sublabels.map((s) => s.text).sort()).toEqual(atlas.themes.flatMap((t) => (t.parts ?? []).map((p) => p.label)).sort());
  });

  it('keeps parts through save and load, add, remove and merge, and refuses a saved part that names a paper outside its theme', async () => {
    const a = await build();
    const dir = await tempDir();
    await a.save(dir);
    const loaded = await Atlas.load(dir, { embedder });
    expect(loaded.themes).toEqual(a.themes);
    const [added] = await loaded.add([
      { title: 'Sinkhorn transport plan', abstract: 'optimal transport with sinkhorn iterations and a coupling between marginals.' },
    ]);
    const theme = loaded.themeOf(added!.id);
    expect(theme.parts!.filter((p) => p.paperIds.includes(added!.id))).toHaveLength(1);
    expect(theme.parts!.reduce((s, p) => s + p.size, 0)).toBe(theme.size);
    await loaded.remove(added!.id);
    expect(loaded.themeOf(corpus.papers[0]!.id).parts!.flatMap((p) => p.paperIds)).not.toContain(added!.id);
    const [t0, t1] = [loaded.themes[0]!, loaded.themes[1]!];
    const merged = await loaded.mergeThemes([t0.id, t1.id]);
    expect(merged.parts!.map((p) => p.label).sort()).toEqual([...t0.parts!, ...t1.parts!].map((p) => p.label).sort());
    // A part naming a paper of another theme is refused on load, with the field named.
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    manifest.themes[0].parts[0].paperIds.push(manifest.themes[1].paperIds[0]);
    manifest.themes[0].parts[0].size++;
    await writeFile(join(dir, 'atlas.json'), JSON.stringify(manifest));
    await expect(Atlas.load(dir, { embedder })).rejects.toThrow(/themes\[0\]\.parts\[0\]\.paperIds/u);
  });
});

describe('export', () => {
  it('writes BibTeX, CSL-JSON and id lists that read back to the same papers, in the order asked', async () => {
    const ids = [corpus.papers[5]!.id, corpus.papers[0]!.id, corpus.papers[40]!.id];
    const dir = await tempDir();
    for (const [format, file] of [
      ['bibtex', 'sel.bib'],
      ['csl-json', 'sel.json'],
    ] as const) {
      await writeFile(join(dir, file), atlas.export(ids, format, { abstracts: true }));
      const back = await readCorpus(join(dir, file));
      expect(back.papers.map((p) => [p.id, p.title, p.abstract])).toEqual(ids.map((id) => [id, atlas.paper(id).title, atlas.paper(id).abstract]));
    }
    expect(atlas.export(ids, 'ids')).toBe(`${ids.join('\n')}\n`);
    // Without abstracts (as the HTML map exports), titles only.
    expect(atlas.export(ids, 'bibtex')).not.toContain('abstract');
    expect(() => atlas.export(['no such paper'], 'bibtex')).toThrow(PaperLookupError);
    expect(() => atlas.export(ids, 'ris' as 'bibtex')).toThrow(OptionError);
    expect(() => atlas.export(ids, 'bibtex', { abstract: true } as unknown as { abstracts: boolean })).toThrow(OptionError);
  });
});

describe('a growing library', () => {
  it('adds without refitting while the themes hold, refits when new papers form a theme of their own, and keeps ids, names and merges', async () => {
    const { corpus: all, truth } = syntheticCorpus(24);
    const topicOf = (id: string): string => truth.get(id) ?? truth.get(id.replace(/^more-/u, ''))!;
    const gnn = all.papers.filter((p) => topicOf(p.id) === 'graph neural networks');
    const a = await Atlas.build(Corpus.from(all.papers.filter((p) => !gnn.includes(p))), { ...base, clusterer: { kRange: [3, 6] } });
    const themeOfTopic = (topic: string): Theme => a.themes.find((t) => t.paperIds.filter((id) => topicOf(id) === topic).length > t.size / 2)!;
    const ot = await a.renameTheme(themeOfTopic('optimal transport').id, 'OT');
    const pair = await a.mergeThemes([themeOfTopic('bilevel optimization').id, themeOfTopic('preference optimization').id], { label: 'two topics' });
    const before = a.themes;
    const mapBefore = await a.map();

    // More papers of the topics it has: they sit inside the themes, so no refit.
    const more = syntheticCorpus(2, 'more').corpus.papers.filter((p) => !p.id.startsWith('graph'));
    const quiet = await a.update(more.map((p) => ({ ...p, id: `more-${p.id}` })));
    expect(quiet.refit).toBe(false);
    expect(quiet.added).toHaveLength(8);
    expect(quiet.drift.far).toBeLessThan(3);
    expect(quiet.reason).toMatch(/the themes still hold/u);
    expect(a.changes).toBeUndefined();

    // A topic the atlas has never seen: most of it lies outside every theme, so the update refits.
    const loud = await a.update(gnn);
    expect(loud.refit).toBe(true);
    expect(loud.drift.farShare).toBeGreaterThan(0.5);
    expect(loud.reason).toMatch(/lie outside every theme/u);
    const changes = loud.changes!;
    expect(a.changes).toEqual(changes);
    const born = changes.born
      .map((b) => a.themes[b.id]!)
      .filter((t) => t.paperIds.filter((id) => topicOf(id) === 'graph neural networks').length > 0.9 * t.size);
    expect(born).toHaveLength(1);
    expect(born[0]!.size).toBeGreaterThanOrEqual(20);
    // The themes before keep their ids, the user's name and merge; their papers stay in them.
    const now = a.themes[ot.id]!;
    expect(now.label).toBe('OT');
    expect(now.edited).toEqual({ label: true });
    const merged = a.themes.find((t) => t.label === 'two topics')!;
    expect(merged.id).toBe(pair.id);
    expect(merged.edited).toEqual({ label: true, merged: true });
    expect(new Set(merged.paperIds.map(topicOf))).toEqual(new Set(['bilevel optimization', 'preference optimization']));
    expect(changes.reapplied.renamed).toContain(ot.id);
    expect(changes.reapplied.merged).toHaveLength(1);
    const kept = new Set(changes.kept.map((k) => k.from));
    const staying = before.filter((t) => kept.has(t.id)).flatMap((t) => t.paperIds.map((id) => [id, t.id] as const));
    expect(staying.filter(([id, t]) => a.themeOf(id).id === t).length / staying.length).toBeGreaterThanOrEqual(0.9);
    expect(changes.stayed).toBeGreaterThanOrEqual(0.9);
    // The map stays put: the papers on it before move a median under 5% of its width.
    expect(medianShift(mapBefore, await a.map())).toBeLessThan(0.05);
    // The change report is saved with the atlas.
    const dir = await tempDir();
    await a.save(dir);
    expect((await Atlas.load(dir, { embedder })).changes).toEqual(changes);
    expect(() => a.update([], { refit: 'sometimes' as 'auto' })).toThrow(OptionError);
  });
});
