import { copyFile, mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { Atlas, CorpusError, loadBundledCorpus, OptionError, readVectorTable } from '../../src/index.js';
import { ROOT } from '../support/root.js';
import { FakeEmbedder, tempDir } from './synthetic.js';

// Files pyarrow wrote (bench/verify/parquet_fixtures.py): the writer under Ray, pandas and most
// Python jobs, so these are the bytes paper-atlas meets, not ones it wrote itself.
const DIR = join(ROOT, 'fixtures/parquet');
const expected = JSON.parse(await readFile(join(DIR, 'expected.json'), 'utf8')) as { embedder: string; ids: string[]; vectors: number[][] };

/** The fake embedder under the fixture's embedder id, so an atlas accepts the file's vectors. */
class FixtureEmbedder extends FakeEmbedder {
  override readonly id = expected.embedder;
}

async function expectSame(path: string): Promise<void> {
  const table = await readVectorTable(path);
  expect(table.embedder).toBe(expected.embedder);
  expect(table.corpus.papers.map((p) => p.id)).toEqual(expected.ids);
  // float32 in the file (or float64 holding float32 values): the same numbers, bit for bit.
  expect(table.vectors.map((v) => Array.from(v))).toEqual(expected.vectors.map((v) => Array.from(Float32Array.from(v))));
  const bundled = (await loadBundledCorpus()).papers.slice(0, 24);
  expect(table.corpus.papers.map((p) => [p.title, p.abstract])).toEqual(bundled.map((p) => [p.title, p.abstract]));
}

describe('vectors from Parquet', () => {
  it('reads one file of three row groups (fixed-size float32 lists, snappy) and builds an atlas from it, embedding nothing', async () => {
    await expectSame(join(DIR, 'papers.parquet'));
    const table = await readVectorTable(join(DIR, 'papers.parquet'));
    const embedder = new FixtureEmbedder(16);
    const stages: string[] = [];
    const atlas = await Atlas.build(table.corpus, {
      precomputed: table,
      embedder,
      cache: false,
      seed: 1,
      onWarning: () => undefined,
      onProgress: (p) => stages.push(p.stage),
    });
    expect(stages).not.toContain('embed');
    expect(Array.from(atlas.vectorOf(expected.ids[5]!))).toEqual(Array.from(Float32Array.from(expected.vectors[5]!)));
    expect((await atlas.related(expected.ids[0]!, { k: 3, rank: 'cosine' }))[0]!.score).toBeLessThan(1);
    await atlas.dispose();
  });

  it('reports progress after each row group, over every part file', async () => {
    const seen: { read: number; total: number }[] = [];
    await readVectorTable(join(DIR, 'papers.parquet'), { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { read: 10, total: 24 },
      { read: 20, total: 24 },
      { read: 24, total: 24 },
    ]);
    seen.length = 0;
    await readVectorTable(join(DIR, 'parts'), { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { read: 12, total: 24 },
      { read: 24, total: 24 },
    ]);
  });

  it('reads a directory of part files in name order (float64 lists, zstd and gzip), skipping markers and hidden files', async () => {
    await expectSame(join(DIR, 'parts'));
    await expectSame(join(DIR, 'parts/')); // a trailing slash, as shells complete it
    const table = await readVectorTable(join(DIR, 'parts'), { format: 'parquet' });
    expect(table.corpus.size).toBe(24);
  });

  it('names the file, row and field of what is wrong', async () => {
    const bad = (name: string): Promise<unknown> => readVectorTable(join(DIR, 'bad', name)).catch((e: unknown) => e);
    expect(await bad('no-embedder.parquet')).toMatchObject({
      code: 'E_CORPUS',
      source: join(DIR, 'bad/no-embedder.parquet'),
      message: expect.stringMatching(/does not say which embedder made its vectors/u),
    });
    expect(await bad('no-id.parquet')).toMatchObject({ field: 'id', message: expect.stringMatching(/has no "id" column/u) });
    expect(await bad('not-unit.parquet')).toMatchObject({
      record: 3,
      field: 'vector',
      message: expect.stringMatching(/is not unit length \(length 2\.000\)/u),
    });
    expect(await bad('ragged.parquet')).toMatchObject({
      record: 2,
      field: 'vector',
      message: expect.stringMatching(/has 15 values, where the table's vectors have 16/u),
    });
    expect(await bad('mixed')).toMatchObject({
      source: join(DIR, 'bad/mixed/part-1.parquet'),
      message: expect.stringMatching(/made by fixture\/other@111111111111.*the files before it by fixture\/unit-vectors/u),
    });
  });

  it('refuses damaged files, links and empty directories with a typed error, never a crash', async () => {
    const dir = await tempDir();
    for (const [name, size] of [
      ['cut-footer.parquet', 40_000],
      ['cut-data.parquet', 2_000],
      ['empty.parquet', 0],
    ] as const) {
      await copyFile(join(DIR, 'papers.parquet'), join(dir, name));
      await truncate(join(dir, name), size);
      const err = await readVectorTable(join(dir, name)).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(CorpusError);
      expect((err as Error).message, name).toMatch(/is not a readable Parquet file: /u);
    }
    // Bytes changed at random, half of them in the footer (schema, row groups, metadata): the file
    // either still reads as 24 checked papers or is refused with a CorpusError; nothing else escapes.
    const original = await readFile(join(DIR, 'papers.parquet'));
    const rng = seedrandom('parquet-bytes');
    const outcomes = { read: 0, refused: 0 };
    for (let i = 0; i < 80; i++) {
      const bytes = Buffer.from(original);
      for (let f = 0; f < 1 + Math.floor(rng() * 4); f++) {
        const at = rng() < 0.5 ? bytes.length - 8 - Math.floor(rng() * 3000) : Math.floor(rng() * bytes.length);
        bytes[at] = Math.floor(rng() * 256);
      }
      const file = join(dir, `changed-${i}.parquet`);
      await writeFile(file, bytes);
      const got = await readVectorTable(file).catch((e: unknown) => e);
      if (got instanceof CorpusError) outcomes.refused++;
      else {
        expect(got, `changed-${i}`).toMatchObject({ corpus: { size: 24 } });
        outcomes.read++;
      }
    }
    expect(outcomes.refused).toBeGreaterThan(10);
    // Not Parquet at all, under a Parquet name.
    await writeFile(join(dir, 'text.parquet'), 'id,title\n1,a\n'.repeat(20));
    await expect(readVectorTable(join(dir, 'text.parquet'))).rejects.toThrow(/is not a readable Parquet file/u);

    const linked = join(dir, 'linked');
    await mkdir(linked);
    await symlink(join(DIR, 'papers.parquet'), join(linked, 'part-0.parquet'));
    await expect(readVectorTable(linked, { format: 'parquet' })).rejects.toThrow(/is a symbolic link/u);
    const empty = join(dir, 'empty-dir');
    await mkdir(empty);
    await expect(readVectorTable(empty, { format: 'parquet' })).rejects.toThrow(/holds no \.parquet files/u);
    await expect(readVectorTable(join(dir, 'missing.parquet'), { format: 'parquet' })).rejects.toThrow(CorpusError);
  });

  it('validates the format option, and reads Parquet from local files only', async () => {
    await expect(readVectorTable(DIR, { format: 'csv' as never })).rejects.toThrow(OptionError);
    await expect(readVectorTable('s3://bucket/papers.parquet', { format: 'parquet' })).rejects.toThrow(/option "format": Parquet is read from local files/u);
  });

  it('stops between row groups when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(readVectorTable(join(DIR, 'papers.parquet'), { signal: ac.signal })).rejects.toThrow(/abort/iu);
  });
});
