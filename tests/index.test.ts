import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Atlas,
  AtlasFileError,
  DEFAULT_HNSW_OPTIONS,
  HnswStore,
  OptionError,
  PaperLookupError,
  TransformersEmbedder,
  exactSearch,
  measureRecall,
  type AtlasOptions,
} from '../src/index.js';
import { normalizeInPlace } from '../src/vector.js';
import { buildBundled, tempDir } from './support/helpers.js';

/**
 * One suite over every store: the default in-memory HNSW index and a LanceDB table on local disk
 * (exact search at this size), so a store passes the same related/search/add/remove/save/load tests.
 */
const STORES: [string, () => Promise<AtlasOptions>][] = [
  ['the in-memory HNSW store', async () => ({})],
  ['a LanceDB table', async () => ({ store: { kind: 'lance', uri: await tempDir('paper-atlas-lance-') } })],
];

describe.each(STORES)('%s', (_name, storeOptions) => {
  let atlas: Atlas;

  beforeAll(async () => {
    atlas = await buildBundled(await storeOptions());
  });

  describe('related and search on the bundled corpus', () => {
    it('returns the k most related papers, itself excluded, sorted by cosine in [-1, 1]', async () => {
      const sam = atlas.paper('Sharpness-Aware Minimization for Efficiently Improving Generalization');
      const rows = await atlas.related(sam.id, { k: 10, rank: 'cosine' });
      expect(rows.every((r) => r.score === r.cosine)).toBe(true);
      expect(rows).toHaveLength(10);
      expect(rows.some((r) => r.paper.id === sam.id)).toBe(false);
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score).toBeGreaterThanOrEqual(rows[i]!.score);
      for (const r of rows) expect(Math.abs(r.score)).toBeLessThanOrEqual(1);
      // Papers about sharpness and flat minima are what a reader expects next to SAM.
      expect(rows.slice(0, 5).filter((r) => /sharpness|sam\b|flat|minimization/iu.test(r.paper.title)).length).toBeGreaterThanOrEqual(3);
      const vectors = atlas.papers.map((p) => atlas.vectorOf(p.id));
      const self = atlas.papers.findIndex((p) => p.id === sam.id);
      const exact = exactSearch(vectors, vectors[self]!, 10, new Set([self])).map((h) => atlas.papers[h.row]!.id);
      expect(rows.map((r) => r.paper.id).slice(0, 5)).toEqual(exact.slice(0, 5));
    });

    it('re-ranks the nearest papers by default (hybrid): same neighbourhood, sorted by its score, each with its cosine', async () => {
      const sam = atlas.paper('Sharpness-Aware Minimization for Efficiently Improving Generalization');
      const rows = await atlas.related(sam.id, { k: 10 });
      expect(rows).toHaveLength(10);
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score).toBeGreaterThanOrEqual(rows[i]!.score);
      const self = atlas.vectorOf(sam.id);
      for (const r of rows)
        expect(r.cosine).toBeCloseTo(
          [...atlas.vectorOf(r.paper.id)].reduce((s, x, d) => s + x * self[d]!, 0),
          5,
        );
      // Drawn from the store's nearest papers: every one is among the 50 nearest by cosine.
      const pool = new Set((await atlas.related(sam.id, { k: 50, rank: 'cosine' })).map((r) => r.paper.id));
      expect(rows.every((r) => pool.has(r.paper.id))).toBe(true);
      expect(rows.slice(0, 5).filter((r) => /sharpness|sam\b|flat|minimization/iu.test(r.paper.title)).length).toBeGreaterThanOrEqual(3);
      await expect(atlas.related(sam.id, { rank: 'bm25' as never })).rejects.toThrow(/option "rank": must be "hybrid", "cosine" or "citations"/u);
    });

    it('applies minScore to the cosine', async () => {
      for (const rank of ['hybrid', 'cosine'] as const) {
        const rows = await atlas.related('Wasserstein GAN', { k: 50, minScore: 0.5, rank });
        expect(rows.every((r) => r.cosine >= 0.5)).toBe(true);
        expect(rows.length).toBeLessThan(50);
      }
    });

    it('finds optimal transport papers for the query "optimal transport"', async () => {
      const rows = await atlas.search('optimal transport', { k: 5 });
      expect(rows).toHaveLength(5);
      expect(rows.filter((r) => /transport|sinkhorn|wasserstein|monge/iu.test(r.paper.title)).length).toBeGreaterThanOrEqual(4);
    });

    it('looks papers up by id, exact title or unique prefix, and lists candidates otherwise', () => {
      const p = atlas.papers[10]!;
      expect(atlas.paper(p.id).id).toBe(p.id);
      expect(atlas.paper(p.title.toUpperCase()).id).toBe(p.id);
      expect(atlas.paper('Adam: A Method').title).toBe('Adam: A Method for Stochastic Optimization');
      const lookupError = (q: string): PaperLookupError => {
        try {
          atlas.paper(q);
        } catch (e) {
          return e as PaperLookupError;
        }
        throw new Error(`"${q}" unexpectedly matched one paper`);
      };
      const ambiguous = lookupError('On penalty');
      expect(ambiguous).toBeInstanceOf(PaperLookupError);
      expect(ambiguous.code).toBe('E_AMBIGUOUS_PAPER');
      expect(ambiguous.candidates).toHaveLength(2);
      const unknown = lookupError('bilevel penalty nonsense zzz');
      expect(unknown.code).toBe('E_UNKNOWN_PAPER');
      expect(unknown.candidates.some((c) => c.includes('bilevel'))).toBe(true);
    });

    it('rejects a bad k and minScore', async () => {
      await expect(atlas.related(atlas.papers[0]!.id, { k: 0 })).rejects.toThrow(OptionError);
      await expect(atlas.related(atlas.papers[0]!.id, { minScore: 2 })).rejects.toThrow(OptionError);
    });

    it('answers concurrent calls exactly as sequential ones', async () => {
      const queries = ['bilevel optimization', 'preference optimization', 'optimal transport', 'second-order methods'];
      const sequential: Awaited<ReturnType<Atlas['search']>>[] = [];
      for (const q of queries) sequential.push(await atlas.search(q, { k: 5 }));
      const concurrent = await Promise.all([...queries, ...queries].map((q) => atlas.search(q, { k: 5 })));
      const ids = (rows: { paper: { id: string } }[]): string[] => rows.map((r) => r.paper.id);
      concurrent.forEach((rows, i) => expect(ids(rows)).toEqual(ids(sequential[i % queries.length]!)));
    });
  });

  describe('recall', () => {
    it('is at least 0.99 at k=10 on the bundled corpus', async () => {
      const r = await atlas.recall(10);
      expect(r.queries).toBe(194);
      expect(r.recall).toBeGreaterThanOrEqual(0.99);
    });
  });

  describe('incremental updates', () => {
    it('adds papers without rebuilding and hides removed ones', async () => {
      const a = await buildBundled(await storeOptions());
      const before = a.papers.length;
      const [added] = await a.add([
        {
          title: 'Entropic optimal transport with Sinkhorn iterations for domain adaptation',
          abstract: 'We study entropy-regularized optimal transport between source and target distributions and solve it with Sinkhorn iterations.',
        },
      ]);
      expect(a.papers.length).toBe(before + 1);
      expect((await a.related(added!.id, { k: 3 })).filter((r) => /transport|sinkhorn/iu.test(r.paper.title)).length).toBeGreaterThanOrEqual(2);
      expect(a.themeOf(added!.id).keywords.join(' ')).toMatch(/transport/u);
      const top = (await a.search('optimal transport', { k: 1 }))[0]!;
      await a.remove(top.paper.id);
      expect((await a.search('optimal transport', { k: 10 })).some((r) => r.paper.id === top.paper.id)).toBe(false);
      expect(() => a.paper(top.paper.id)).toThrow(PaperLookupError);
      expect((await a.map()).points.some((p) => p.id === top.paper.id)).toBe(false);
    });
  });

  describe('save and load', () => {
    it('round-trips related, search, themes and map', async () => {
      const dir = await tempDir();
      await atlas.save(dir);
      const again = await Atlas.load(dir);
      const id = atlas.papers[42]!.id;
      expect(await again.related(id, { k: 10 })).toEqual(await atlas.related(id, { k: 10 }));
      expect(await again.search('bilevel optimization', { k: 5 })).toEqual(await atlas.search('bilevel optimization', { k: 5 }));
      expect(again.themes).toEqual(atlas.themes);
      expect(Array.from(again.vectorOf(id))).toEqual(Array.from(atlas.vectorOf(id)));
      expect((await again.map()).points).toEqual((await atlas.map()).points);
    });
  });
});

