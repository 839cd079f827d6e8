import { beforeAll, describe, expect, it } from 'vitest';
import { Atlas, Corpus, OptionError, type AtlasOptions } from '../../src/index.js';
import { phrases } from '../../src/corpus/terms.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './synthetic.js';

const { corpus, truth } = syntheticCorpus(24, 'query');
// Off-topic papers: words from no topic's vocabulary, which k-means must still put somewhere.
const strays = Array.from({ length: 4 }, (_, i) => ({
  id: `stray-${i}`,
  title: `Medieval pottery glazes ${i}`,
  abstract: `Kiln temperatures, tin glaze, lead glaze, earthenware sherds, archaeology of workshops, clay provenance ${i}.`,
  year: 2020,
}));
const withStrays = Corpus.from([...corpus.papers, ...strays], { source: 'synthetic:query+strays' });
const embedder = new FakeEmbedder();
// 100 epochs per UMAP run (the default for 120 papers is 500): the layer stays fast, the topics stay found.
const base: AtlasOptions = { embedder, cache: false, seed: 5, onWarning: () => undefined, layout: { nEpochs: 100 }, reducer: { nEpochs: 100 } };
let atlas: Atlas;
beforeAll(async () => {
  atlas = await Atlas.build(withStrays, { ...base, clusterer: { k: 5 } });
});

const first = corpus.papers[0]!;
const sameTopic = corpus.papers.filter((p) => truth.get(p.id) === truth.get(first.id));

describe('related papers with filters', () => {
  it('ranks papers related to several papers at once, the given ones excluded', async () => {
    const given = [first.id, sameTopic[1]!.id];
    const hits = await atlas.relatedTo(given, { k: 10 });
    expect(hits).toHaveLength(10);
    expect(hits.some((h) => given.includes(h.paper.id))).toBe(false);
    expect(hits.every((h) => truth.get(h.paper.id) === truth.get(first.id))).toBe(true);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    // One paper: the same as related().
    expect(await atlas.relatedTo([first.id], { k: 5 })).toEqual(await atlas.related(first.id, { k: 5 }));
  });

  it('filters by years, themes and excluded papers, and still fills k when the filter is narrow', async () => {
    const years = await atlas.related(first.id, { k: 8, years: { from: 2017, to: 2018 } });
    expect(years).toHaveLength(8);
    expect(years.every((h) => h.paper.year! >= 2017 && h.paper.year! <= 2018)).toBe(true);
    // Other topics' papers only: the store must be searched well past the nearest ones.
    const otherTheme = atlas.themes.find((t) => t.id !== atlas.themeOf(first.id).id)!.id;
    const themed = await atlas.related(first.id, { k: 6, themes: [otherTheme] });
    expect(themed).toHaveLength(6);
    expect(themed.every((h) => atlas.themeOf(h.paper.id).id === otherTheme)).toBe(true);
    const top = (await atlas.related(first.id, { k: 3 })).map((h) => h.paper.id);
    const without = await atlas.related(first.id, { k: 3, exclude: top });
    expect(without.some((h) => top.includes(h.paper.id))).toBe(false);
    // An open-ended range, and a range nothing falls in.
    expect((await atlas.search('optimal transport', { k: 4, years: { from: 2024 } })).every((h) => h.paper.year! >= 2024)).toBe(true);
    expect(await atlas.related(first.id, { years: { from: 1900, to: 1901 } })).toEqual([]);
  });

  it('validates every option', async () => {
    await expect(atlas.related(first.id, { years: { from: 2020, to: 2010 } })).rejects.toThrow(/from \(2020\) is after to \(2010\)/u);
    await expect(atlas.related(first.id, { themes: [99] })).rejects.toThrow(/themes are 0\.\.4/u);
    await expect(atlas.related(first.id, { years: { from: 2020.5 } })).rejects.toThrow(OptionError);
    await expect(atlas.related(first.id, { kk: 3 } as never)).rejects.toThrow(/no setting "kk"/u);
    await expect(atlas.related(first.id, { exclude: ['no such paper'] })).rejects.toThrow(/no such paper/u);
    await expect(atlas.relatedTo([])).rejects.toThrow(/at least one paper/u);
  });
});

