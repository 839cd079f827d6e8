import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Atlas, AtlasFileError, Corpus, CorpusError, OptionError, readCitationEdges, type AtlasOptions } from '../../src/index.js';
import { checkPapers } from '../../src/persist/manifest.js';
import { CitationGraph } from '../../src/pipeline/citations.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './synthetic.js';

const { corpus, truth } = syntheticCorpus(24, 'citations');
const topicOf = (id: string): string => truth.get(id)!;
const ids = corpus.papers.map((p) => p.id);
/** Each paper cites the three papers after it in its own topic and two works outside the library its topic shares. */
function withLinks(): Corpus {
  const byTopic = new Map<string, string[]>();
  for (const id of ids) byTopic.set(topicOf(id), [...(byTopic.get(topicOf(id)) ?? []), id]);
  return Corpus.from(
    corpus.papers.map((p) => {
      const mates = byTopic.get(topicOf(p.id))!;
      const at = mates.indexOf(p.id);
      const cites = [1, 2, 3].map((d) => mates[(at + d) % mates.length]!);
      return { ...p, references: [...cites, `10.5555/${topicOf(p.id)}-review`, `https://openalex.org/W${1000 + (at % 4)}`] };
    }),
    { source: 'synthetic:citations' },
  );
}
const base: AtlasOptions = {
  embedder: new FakeEmbedder(),
  cache: false,
  seed: 5,
  onWarning: () => undefined,
  layout: { nEpochs: 100 },
  reducer: { nEpochs: 100 },
};
let linked: Atlas;
let plain: Atlas;
beforeAll(async () => {
  [linked, plain] = await Promise.all([Atlas.build(withLinks(), { ...base, clusterer: { k: 5 } }), Atlas.build(corpus, { ...base, clusterer: { k: 5 } })]);
});

describe('references', () => {
  it('reads them from records as lists, strings, Semantic Scholar objects and OpenAlex work URLs, with the citation count', () => {
    const c = Corpus.from([
      { id: 'a', title: 'A', abstract: 'x', references: ['https://doi.org/10.1000/ABC', 'b', 'b', 'https://openalex.org/W123'], cited_by_count: '7' },
      { id: 'b', title: 'B', abstract: 'y', references: 'doi:10.1000/xyz; a  W9' },
      { paperId: 'c', title: 'C', abstract: 'z', externalIds: {}, references: [{ paperId: 'a' }, { paperId: null }], citationCount: 2 },
    ]);
    expect(c.papers.map((p) => [p.references, p.citedByCount])).toEqual([
      [['10.1000/ABC', 'b', 'W123'], 7],
      [['10.1000/xyz', 'a', 'W9'], undefined],
      [['a'], 2],
    ]);
    expect(c.papers[0]!.meta).toBeUndefined();
  });

  it('refuses reference lists that are not lists of ids, too long, and counts that are not counts, naming the field', () => {
    expect(() => Corpus.from([{ title: 'A', abstract: 'x', references: [{ nested: { deep: 1 } }, ['x']] }])).toThrow(/references.*not an id/u);
    expect(() => Corpus.from([{ title: 'A', abstract: 'x', references: Array.from({ length: 20_001 }, (_, i) => `r${i}`) }])).toThrow(CorpusError);
    expect(() => Corpus.from([{ title: 'A', abstract: 'x', references: ['x'.repeat(2000)] }])).toThrow(/2000 characters/u);
    expect(() => Corpus.from([{ title: 'A', abstract: 'x', citedByCount: -1 }])).toThrow(/field "citedByCount".*count/u);
  });

  it('links papers by id, DOI (any case) and OpenAlex id; shared works outside the corpus count', () => {
    const papers = Corpus.from([
      { id: 'W1', title: 'A', abstract: 'x', doi: '10.1/AA', references: ['10.1/bb', 'ext'] },
      { id: 'b', title: 'B', abstract: 'y', doi: '10.1/BB', references: ['w1', 'ext'] },
      { id: 'c', title: 'C', abstract: 'z', references: ['ext', 'other'] },
      { id: 'd', title: 'D', abstract: 'w' },
    ]).papers;
    const g = CitationGraph.of(papers)!;
    // a → b (by DOI) and b → a (by OpenAlex id): one link.
    expect(g.links).toEqual([{ from: 0, to: 1 }]);
    const s = g.scores([0]);
    expect([...s.keys()].sort()).toEqual([1, 2]);
    // b: a direct link and "ext" shared (three papers cite it: 1 / ln 3); c: "ext" alone.
    expect(s.get(1)).toBeCloseTo(1 + 1 / Math.log(3), 10);
    expect(s.get(2)).toBeCloseTo(1 / Math.log(3), 10);
    expect(g.hasLinks(3)).toBe(false);
    expect(CitationGraph.of(corpus.papers)).toBeUndefined();
  });
});