let atlas: Atlas;

beforeAll(async () => {
  atlas = await buildBundled();
});

describe('recall', () => {
  it('is at least 0.95 at k=10 on 20k random unit vectors of dim 384', async () => {
    const rng = seedrandom('recall-20k');
    const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
    const vectors = Array.from({ length: 20000 }, () => normalizeInPlace(Float32Array.from({ length: 384 }, gauss)));
    const index = await HnswStore.build(vectors, 384, DEFAULT_HNSW_OPTIONS, 42);
    const r = await measureRecall(index, vectors, 10, 300);
    expect(r.queries).toBe(300);
    expect(r.recall).toBeGreaterThanOrEqual(0.95);
  });
});

describe('a freshly loaded atlas', () => {
  it('restores its embedder once however many calls race for it', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const again = await Atlas.load(dir);
    const restores = vi.spyOn(TransformersEmbedder, 'create');
    try {
      const [a, b] = atlas.papers;
      await Promise.all([
        again.search('optimal transport', { k: 3 }),
        again.search('bilevel optimization', { k: 3 }),
        again.explain(a!.id, b!.id),
        again.add([{ id: 'raced', title: 'Entropic optimal transport at scale', abstract: 'Sinkhorn iterations for large optimal transport problems.' }]),
      ]);
      expect(restores).toHaveBeenCalledTimes(1);
      await again.search('sinkhorn', { k: 1 });
      expect(restores).toHaveBeenCalledTimes(1);
    } finally {
      restores.mockRestore();
      await again.dispose();
    }
  });
});