describe('explain', () => {
  it('gives the score, shared distinctive phrases and verbatim best-matching sentences', async () => {
    const other = sameTopic[2]!;
    const why = await atlas.explain(first.id, other.id);
    const [a, b] = [first, other].map((p) => atlas.vectorOf(p.id));
    expect(why.score).toBeCloseTo(
      a!.reduce((s, x, i) => s + x * b![i]!, 0),
      6,
    );
    const inA = new Set(phrases(Corpus.textOf(first)));
    const inB = new Set(phrases(Corpus.textOf(other)));
    expect(why.phrases.length).toBeGreaterThan(0);
    for (const p of why.phrases) expect(inA.has(p) && inB.has(p)).toBe(true);
    // Words every paper of the corpus uses ("method", "results") say nothing: never listed.
    expect(why.phrases).not.toContain('benchmarks');
    expect(why.sentences.length).toBeGreaterThan(0);
    for (const s of why.sentences) {
      expect(Corpus.textOf(first)).toContain(s.a);
      expect(Corpus.textOf(other)).toContain(s.b);
    }
    expect(why.sentences.map((s) => s.score)).toEqual([...why.sentences.map((s) => s.score)].sort((x, y) => y - x));
    await expect(atlas.explain(first.id, other.id, { sentences: 99 })).rejects.toThrow(OptionError);
  });
});

describe('outliers and theme edits', () => {
  it('flags the off-topic papers k-means had to put somewhere', () => {
    const flagged = atlas.outliers().map((o) => o.paper.id);
    expect(strays.filter((s) => flagged.includes(s.id)).length).toBeGreaterThanOrEqual(3);
    expect(flagged.length).toBeLessThan(0.1 * atlas.papers.length);
    for (const o of atlas.outliers()) expect(o.score).toBeLessThan(o.fence);
  });

  it('merges and renames themes, keeping the ids of all themes but the last, and keeps both across save and load', async () => {
    const a = await Atlas.build(withStrays, { ...base, clusterer: { k: 5 } });
    const before = a.themes;
    const [t1, t2] = [a.themes[1]!, a.themes[3]!];
    const merged = await a.mergeThemes([t1.id, t2.id], { label: 'merged topics' });
    expect(a.themes).toHaveLength(4);
    expect(merged.label).toBe('merged topics');
    expect(merged.size).toBe(t1.size + t2.size);
    expect(new Set(merged.paperIds)).toEqual(new Set([...t1.paperIds, ...t2.paperIds]));
    // The merged theme keeps the lower id; the last theme (id 4) takes the freed id 3; ids 0 and 2 stay.
    expect(a.themes.map((t) => t.id)).toEqual([0, 1, 2, 3]);
    expect(merged.id).toBe(1);
    expect(merged.edited).toEqual({ label: true, merged: true });
    expect(a.themes[0]!.paperIds).toEqual(before[0]!.paperIds);
    expect(a.themes[2]!.paperIds).toEqual(before[2]!.paperIds);
    expect(a.themes[3]!.paperIds).toEqual(before[4]!.paperIds);
    expect(a.themeOf(t2.paperIds[0]!).label).toBe('merged topics');
    const other = a.themes.find((t) => t.label !== 'merged topics')!;
    const renamed = await a.renameTheme(other.id, '  Renamed   theme ');
    expect(renamed.label).toBe('Renamed theme');
    expect(renamed.edited).toEqual({ label: true });
    expect(a.themes[other.id]!.label).toBe('Renamed theme');
    await expect(a.renameTheme(merged.id, 'Renamed theme')).rejects.toThrow(/already names another theme/u);
    await expect(a.mergeThemes([0])).rejects.toThrow(/at least two/u);
    await expect(a.mergeThemes([0, 9])).rejects.toThrow(/no theme 9/u);
    const dir = await tempDir();
    await a.save(dir);
    const loaded = await Atlas.load(dir, { embedder });
    expect(loaded.themes).toEqual(a.themes);
    expect(loaded.themeOf(t2.paperIds[0]!).label).toBe('merged topics');
    // Related-paper filters see the merged theme.
    const inMerged = await loaded.related(first.id, { themes: [loaded.themeOf(t1.paperIds[0]!).id], k: 3 });
    expect(inMerged.every((h) => loaded.themeOf(h.paper.id).label === 'merged topics')).toBe(true);
  });
});
