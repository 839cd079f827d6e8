import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Corpus, CorpusError, loadBundledCorpus, normalizeText, parseCorpus, readCorpus, slugify } from '../src/index.js';
import { ROOT, tempDir } from './support/helpers.js';

const PAGE = join(ROOT, 'fixtures/regularized-optimization.page.txt');

describe('bundled corpus', () => {
  it('has the 194 papers of the seed page, SMART first, with unique ids', async () => {
    const corpus = await loadBundledCorpus();
    expect(corpus.size).toBe(194);
    expect(corpus.papers[0]!.title).toMatch(/^SMART: Robust and Efficient Fine-Tuning /u);
    expect(new Set(corpus.papers.map((p) => p.id)).size).toBe(194);
    expect(corpus.papers.every((p) => p.abstract.length > 100)).toBe(true);
  });

  it('is exactly what the page reader makes of the committed seed page', async () => {
    const parsed = await readCorpus(PAGE);
    const bundled = await loadBundledCorpus();
    expect(parsed.papers).toEqual(bundled.papers);
    expect(parsed.warnings).toEqual([]);
  });

  it('keeps LaTeX, Unicode and URLs in titles and abstracts as written', async () => {
    const corpus = await loadBundledCorpus();
    expect(corpus.papers.some((p) => p.title.includes('SP$^2$OT'))).toBe(true);
    expect(corpus.papers.some((p) => p.title.startsWith('μLO'))).toBe(true);
    expect(corpus.papers.some((p) => p.title.includes('Łojasiewicz'))).toBe(true);
    expect(corpus.papers.some((p) => /https?:\/\/\S+/u.test(p.abstract))).toBe(true);
  });
});

describe('readers on real files', () => {
  it('reads JSON, JSONL, CSV and TSV written from the bundled papers to the same corpus', async () => {
    const corpus = await loadBundledCorpus();
    const dir = await tempDir();
    const records = corpus.papers.slice(0, 40).map((p) => ({ title: p.title, abstract: p.abstract, year: 2020 }));
    const csvCell = (s: string): string => `"${s.replace(/"/gu, '""')}"`;
    await writeFile(join(dir, 'a.json'), JSON.stringify(records, null, 2));
    await writeFile(join(dir, 'a.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
    await writeFile(join(dir, 'a.csv'), ['title,abstract,year', ...records.map((r) => `${csvCell(r.title)},${csvCell(r.abstract)},2020`)].join('\r\n'));
    await writeFile(join(dir, 'a.tsv'), ['title\tabstract\tyear', ...records.map((r) => `${r.title}\t${r.abstract}\t2020`)].join('\n'));
    for (const file of ['a.json', 'a.jsonl', 'a.csv', 'a.tsv']) {
      const c = await readCorpus(join(dir, file));
      expect(
        c.papers.map((p) => p.id),
        file,
      ).toEqual(corpus.papers.slice(0, 40).map((p) => p.id));
      expect(c.papers[3]!.abstract, file).toBe(corpus.papers[3]!.abstract);
      expect(c.papers[0]!.year, file).toBe(2020);
    }
  });

  it('recognises the format when the extension says nothing, and refuses what it does not know', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'papers.data'), '[{"title": "A", "abstract": "B b"}]');
    expect((await readCorpus(join(dir, 'papers.data'))).papers[0]!.title).toBe('A');
    await writeFile(join(dir, 'page.data'), await readFile(PAGE));
    await expect(readCorpus(join(dir, 'page.data'))).rejects.toThrow(/page\.data: is in no format paper-atlas recognises\. Supported: BibTeX.*; pass format/u);
    expect((await readCorpus(join(dir, 'page.data'), { format: 'page' })).size).toBe(194);
    await writeFile(join(dir, 'page.txt'), await readFile(PAGE));
    expect((await readCorpus(join(dir, 'page.txt'))).size).toBe(194);
  });

  it('reads an arXiv Atom API response with authors, year and links', async () => {
    const c = await readCorpus(join(ROOT, 'fixtures/samples/arxiv-api.atom.xml'));
    expect(c.size).toBe(5);
    const first = c.papers[0]!;
    expect(first.title).toBe((await loadBundledCorpus()).papers[0]!.title);
    expect(first.authors).toEqual(['Author 0A', 'Author 0B']);
    expect(first.year).toBe(2019);
    expect(first.url).toBe('http://arxiv.org/abs/1911.03437v1');
    expect(first.meta).toMatchObject({ arxivId: '1911.03437v1' });
  });

  it('takes configurable field names and keeps other fields as meta', async () => {
    const c = await parseCorpus(JSON.stringify([{ name: 'T', body: 'Some text', doi: '10.1/x' }]), {
      format: 'json',
      fields: { title: 'name', abstract: 'body' },
    });
    expect(c.papers[0]).toMatchObject({ title: 'T', abstract: 'Some text', doi: '10.1/x' });
    expect(c.papers[0]!.meta).toBeUndefined();
  });

  it('reads papers nested under a key with jsonKey', async () => {
    const c = await parseCorpus('{"papers": [{"title": "A", "abstract": "x"}]}', { format: 'json', jsonKey: 'papers' });
    expect(c.size).toBe(1);
  });
});

