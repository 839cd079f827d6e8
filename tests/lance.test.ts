import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Atlas,
  AtlasFileError,
  Corpus,
  CorpusError,
  LanceStoreProvider,
  OptionError,
  readVectorTable,
  writeVectorTable,
  type Clusterer,
} from '../src/index.js';
import { buildBundled, tempDir } from './support/helpers.js';

// The shared store suite (index.test.ts) runs related/search/add/remove/save/load over a Lance
// table too; this file covers what only a table outside the atlas directory can do or suffer.

let hnsw: Atlas;

beforeAll(async () => {
  hnsw = await buildBundled();
});

/** Mean share of each paper's top-5 related papers (cosine order) that the in-memory store also returns. */
async function overlapWithHnsw(atlas: Atlas): Promise<number> {
  let sum = 0;
  for (const p of hnsw.papers) {
    const mine = new Set((await atlas.related(p.id, { k: 5, rank: 'cosine' })).map((n) => n.paper.id));
    sum += (await hnsw.related(p.id, { k: 5, rank: 'cosine' })).filter((n) => mine.has(n.paper.id)).length / 5;
  }
  return sum / hnsw.papers.length;
}

describe('the Lance store against the in-memory store', () => {
  it('answers the same top-5 related papers, exact and through an IVF_HNSW_SQ index, with the same themes and map', async () => {
    const exact = await buildBundled({ store: { kind: 'lance', uri: await tempDir() } });
    expect(await overlapWithHnsw(exact)).toBeGreaterThanOrEqual(0.99);
    // The pipeline's neighbour graph comes from the same in-memory scratch index: same themes, same map.
    expect(exact.themes).toEqual(hnsw.themes);
    expect((await exact.map()).points).toEqual((await hnsw.map()).points);
    const indexed = await buildBundled({ store: { kind: 'lance', uri: await tempDir(), index: 'ivf_hnsw_sq' } });
    expect(await overlapWithHnsw(indexed)).toBeGreaterThanOrEqual(0.9);
    expect((await indexed.recall(10)).recall).toBeGreaterThanOrEqual(0.9);
  });

  it('stays exact below the rows product quantisation trains on, instead of failing the build', async () => {
    const pq = await buildBundled({ store: { kind: 'lance', uri: await tempDir(), index: 'ivf_pq' } });
    expect(await overlapWithHnsw(pq)).toBeGreaterThanOrEqual(0.99);
  });

  it('validates its options where they are passed', async () => {
    await expect(buildBundled({ store: { kind: 'lance' } as never })).rejects.toThrow(/option "store.uri"/u);
    await expect(buildBundled({ store: { kind: 'lance', uri: '/tmp/x', index: 'ivf_flat' as never } })).rejects.toThrow(/option "store.index"/u);
    await expect(buildBundled({ store: { kind: 'lance', uri: '/tmp/x', table: '../escape' } })).rejects.toThrow(OptionError);
    await expect(buildBundled({ store: { kind: 'lance', uri: '/tmp/x', probes: 3 } as never })).rejects.toThrow(/no setting "probes"/u);
    await expect(buildBundled({ store: { kind: 'qdrant' } as never })).rejects.toThrow(/option "store.kind"/u);
  });
});