describe('save and load', () => {
  it('rejects truncated, bit-flipped and version-mismatched files before parsing them', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const files = await readdir(dir);
    const indexFile = join(dir, files.find((f) => f.startsWith('index-'))!);
    const original = await readFile(indexFile);
    await writeFile(indexFile, original.subarray(0, original.length - 100));
    await expect(Atlas.load(dir)).rejects.toThrow(/index-.*hnsw: is \d+ bytes, the manifest says \d+/u);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await writeFile(indexFile, flipped);
    await expect(Atlas.load(dir)).rejects.toThrow(/checksum mismatch/u);
    await writeFile(indexFile, original);
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    await writeFile(join(dir, 'atlas.json'), JSON.stringify({ ...manifest, version: 99 }));
    await expect(Atlas.load(dir)).rejects.toThrow(/format version 99/u);
    await writeFile(join(dir, 'atlas.json'), '{"format": "paper-atlas", "ver');
    const err = await Atlas.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasFileError);
    await expect(Atlas.load(join(dir, 'nope'))).rejects.toThrow(/no such directory/u);
  });

  it('refuses a saved atlas whose embedder differs from the given one', async () => {
    const dir = await tempDir();
    await atlas.save(dir);
    const other = { id: 'someone/else@000000000000', dims: 384, embed: async (t: readonly string[]) => t.map(() => new Float32Array(384)) };
    await expect(Atlas.load(dir, { embedder: other })).rejects.toThrow(/was built with Xenova\/all-MiniLM-L6-v2@/u);
  });
});
