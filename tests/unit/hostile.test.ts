import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Atlas, AtlasFileError, CorpusError, fetchArxiv, fetchOpenAlex, OptionError, parseCorpus, readVectorTable, StageError } from '../../src/index.js';
import { invertedAbstract, MAX_INVERTED_WORDS } from '../../src/corpus/shapes.js';
import { ROOT } from '../support/root.js';
import { serve, type Served } from '../support/serve.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './synthetic.js';

/**
 * The red team's cases of issue 27, each reproduced on the code before the fix (a crash, a hang of
 * seconds to minutes, or silent data loss), each now a typed error or a correct result in well under
 * the time that took. Files come from pyarrow (bench/verify/parquet_fixtures.py) or are built here
 * from the bundled fixtures; servers run on 127.0.0.1.
 */

const PARQUET = join(ROOT, 'fixtures/parquet');

/** Runs `work`, returning what it returned or threw and how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T | unknown; ms: number }> {
  const t0 = performance.now();
  const value = await work().catch((e: unknown) => e);
  return { value, ms: performance.now() - t0 };
}

describe('Parquet decode bombs and damaged footers', () => {
  it('refuses ten million repeated rows in 117 kB from the page headers, before decoding any page', async () => {
    const before = process.memoryUsage().rss;
    const { value, ms } = await timed(() => readVectorTable(join(PARQUET, 'bad/bomb.parquet')));
    expect(value).toBeInstanceOf(CorpusError);
    expect((value as CorpusError).message).toMatch(/row group 0, column "vector": declares 160000000 list values in \d+ bytes/u);
    // Under a second here; before the fix the process died of heap exhaustion after 17-49 s.
    expect(ms).toBeLessThan(10_000);
    // The decoder would have built 160 M numbers (> 1.3 GB); nothing near that was allocated.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 << 20);
  });

  /** papers.parquet with one row group's `num_rows` rewritten in the footer (Thrift compact: zigzag varint). */
  async function withGroupRows(rows: number): Promise<string> {
    const bytes = await readFile(join(PARQUET, 'papers.parquet'));
    const { parquetMetadata } = await import('hyparquet');
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const group = meta.row_groups[0]!;
    expect(Number(group.num_rows)).toBe(10);
    const varint = (n: bigint): number[] => {
      let z = (n << 1n) ^ (n >> 63n);
      const out: number[] = [];
      do {
        out.push(Number(z & 0x7fn) | (z > 0x7fn ? 0x80 : 0));
        z >>= 7n;
      } while (z > 0n);
      return out;
    };
    // RowGroup field 2 (total_byte_size) then field 3 (num_rows), both i64 (field header 0x16).
    const pattern = Buffer.from([0x16, ...varint(group.total_byte_size), 0x16, ...varint(10n)]);
    const footerStart = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
    const at = bytes.indexOf(pattern, footerStart);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(pattern, at + 1)).toBe(-1);
    const patched = Buffer.concat([bytes.subarray(0, at + pattern.length - 1), Buffer.from(varint(BigInt(rows))), bytes.subarray(at + pattern.length)]);
    const file = join(await tempDir(), `rows-${rows}.parquet`);
    await writeFile(file, patched);
    return file;
  }

  it('cross-checks row counts: a row group claiming 2 of its 10 rows, or -10, is refused, not read short', async () => {
    await expect(readVectorTable(await withGroupRows(2))).rejects.toThrow(/its row groups hold 16 rows, its footer declares 24/u);
    const negative = await readVectorTable(await withGroupRows(-10)).catch((e: unknown) => e);
    expect(negative).toBeInstanceOf(CorpusError);
    expect((negative as Error).message).toMatch(/row group 0 declares -10 rows/u);
  });

  it('keys vectors by the id the corpus gives the paper: "p1 " is p1, and a second p1 is refused', async () => {
    const err = await readVectorTable(join(PARQUET, 'bad/spaced-ids.parquet'), { missingAbstract: 'skip' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect(err).toMatchObject({ record: 2, field: 'id', message: expect.stringMatching(/repeats the id "p1" \(written "p1 " in this row/u) });
  });
});

describe('vectors are checked wherever they enter', () => {
  const { corpus } = syntheticCorpus(6);
  const embedder = new FakeEmbedder(16);
  const opts = { embedder, cache: false as const, seed: 1, onWarning: () => undefined };

  it('refuses precomputed vectors holding NaN or not of unit length, naming the paper', async () => {
    const good = await embedder.embed(corpus.papers.map((p) => `${p.title} ${p.abstract}`));
    const nan = good.map((v, i) => (i === 3 ? Float32Array.from(v, (x, j) => (j === 5 ? Number.NaN : x)) : v));
    const err = await Atlas.build(corpus, { ...opts, precomputed: { embedder: embedder.id, vectors: nan } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect((err as Error).message).toMatch(new RegExp(`vector 3 \\(paper "${corpus.papers[3]!.id}"\\) holds NaN at position 5`, 'u'));
    const scaled = good.map((v) => v.map((x) => x * 1000));
    await expect(Atlas.build(corpus, { ...opts, precomputed: { embedder: embedder.id, vectors: scaled } })).rejects.toThrow(
      /vector 0 .* is not unit length \(length 1000\)/u,
    );
  });

  it('refuses an embedder output that is not a unit vector, at build and at add, leaving the atlas as it was', async () => {
    class Broken extends FakeEmbedder {
      override async embed(texts: readonly string[]): Promise<Float32Array[]> {
        const out = await super.embed(texts);
        return out.map((v, i) => (/broken/u.test(texts[i]!) ? v.map((x) => x * 3) : v));
      }
    }
    const broken = new Broken(16);
    const atlas = await Atlas.build(corpus, { ...opts, embedder: broken });
    const size = atlas.papers.length;
    const err = await atlas.add([{ id: 'new', title: 'A broken paper', abstract: 'Its vector is three times too long.' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect((err as Error).message).toMatch(/the vector of paper "new" is not unit length \(length 3\.000\)/u);
    expect(atlas.papers.length).toBe(size);
    const records = corpus.papers.map((p, i) => (i === 2 ? { ...p, title: `${p.title} broken` } : p));
    await expect(Atlas.build(await parseCorpus(JSON.stringify(records), { format: 'json' }), { ...opts, embedder: broken })).rejects.toThrow(StageError);
    await atlas.dispose();
  });

  it('never saves what load would refuse: the atlas saved before stays', async () => {
    const dir = await tempDir();
    const atlas = await Atlas.build(corpus, opts);
    await atlas.save(dir);
    // No public call can put a bad vector into an atlas any more; this reaches inside to stand for
    // whatever might (a custom store, a future bug): save must still refuse it.
    (atlas as unknown as { session: { state: { vectors: Float32Array[] } } }).session.state.vectors[0]![0] = Number.NaN;
    const err = await atlas.save(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasFileError);
    expect((err as Error).message).toMatch(/not saved: the vector of paper ".*" holds NaN at position 0/u);
    const reloaded = await Atlas.load(dir, { embedder });
    expect(reloaded.papers.length).toBe(atlas.papers.length);
    await Promise.all([atlas.dispose(), reloaded.dispose()]);
  });
});

describe('linear-time parsing of fetched and read text', () => {
  let server: Served;
  let arxivBody = '';
  let openalexBody = '';
  beforeAll(async () => {
    server = await serve((req, res) => {
      const json = req.url!.startsWith('/openalex');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/atom+xml' }).end(json ? openalexBody : arxivBody);
    });
  });
  afterAll(() => server.close());
  const fast = async () => ({ cache: await tempDir(), retryBaseMs: 10, intervalMs: 0, timeoutSeconds: 2, attempts: 1 });

  it('reads arXiv totalResults from the parsed feed: 20,000 unclosed tags in a comment cost nothing', async () => {
    const page = await readFile(join(ROOT, 'fixtures/fetch/arxiv-start-0.xml'), 'utf8');
    arxivBody = page.replace('<entry>', `<!-- ${'<opensearch:totalResults '.repeat(20_000)} -->\n  <entry>`);
    expect(arxivBody.length).toBeGreaterThan(480_000);
    const base = await fast();
    const { value, ms } = await timed(() => fetchArxiv({ ...base, baseUrl: `${server.url}/arxiv`, query: 'bilevel', max: 2, pageSize: 2 }));
    expect((value as { size: number }).size).toBe(2);
    expect(ms).toBeLessThan(1500);
  });

  it('rebuilds OpenAlex abstracts by the words listed, not by how large a position is', async () => {
    const works = Array.from({ length: 200 }, (_, i) => ({
      id: `https://openalex.org/W${i + 1}`,
      title: `Work ${i}`,
      abstract_inverted_index: { far: [999_999 - i], away: [5_000_000 + i] },
    }));
    openalexBody = JSON.stringify({ meta: { count: 200, next_cursor: null }, results: works });
    const base = await fast();
    const { value, ms } = await timed(() => fetchOpenAlex({ ...base, baseUrl: `${server.url}/openalex`, search: 'far', max: 200 }));
    expect((value as { size: number }).size).toBe(200);
    expect((value as { papers: { abstract: string }[] }).papers[0]!.abstract).toBe('far away');
    expect(ms).toBeLessThan(1000);
    expect(invertedAbstract({ b: [7, 2], a: [0], c: [2] })).toBe('a c b');
    const huge = { word: Array.from({ length: MAX_INVERTED_WORDS + 1 }, (_, i) => i) };
    expect(() => invertedAbstract(huge)).toThrow(/lists more than 10000 words/u);
  });

  it('reports a work whose index is too long as malformed, with its place, and keeps the rest', async () => {
    const long = { id: 'https://openalex.org/W9', title: 'Long', abstract_inverted_index: { w: Array.from({ length: MAX_INVERTED_WORDS + 1 }, (_, i) => i) } };
    const fine = { id: 'https://openalex.org/W8', title: 'Fine', abstract_inverted_index: { fine: [0], words: [1] } };
    const corpus = await parseCorpus(JSON.stringify({ results: [fine, long] }), { format: 'openalex', source: 'works.json' });
    expect(corpus.papers.map((p) => p.id)).toEqual(['W8']);
    expect(corpus.warnings[0]).toMatchObject({ kind: 'malformed', message: expect.stringMatching(/lists more than 10000 words/u) });
  });

  it('bounds BibTeX @string expansion: sixteen doubling macros in 600 bytes are refused, not expanded', async () => {
    const lines = ['@string{s0 = "abcdefgh "}'];
    for (let i = 1; i <= 15; i++) lines.push(`@string{s${i} = s${i - 1} # s${i - 1}}`);
    lines.push(
      '@article{big, title = {Big}, abstract = s15}',
      '@article{wide, title = {Wide}, abstract = s12 # s12 # s12}',
      '@article{small, title = {Small}, abstract = {A real abstract.}}',
    );
    const text = lines.join('\n');
    expect(text.length).toBeLessThan(600);
    const { value, ms } = await timed(() => parseCorpus(text, { format: 'bibtex', source: 'bomb.bib' }));
    // About a second here (defining s1 … s12 is real parsing work); 12 s and more before the fix.
    expect(ms).toBeLessThan(6000);
    const corpus = value as Awaited<ReturnType<typeof parseCorpus>>;
    expect(corpus.papers.map((p) => p.id)).toEqual(['small']);
    const reasons = corpus.warnings.map((w) => w.message);
    expect(reasons.some((r) => /@string entry expands its @string macros to more than 65536 characters/u.test(r))).toBe(true);
    expect(reasons).toContain('skipped: @article entry uses the @string macro "s15", which was refused');
    expect(reasons.some((r) => /@article entry expands its @string macros to more than 65536/u.test(r))).toBe(true);
  });

  it('bounds the text macros add over a whole file: many short entries naming a long macro are refused past the allowance', async () => {
    // s0 … s11 define an 18,432-character macro (about 0.2 s of parsing each time it is expanded);
    // then 60 short entries each name it. The macros may add 4 × 65,536 characters beyond the
    // file's own size: a handful are read, the rest refused, each with the reason.
    const lines = ['@string{s0 = "abcdefgh "}'];
    for (let i = 1; i <= 11; i++) lines.push(`@string{s${i} = s${i - 1} # s${i - 1}}`);
    for (let i = 0; i < 60; i++) lines.push(`@article{e${i}, title = {Entry ${i}}, abstract = s11}`);
    const { value, ms } = await timed(() => parseCorpus(lines.join('\n'), { format: 'bibtex', source: 'many.bib' }));
    const corpus = value as Awaited<ReturnType<typeof parseCorpus>>;
    const read = corpus.size;
    expect(read).toBeGreaterThan(0);
    // At most the allowance's worth: 4 × 65,536 / 18,432 ≈ 14 expansions.
    expect(read).toBeLessThanOrEqual(15);
    expect(corpus.warnings).toHaveLength(60 - read);
    expect(corpus.warnings[0]!.message).toMatch(/would take the text its @string macros add past 262144 characters plus the file's own size/u);
    // Before the fix every one of the 60 was expanded and parsed: tens of seconds.
    expect(ms).toBeLessThan(15_000);
  });

  it('skips a BibTeX entry longer than the limit without reading it, quickly, and reads it when the limit is raised', async () => {
    const abstract = 'word '.repeat(200_000); // 1 MB: 211 s and a stack overflow before the fix
    const text = `@article{long, title={Long}, abstract={${abstract}}}\n@article{short, title={Short}, abstract={Fine.}}\n`;
    const { value, ms } = await timed(() => parseCorpus(text, { format: 'bibtex', source: 'long.bib' }));
    expect(ms).toBeLessThan(1500);
    const corpus = value as Awaited<ReturnType<typeof parseCorpus>>;
    expect(corpus.papers.map((p) => p.id)).toEqual(['short']);
    expect(corpus.warnings[0]).toMatchObject({
      kind: 'malformed',
      location: { line: 1 },
      message: expect.stringMatching(/longer than 65536 characters \(raise maxEntryChars/u),
    });
    const medium = `@article{m, title={Medium}, abstract={${'word '.repeat(1000)}}}`;
    expect((await parseCorpus(medium, { format: 'bibtex', maxEntryChars: 4096 }).catch((e: unknown) => e)) as Error).toBeInstanceOf(CorpusError);
    expect((await parseCorpus(medium, { format: 'bibtex' })).size).toBe(1);
    await expect(parseCorpus(medium, { format: 'bibtex', maxEntryChars: 0 })).rejects.toThrow(OptionError);
  });
});