describe('a table outside the atlas directory', () => {
  it('refuses to replace a table paper-atlas did not write', async () => {
    const uri = await tempDir();
    const db = await lancedb.connect(uri);
    await db.createTable('papers', [{ id: 'mine', vector: [0.1, 0.2] }]);
    await expect(buildBundled({ store: { kind: 'lance', uri } })).rejects.toThrow(/a table "papers" already exists .* not written by paper-atlas/u);
    expect(await (await db.openTable('papers')).countRows()).toBe(1);
  });

  it('is read at the version the atlas was saved at, and moves on from it on the next write', async () => {
    const uri = await tempDir();
    const atlas = await buildBundled({ store: { kind: 'lance', uri } });
    const dir = await tempDir();
    await atlas.save(dir);
    // The same table moves on: a paper added (and the atlas not saved again).
    const [added] = await atlas.add([
      { title: 'Sinkhorn iterations for entropic optimal transport', abstract: 'Entropic optimal transport solved with Sinkhorn iterations.' },
    ]);
    const saved = await Atlas.load(dir);
    expect(saved.papers).toHaveLength(194);
    expect((await saved.search('Sinkhorn iterations for entropic optimal transport', { k: 3 })).some((n) => n.paper.id === added!.id)).toBe(false);
    // A write from the saved atlas restores its version as the newest, then adds to it.
    const [again] = await saved.add([
      { title: 'Unbalanced optimal transport', abstract: 'Unbalanced optimal transport with entropic regularization and Sinkhorn scaling.' },
    ]);
    expect((await saved.search('unbalanced optimal transport', { k: 1 }))[0]!.paper.id).toBe(again!.id);
    const dir2 = await tempDir();
    await saved.save(dir2);
    expect((await Atlas.load(dir2)).papers).toHaveLength(195);
  });

  it("keeps each atlas's rows when two atlases write one table, or a refit fails after rewriting it", async () => {
    const uri = await tempDir();
    const first = await buildBundled({ store: { kind: 'lance', uri } });
    // A second atlas of fewer papers replaces the table (paper-atlas wrote it), then the first one writes again.
    const fewer = Corpus.from(hnsw.papers.slice(0, 120).map((p) => ({ id: p.id, title: p.title, abstract: p.abstract })));
    const second = await Atlas.build(fewer, { seed: 42, onWarning: () => undefined, store: { kind: 'lance', uri } });
    const [added] = await first.add([
      { title: 'Sinkhorn iterations for entropic optimal transport', abstract: 'Entropic optimal transport solved with Sinkhorn iterations.' },
    ]);
    expect((await first.search('Sinkhorn iterations for entropic optimal transport', { k: 1 }))[0]!.paper.id).toBe(added!.id);
    expect((await first.related(hnsw.papers[150]!.id, { k: 3 })).length).toBe(3);
    await second.remove(second.papers[0]!.id);
    for (const [atlas, papers] of [
      [first, 195],
      [second, 119],
    ] as const) {
      const dir = await tempDir();
      await atlas.save(dir);
      const again = await Atlas.load(dir);
      expect(again.papers).toHaveLength(papers);
      expect((await again.recall(5)).recall).toBe(1);
    }
    // A refit that fails after the table was rewritten leaves the atlas answering from its own rows.
    const rewritten = async (): Promise<number> => (await (await lancedb.connect(uri)).openTable('papers')).version();
    const before = await rewritten();
    const failing: Clusterer = {
      id: 'fails-late',
      options: {},
      // Late enough that the store beside it has rewritten the table.
      cluster: () => new Promise((_, reject) => setTimeout(() => reject(new Error('clusterer gave up')), 3000)),
    };
    await expect(first.refit({ clusterer: failing })).rejects.toThrow(/clusterer gave up/u);
    expect(await rewritten()).toBeGreaterThan(before);
    expect((await first.search('Sinkhorn iterations for entropic optimal transport', { k: 1 }))[0]!.paper.id).toBe(added!.id);
    await first.add([{ title: 'After the failed refit', abstract: 'Bilevel optimization with implicit gradients.' }]);
    const dir = await tempDir();
    await first.save(dir);
    expect((await Atlas.load(dir)).papers).toHaveLength(196);
  });

  it("is refused when it no longer holds the atlas's rows and vectors", async () => {
    const vectors = hnsw.papers.map((p) => hnsw.vectorOf(p.id));
    const other = Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0));
    const cases: [string, (t: lancedb.Table) => Promise<unknown>, RegExp, number[]?][] = [
      ['a row deleted', (t) => t.delete('row = 7'), /holds 193 rows, this atlas has 194/u],
      ['a row added', (t) => t.add([{ row: 500, vector: other }]), /holds row 500, outside this atlas's 194 rows/u],
      ['a row duplicated', (t) => t.add([{ row: 3, vector: vectors[3]! }]), /holds row 3 twice/u],
      ['a vector changed', (t) => t.update({ where: 'row = 11', values: { vector: other } }), /row 11's vector differs from this atlas's/u],
      ['a removed row still there', async () => undefined, /holds row 5, which this atlas removed/u, [5]],
    ];
    for (const [what, change, message, removed] of cases) {
      const uri = await tempDir();
      const provider = new LanceStoreProvider({ uri });
      (await provider.build(vectors, { dims: 384, seed: 1 })).dispose?.();
      const table = await (await lancedb.connect(uri)).openTable('papers');
      await change(table);
      const state = { version: await table.version(), rows: 194, indexed: false };
      table.close();
      const files = { read: () => Promise.reject(new Error('no files')), path: (n: string) => n };
      const err = await provider.load(state, files, { dims: 384, seed: 1, vectors, removed: removed ?? [] }).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(AtlasFileError);
      expect((err as Error).message, what).toMatch(message);
    }
  });

  it('is refused when it is gone, or its version was cleaned up', async () => {
    const uri = await tempDir();
    const atlas = await buildBundled({ store: { kind: 'lance', uri } });
    const dir = await tempDir();
    await atlas.save(dir);
    await atlas.add([{ title: 'A later paper', abstract: 'Written after the atlas was saved, on optimal transport.' }]);
    const table = await (await lancedb.connect(uri)).openTable('papers');
    await table.optimize({ cleanupOlderThan: new Date(Date.now() + 1000), deleteUnverified: true });
    const err = await Atlas.load(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasFileError);
    expect((err as Error).message).toMatch(/version \d+ of the table, which this atlas was saved at, is gone/u);
    await (await lancedb.connect(uri)).dropTable('papers');
    await expect(Atlas.load(dir)).rejects.toThrow(/the Lance table this atlas points at does not exist/u);
  });

  it('keeps every version an atlas was saved at through compaction, unless told to clean up', async () => {
    const saveThenCompact = async (store: Record<string, unknown>): Promise<{ dir: string; uri: string }> => {
      const uri = await tempDir();
      const atlas = await buildBundled({ store: { kind: 'lance', uri, optimizeAfter: 2, ...store } });
      const dir = await tempDir();
      await atlas.save(dir);
      // Two adds: two small fragments, so the store compacts the table (LanceDB's optimize).
      await atlas.add([{ title: 'First later paper', abstract: 'Optimal transport between point clouds with entropic regularization.' }]);
      await atlas.add([{ title: 'Second later paper', abstract: 'Bilevel optimization with implicit differentiation of the inner problem.' }]);
      expect((await (await (await lancedb.connect(uri)).openTable('papers')).stats()).fragmentStats.numFragments).toBe(1);
      await atlas.dispose();
      return { dir, uri };
    };
    const kept = await saveThenCompact({});
    const versions = await (await (await lancedb.connect(kept.uri)).openTable('papers')).listVersions();
    const saved = JSON.parse(await readFile(join(kept.dir, 'atlas.json'), 'utf8')).stages.store.state.version as number;
    expect(versions.map((v) => v.version)).toContain(saved);
    const loaded = await Atlas.load(kept.dir);
    expect(loaded.papers).toHaveLength(194);
    await loaded.dispose();
    // Asked to clean up everything older than now: the saved version goes, and the atlas says so.
    const cleaned = await saveThenCompact({ cleanupOlderThanDays: 0 });
    await expect(Atlas.load(cleaned.dir)).rejects.toThrow(/version \d+ of the table, which this atlas was saved at, is gone/u);
    await expect(buildBundled({ store: { kind: 'lance', uri: await tempDir(), cleanupOlderThanDays: -1 } })).rejects.toThrow(OptionError);
  });

  it('compacts the table once small fragments from add() pile up', async () => {
    const uri = await tempDir();
    const atlas = await buildBundled({ store: { kind: 'lance', uri, optimizeAfter: 3 } });
    const stats = async () => (await (await lancedb.connect(uri)).openTable('papers')).stats();
    // Written in one piece: one fragment, itself small (Lance aims at a million rows each).
    expect((await stats()).fragmentStats.numFragments).toBe(1);
    await atlas.add([{ title: 'First later paper', abstract: 'Optimal transport between point clouds with entropic regularization.' }]);
    expect((await stats()).fragmentStats.numFragments).toBe(2);
    await atlas.add([{ title: 'Second later paper', abstract: 'Bilevel optimization with implicit differentiation of the inner problem.' }]);
    const after = await stats();
    expect(after.fragmentStats.numFragments).toBe(1);
    expect(after.numRows).toBe(196);
    await atlas.add([{ title: 'Third later paper', abstract: 'Direct preference optimization for aligning language models.' }]);
    expect((await stats()).fragmentStats.numFragments).toBe(2);
    expect((await atlas.search('Third later paper direct preference optimization', { k: 1 }))[0]!.paper.title).toBe('Third later paper');
  });

  it('loads from where it was moved to, given the new place', async () => {
    const uri = await tempDir();
    const atlas = await buildBundled({ store: { kind: 'lance', uri } });
    const dir = await tempDir();
    await atlas.save(dir);
    const moved = join(await tempDir(), 'elsewhere');
    await cp(uri, moved, { recursive: true });
    const there = await Atlas.load(dir, { stages: { store: new LanceStoreProvider({ uri: moved }) } });
    const id = atlas.papers[20]!.id;
    expect(await there.related(id, { k: 5 })).toEqual(await atlas.related(id, { k: 5 }));
    expect(there.stages.store.options.uri).toBe(moved);
    expect(() => new LanceStoreProvider({ uri: 'file:///tmp/x' })).toThrow(OptionError);
  });
});