describe('ids', () => {
  it('are title slugs, with a content hash on collision, stable across runs', () => {
    const recs = [
      { title: 'Same Title', abstract: 'first' },
      { title: 'Same Title', abstract: 'second' },
      { title: 'Other', abstract: 'x' },
    ];
    const a = Corpus.from(recs);
    const b = Corpus.from(recs);
    expect(a.papers.map((p) => p.id)).toEqual(b.papers.map((p) => p.id));
    expect(a.papers[0]!.id).toBe('same-title');
    expect(a.papers[1]!.id).toMatch(/^same-title-[0-9a-f]{6}$/u);
  });

  it('keep non-Latin scripts', () => {
    expect(slugify('深度学习的正则化')).toBe('深度学习的正则化');
    expect(slugify('Łojasiewicz inequality')).toBe('łojasiewicz-inequality');
    expect(slugify('Café Société')).toBe('cafe-societe');
  });
});

describe('bad input', () => {
  const expectCorpusError = async (p: Promise<unknown>, match: RegExp, fields: Partial<CorpusError> = {}): Promise<CorpusError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as CorpusError).message).toMatch(match);
    expect(err).toMatchObject(fields);
    return err as CorpusError;
  };

  it('rejects an empty file', async () => {
    await expectCorpusError(parseCorpus('', { source: 'empty.txt', format: 'page' }), /empty\.txt: contains no papers/u);
    const dir = await tempDir();
    await writeFile(join(dir, 'empty.txt'), '');
    await expectCorpusError(readCorpus(join(dir, 'empty.txt')), /empty\.txt: contains no papers/u);
  });

  it('names the record and field of a missing title or abstract', async () => {
    const strict = { missingAbstract: 'error' } as const;
    await expectCorpusError(
      parseCorpus('{"title":"A","abstract":"x"}\n{"title":"B"}\n', { source: 'p.jsonl', format: 'jsonl', ...strict }),
      /line 2.*field "abstract".*missing/u,
      {
        line: 2,
        field: 'abstract',
      },
    );
    await expectCorpusError(parseCorpus('title,abstract\n,"some text"\n', { source: 'p.csv', format: 'csv', ...strict }), /line 2.*"title".*missing/u);
  });

  it('skips a repeated record and reports it, or refuses it on request', async () => {
    const text = '{"title":"A","abstract":"x"}\n{"title":"A","abstract":"x"}\n';
    const c = await parseCorpus(text, { format: 'jsonl' });
    expect(c.size).toBe(1);
    expect(c.warnings[0]!.message).toMatch(/skipped: same title and abstract as "a"/u);
    await expectCorpusError(parseCorpus(text, { format: 'jsonl', onDuplicate: 'error' }), /duplicates paper "a"/u);
    await expectCorpusError(
      parseCorpus('{"id":"x","title":"A","abstract":"1"}\n{"id":"x","title":"B","abstract":"2"}', { format: 'jsonl' }),
      /duplicate id "x"/u,
    );
  });

  it('accepts a UTF-8 BOM, a UTF-16 file with BOM, and CRLF line ends', async () => {
    const page = (await readFile(PAGE, 'utf8')).split('\n').slice(0, 6).join('\r\n');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page)]);
    expect((await parseCorpus(bom, { format: 'page' })).papers[0]!.title).toMatch(/^SMART/u);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(page, 'utf16le')]);
    const c = await parseCorpus(utf16, { format: 'page' });
    expect(c.size).toBe(2);
    expect(c.papers[1]!.abstract.endsWith('\r')).toBe(false);
  });

  it('rejects a page with a dangling title, naming its line', async () => {
    const lines = (await readFile(PAGE, 'utf8')).split('\n').slice(0, 5).join('\n');
    await expectCorpusError(parseCorpus(lines, { format: 'page', source: 'odd.txt' }), /odd\.txt, line 5, field "abstract": title has no abstract line/u, {
      line: 5,
    });
  });

  it('rejects invalid UTF-8 with the line, and reads it as Latin-1 when told', async () => {
    const bytes = Buffer.concat([Buffer.from('title,abstract\nA,good\nB,caf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]);
    await expectCorpusError(parseCorpus(bytes, { format: 'csv', source: 'l1.csv' }), /l1\.csv, line 3: is not valid utf-8/u, { line: 3 });
    const c = await parseCorpus(bytes, { format: 'csv', encoding: 'latin1' });
    expect(c.papers[1]!.abstract).toBe('café au lait');
  });

  it('rejects NUL bytes (binary or UTF-16 without BOM)', async () => {
    await expectCorpusError(parseCorpus(Buffer.from('title\u0000x\n', 'utf8'), { format: 'page' }), /NUL bytes/u);
  });

  it('strips HTML/JATS markup and decodes entities, without touching inequalities', () => {
    expect(normalizeText('<jats:p>We <i>prove</i> that &alpha; &lt; 1 &amp; x<y and z>w.</jats:p>')).toBe('We prove that α < 1 & x<y and z>w.');
  });

  it('normalises Unicode to NFC and collapses whitespace without altering words', () => {
    expect(normalizeText('Cafe\u0301   au\t\tlait\n\nµ')).toBe('Café au lait µ');
  });

  it('streams a 50 MB file with bounded memory', async () => {
    const dir = await tempDir();
    const file = join(dir, 'big.jsonl');
    const line = `${JSON.stringify({ title: 'Repeated paper', abstract: 'x'.repeat(1000) })}\n`;
    const block = line.repeat(1000);
    const chunks = Math.ceil((50 * 1024 * 1024) / block.length);
    await writeFile(file, block.repeat(chunks));
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 5);
    const c = await readCorpus(file);
    clearInterval(timer);
    expect(c.size).toBe(1);
    expect(c.warnings.length).toBe(chunks * 1000 - 1);
    // Reading the whole file into one string would take > 100 MB of heap by itself.
    expect(peak - before).toBeLessThan(80 * 1024 * 1024);
  });

  it('rejects XML with a DOCTYPE (entity bombs) and absurd nesting', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><feed><entry><title>&lol2;</title><summary>x</summary></entry></feed>';
    await expectCorpusError(parseCorpus(bomb, { format: 'atom' }), /DOCTYPE/u);
    const deep = `<feed>${'<a>'.repeat(200)}${'</a>'.repeat(200)}</feed>`;
    await expectCorpusError(parseCorpus(deep, { format: 'atom' }), /nested deeper than 64/u);
  });

  it('reports truncated JSON and ragged CSV rows with a line', async () => {
    await expectCorpusError(parseCorpus('[{"title": "A", "abstract": "x"},\n{"title": "B", "abs', { format: 'json' }), /invalid JSON near line 2/u);
    await expectCorpusError(parseCorpus('title,abstract\nA,x\nB,y,extra\n', { format: 'csv', source: 'r.csv' }), /r\.csv, line 3: invalid CSV/u, { line: 3 });
  });

  it('refuses a missing file and a directory with a CorpusError', async () => {
    await expectCorpusError(readCorpus('/nonexistent/papers.jsonl'), /cannot be read \(ENOENT\)/u);
    await expectCorpusError(readCorpus(ROOT), /is a directory/u);
  });
});