describe('related papers with citations', () => {
  it("ranks by citations alone with rank 'citations', and fuses them into the hybrid order", async () => {
    const p = ids[0]!;
    const cites = await linked.related(p, { k: 6, rank: 'citations' });
    const { references } = linked.papers.find((x) => x.id === p)!;
    const citing = linked.papers.filter((x) => x.references!.includes(p)).map((x) => x.id);
    // The three papers it cites and the three citing it, each also sharing its topic's works, come first.
    expect(new Set(cites.map((n) => n.paper.id))).toEqual(new Set([...references!.slice(0, 3), ...citing]));
    expect(cites.map((n) => n.score)).toEqual([...cites.map((n) => n.score)].sort((a, b) => b - a));
    const hybrid = await linked.related(p, { k: 10 });
    const text = await plain.related(p, { k: 10 });
    // The fused score is the text score plus the weighted citation score; a zero weight gives the text order back.
    expect((await linked.related(p, { k: 10, citationWeight: 0 })).map((n) => n.paper.id)).toEqual(text.map((n) => n.paper.id));
    const cited = hybrid.find((n) => references!.includes(n.paper.id))!;
    expect(cited.score).toBeGreaterThan(text.find((n) => n.paper.id === cited.paper.id)?.score ?? -Infinity);
    await expect(linked.related(p, { citationWeight: -1 })).rejects.toThrow(OptionError);
    await expect(linked.related(p, { rank: 'links' as never })).rejects.toThrow(/"hybrid", "cosine" or "citations"/u);
  });

  it('explains a pair by its links: who cites whom, what both cite, which papers cite both', async () => {
    const p = linked.papers[0]!;
    const q = p.references![0]!;
    const mates = linked.papers.filter((x) => topicOf(x.id) === topicOf(p.id)).map((x) => x.id);
    const at = mates.indexOf(p.id);
    const before = (d: number): string => mates[(at - d + mates.length) % mates.length]!;
    const e = await linked.explain(p.id, q);
    expect(e.citations).toEqual({
      aCitesB: true,
      bCitesA: false,
      // The next two of the topic, which both cite, and the topic's review; the OpenAlex work differs (at % 4).
      bothCite: [p.references![1]!, p.references![2]!, p.references![3]!],
      citeBoth: [before(1), before(2)].sort((x, y) => ids.indexOf(x) - ids.indexOf(y)),
    });
    expect((await plain.explain(p.id, q)).citations).toBeUndefined();
  });

  it('falls back to the text order for a paper without links, and for an atlas without references', async () => {
    const p = ids[5]!;
    expect((await plain.related(p, { k: 5, rank: 'citations' })).map((n) => n.paper.id)).toEqual((await plain.related(p, { k: 5 })).map((n) => n.paper.id));
  });

  it('checks itself on the links it has: hidden links found by text, links and both', async () => {
    const ev = await linked.evaluate({ heldOut: 0.3, seed: 1, weights: [0, 1] });
    expect(ev.links).toBe(new Set(linked.papers.flatMap((p, i) => p.references!.slice(0, 3).map((r) => [i, ids.indexOf(r)].sort().join(':')))).size);
    expect(ev.hidden).toBe(Math.round(0.3 * ev.links));
    expect(ev.queries).toBeGreaterThan(20);
    for (const q of [ev.text, ev.citations, ev.hybrid]) {
      expect(q.recall).toBeGreaterThan(0);
      expect(q.recall).toBeLessThanOrEqual(1);
      expect(q.ndcg).toBeGreaterThan(0);
    }
    // Links within topics: the links find them, and fusing them with text finds more than text alone.
    expect(ev.hybrid.recall).toBeGreaterThan(ev.text.recall);
    expect(ev.byWeight.map((w) => w.weight)).toEqual([0, 1]);
    expect(ev.byWeight[0]!.recall).toBeCloseTo(ev.text.recall, 10);
    expect(['hybrid', 'citations']).toContain(ev.best);
    // Same seed, same report.
    expect(await linked.evaluate({ heldOut: 0.3, seed: 1, weights: [0, 1] })).toEqual(ev);
    await expect(plain.evaluate()).rejects.toThrow(/needs papers that cite each other/u);
    await expect(linked.evaluate({ heldOut: 1.5 })).rejects.toThrow(OptionError);
    await expect(linked.evaluate({ typo: 1 } as never)).rejects.toThrow(/typo/u);
  });

  it('keeps references across save and load, and refuses a saved paper whose references are not ids', async () => {
    const dir = await tempDir();
    await linked.save(dir);
    const again = await Atlas.load(dir, { embedder: base.embedder! });
    expect(again.papers.map((p) => p.references)).toEqual(linked.papers.map((p) => p.references));
    expect(await again.related(ids[0]!, { k: 5 })).toEqual(await linked.related(ids[0]!, { k: 5 }));
    // A saved paper file is checked line by line (its hash is checked too; this is the check behind it).
    const saved = { id: 'a', title: 'A', abstract: 'x' };
    expect(() => checkPapers([{ ...saved, references: [{ id: 1 }] }], 'papers.jsonl')).toThrow(AtlasFileError);
    expect(() => checkPapers([{ ...saved, citedByCount: 1.5 }], 'papers.jsonl')).toThrow(/line 1: field "citedByCount"/u);
    expect(checkPapers([{ ...saved, references: ['b'], citedByCount: 3 }], 'papers.jsonl')).toHaveLength(1);
  });
});

describe('an edge list beside a corpus', () => {
  it('adds each citing paper its cited ids, counts citing ids it does not hold, and refuses a line that is not an edge', async () => {
    const dir = await tempDir();
    const file = join(dir, 'edges.tsv');
    const small = Corpus.from([
      { id: 'a', title: 'A', abstract: 'x', references: ['c'] },
      { id: 'b', title: 'B', abstract: 'y' },
    ]);
    await writeFile(file, '\uFEFF# citing\tcited\n\na\tb\na\thttps://doi.org/10.1/Z\nb\tW7\nghost\ta\nghost\tb\n');
    const out = await readCitationEdges(small, file);
    expect(out.corpus.papers.map((p) => p.references)).toEqual([['c', 'b', '10.1/Z'], ['W7']]);
    expect(out).toMatchObject({ edges: 5, unknownEdges: 2, unknownCiting: ['ghost'] });
    await writeFile(file, 'a\tb\na b\n');
    await expect(readCitationEdges(small, file)).rejects.toThrow(/line 2.*citing<TAB>cited/u);
    await expect(readCitationEdges(small, join(dir, 'missing.tsv'))).rejects.toThrow(CorpusError);
  });
});