describe('atlases from vectors someone else computed', () => {
  it('builds from a table of papers and vectors with the same themes as embedding them here, embedding nothing', async () => {
    const uri = await tempDir();
    const vectors = hnsw.papers.map((p) => hnsw.vectorOf(p.id));
    await writeVectorTable(uri, hnsw.papers, { embedder: hnsw.embedder.id, vectors });
    const progress: { read: number; total: number }[] = [];
    const table = await readVectorTable(uri, { onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toEqual({ read: 194, total: 194 });
    expect(table.embedder).toBe(hnsw.embedder.id);
    expect(table.corpus.papers.map((p) => p.id)).toEqual(hnsw.papers.map((p) => p.id));
    expect(table.corpus.papers[3]).toMatchObject({ title: hnsw.papers[3]!.title, abstract: hnsw.papers[3]!.abstract });
    const stages: string[] = [];
    const atlas = await buildBundled({ precomputed: table, cache: false, onProgress: (p) => stages.push(p.stage) });
    expect(stages).not.toContain('embed');
    expect(atlas.themes).toEqual(hnsw.themes);
    expect(Array.from(atlas.vectorOf(hnsw.papers[9]!.id))).toEqual(Array.from(vectors[9]!));
    // Queries still go through the atlas's own model.
    expect((await atlas.search('optimal transport', { k: 3 })).map((n) => n.paper.id)).toEqual(
      (await hnsw.search('optimal transport', { k: 3 })).map((n) => n.paper.id),
    );
  });

  it('refuses vectors from another embedder, and tables that are not what they claim', async () => {
    const vectors = hnsw.papers.map((p) => hnsw.vectorOf(p.id));
    const other = await tempDir();
    await writeVectorTable(other, hnsw.papers, { embedder: 'Xenova/all-MiniLM-L6-v2@0123456789ab+mean+chunk256', vectors });
    const table = await readVectorTable(other);
    await expect(buildBundled({ precomputed: table })).rejects.toThrow(
      /option "precomputed": the vectors were made by Xenova\/all-MiniLM-L6-v2@0123456789ab\+mean\+chunk256, but this atlas embeds queries and new papers with /u,
    );
    await expect(buildBundled({ precomputed: { embedder: hnsw.embedder.id, vectors: vectors.slice(1) } })).rejects.toThrow(/has 193 vectors for 194 papers/u);

    const stretched = vectors.map((v, i) => (i === 4 ? v.map((x) => x * 2) : v));
    const bad = await tempDir();
    await writeVectorTable(bad, hnsw.papers, { embedder: hnsw.embedder.id, vectors: stretched });
    const err = await readVectorTable(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect(err).toMatchObject({ record: 5, field: 'vector' });
    expect((err as Error).message).toMatch(/is not unit length \(length 2\.000\)/u);

    const plain = await tempDir();
    await (await lancedb.connect(plain)).createTable('papers', [{ id: 'a', title: 'A', vector: [1, 0] }]);
    await expect(readVectorTable(plain)).rejects.toThrow(/does not say which embedder made its vectors/u);
    await expect(readVectorTable(await tempDir())).rejects.toThrow(CorpusError);
  });
});
