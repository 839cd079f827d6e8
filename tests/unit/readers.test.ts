import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorpusError, parseCorpus, readCorpus, type Corpus } from '../../src/index.js';
import { ROOT } from '../support/root.js';
import { tempDir } from './synthetic.js';

const SAMPLES = join(ROOT, 'fixtures/samples');
const sample = (f: string, opts = {}): Promise<Corpus> => readCorpus(join(SAMPLES, f), opts);
const kinds = (c: Corpus): string[] => c.warnings.map((w) => w.kind);

describe('reference-manager exports', () => {
  it('reads a Zotero CSV export (87 columns) by its own column names, skipping items without an abstract or title and listing them', async () => {
    const c = await sample('zotero-export.csv');
    expect(c.size).toBe(6);
    const sam = c.get('G3TB8X5C')!;
    expect(sam).toMatchObject({
      title: 'Sharpness-Aware Minimization for Efficiently Improving Generalization',
      year: 2021,
      url: 'https://openreview.net/forum?id=6Tm1mposlrM',
    });
    expect(sam.authors).toEqual(['Pierre Foret', 'Ariel Kleiner', 'Hossein Mobahi', 'Behnam Neyshabur']);
    expect(c.get('QX7ZP2KA')!.doi).toBe('10.18653/v1/2020.acl-main.197');
    expect(c.get('J1QR5N3W')!.authors).toEqual(['Xiaodong "Dan" Jiang', 'Jörg Müller']);
    expect(sam.meta).toMatchObject({ 'Item Type': 'journalArticle', 'Publication Title': 'ICLR' });
    expect(c.warnings.map((w) => [w.kind, w.location.line])).toEqual([
      ['missing-abstract', 6],
      ['missing-abstract', 7],
      ['missing-title', 9],
    ]);
    expect(c.warnings[0]!.message).toBe('skipped: "Convex Optimization" has no abstract');
    const kept = await sample('zotero-export.csv', { missingAbstract: 'title' });
    expect(kept.size).toBe(8);
    expect(kept.get('E5HY1J7Q')).toMatchObject({
      title: 'Convex Optimization',
      abstract: '',
      missingAbstract: true,
      authors: ['Stephen Boyd', 'Lieven Vandenberghe'],
    });
    await expect(sample('zotero-export.csv', { missingAbstract: 'error' })).rejects.toThrow(
      /zotero-export\.csv, line 6, record 5, field "abstract": is missing/u,
    );
  });

  it('reads BibTeX: @string macros, @comment, accents, nested braces, multi-line fields, any entry type; a malformed entry is reported with its line', async () => {
    const c = await sample('library.bib');
    expect(c.papers.map((p) => p.id)).toEqual(['foret2021sharpness', 'liu2023sparsity', 'muller2022', 'jiang2020smart']);
    const muller = c.get('muller2022')!;
    expect(muller.title).toBe('On Über-Regularization of Nested Braces in ℓ₁ Problems');
    expect(muller.authors).toEqual(['Jörg Müller', 'João Gonçalves', 'François Étienne', 'Jan van der Berg']);
    expect(muller.abstract).toBe('We study regularization across several lines, with emphasis, bold text, and nested braces inside of it; Naïve methods fail.');
    expect(muller.meta).toMatchObject({ type: 'article', journal: 'Advances in Neural Information Processing Systems' });
    expect(c.get('foret2021sharpness')).toMatchObject({
      title: 'Sharpness-Aware Minimization for Efficiently Improving Generalization',
      year: 2021,
      meta: { booktitle: 'International Conference on Learning Representations' },
    });
    expect(c.get('liu2023sparsity')).toMatchObject({
      year: 2023,
      doi: '10.48550/arXiv.2209.15466',
      meta: { journal: 'International Conference on Learning Representations (Spotlight)' },
    });
    expect(c.get('jiang2020smart')!.meta).toMatchObject({ type: 'online', eprint: '1911.03437' });
    expect(c.warnings.map((w) => [w.kind, w.location.line])).toEqual([
      ['missing-abstract', 36],
      ['malformed', 43],
    ]);
    expect(c.warnings[1]!.message).toMatch(/@misc entry is not closed/u);
    await expect(sample('library.bib', { missingAbstract: 'error' })).rejects.toThrow(/library\.bib, line 36, record 4, field "abstract": is missing/u);
  });

  it('reads RIS with CRLF line ends, wrapped values and "Family, Given" names', async () => {
    const c = await sample('library.ris');
    expect(c.size).toBe(3);
    const sam = c.papers[0]!;
    expect(sam.authors).toEqual(['Pierre Foret', 'Ariel Kleiner', 'Hossein Mobahi', 'Behnam Neyshabur']);
    expect(sam.abstract).toMatch(/^In today's heavily overparameterized models.*SAM\b.*\.$/su);
    expect(sam.abstract).not.toMatch(/\r/u);
    expect(sam).toMatchObject({
      year: 2021,
      url: 'https://openreview.net/forum?id=6Tm1mposlrM',
      meta: { type: 'JOUR', keywords: ['sharpness', 'generalization'] },
    });
    expect(c.papers[1]).toMatchObject({ title: 'Sparsity-Constrained Optimal Transport', doi: '10.48550/arXiv.2209.15466', year: 2023 });
    expect(kinds(c)).toEqual(['missing-abstract']);
    const broken = await parseCorpus('AU  - Stray, Tag\r\nTY  - JOUR\r\nTI  - Kept\r\nAB  - text\r\nER  - \r\nTY  - JOUR\r\nTI  - Unclosed\r\n', {
      format: 'ris',
      source: 'b.ris',
    });
    expect(broken.size).toBe(1);
    expect(broken.warnings.map((w) => [w.location.line, w.message])).toEqual([
      [1, 'skipped: RIS tag AU outside a record (no TY line before it)'],
      [6, 'skipped: RIS record has no ER line before the end of the file'],
    ]);
  });

  it('reads CSL-JSON, recognised by its shape even in a plain .json file', async () => {
    const c = await sample('library.csl.json');
    expect(c.papers.map((p) => [p.id, p.year, p.authors])).toEqual([
      ['foret2021', 2021, ['Pierre Foret', 'Ariel Kleiner', 'Hossein Mobahi', 'Behnam Neyshabur']],
      ['liu2023', 2023, ['Tianlin Liu', 'Joan Puigcerver', 'Mathieu Blondel']],
      ['berg2020', 2020, ['Jan van der Berg', 'The Optimization Consortium']],
    ]);
    expect(c.get('liu2023')!.doi).toBe('10.48550/arXiv.2209.15466');
    const dir = await tempDir();
    const { readFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'export.json'), await readFile(join(SAMPLES, 'library.csl.json')));
    expect((await readCorpus(join(dir, 'export.json'))).papers.map((p) => p.authors?.[0])).toEqual(['Pierre Foret', 'Tianlin Liu', 'Jan van der Berg']);
  });

  it('reads OpenAlex works (abstracts from the inverted index) and Semantic Scholar papers, unwrapping API responses', async () => {
    const oa = await sample('openalex-works.json');
    expect(oa.papers.map((p) => p.id)).toEqual(['W3093350562', 'W4300000001']);
    expect(oa.papers[0]!.abstract).toMatch(/^In today's heavily overparameterized models, the value of the training loss/u);
    expect(oa.papers[0]).toMatchObject({
      doi: '10.48550/arXiv.2010.01412',
      year: 2021,
      authors: ['Pierre Foret', 'Ariel Kleiner'],
      citedByCount: 232,
      meta: { venue: 'ICLR' },
    });
    expect(kinds(oa)).toEqual(['missing-abstract']);
    const s2 = await sample('semantic-scholar.json');
    expect(s2.papers[0]).toMatchObject({
      id: '3a1e3b3f2c7d9a1b4c5d6e7f8a9b0c1d2e3f4a5b',
      year: 2020,
      doi: '10.48550/arXiv.2010.01412',
      meta: { arxivId: '2010.01412', venue: 'International Conference on Learning Representations' },
    });
    expect(kinds(s2)).toEqual(['missing-abstract']);
  });
});

describe('format detection', () => {
  it('recognises every format from its content, a .txt holding RIS included', async () => {
    const dir = await tempDir();
    const { readFile } = await import('node:fs/promises');
    for (const [name, file, size] of [
      ['a.txt', 'library.ris', 3],
      ['b.data', 'library.bib', 4],
      ['c.data', 'zotero-export.csv', 6],
      ['d', 'openalex-works.json', 2],
    ] as const) {
      await writeFile(join(dir, name), await readFile(join(SAMPLES, file)));
      expect((await readCorpus(join(dir, name))).size, name).toBe(size);
    }
  });

  it('refuses what it does not know, naming the formats and the option', async () => {
    const err = await parseCorpus('just some words\nand more words\n', { source: 'notes.md' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as CorpusError).message).toMatch(
      /^notes\.md: is in no format paper-atlas recognises\. Supported: BibTeX \(\.bib\), RIS \(\.ris\), CSL-JSON.*; pass format$/u,
    );
    expect((err as CorpusError).hint).toEqual({ option: 'format' });
  });

  it('names the key to pass for JSON nested under an unknown key', async () => {
    const err = await parseCorpus('{"mypapers": [{"title": "A", "abstract": "b"}]}', { format: 'json' }).catch((e: unknown) => e);
    expect((err as CorpusError).hint).toEqual({ option: 'jsonKey' });
    expect((await parseCorpus('{"mypapers": [{"title": "A", "abstract": "b"}]}', { format: 'json', jsonKey: 'mypapers' })).size).toBe(1);
  });
});

describe('large libraries', () => {
  it('parses BibTeX entry by entry as the text arrives, never waiting for the whole file', async () => {
    const entry = (i: number): string => `@article{k${i}, title = {Paper ${i}}, abstract = {About thing ${i}.}}\n`;
    let pulled = 0;
    const seenAt: number[] = [];
    async function* slowly(): AsyncGenerator<string> {
      for (let i = 0; i < 5; i++) {
        pulled++;
        yield entry(i) + (i < 4 ? '@article{k' : '');
        await new Promise((r) => setTimeout(r, 5));
        if (i < 4) {
          pulled++;
          yield `${i}x, title = {Split ${i}}, abstract = {Across chunks ${i}.}}\n`;
        }
      }
    }
    const { bibtexEntries } = await import('../../src/corpus/read/bibtex.js');
    for await (const _ of bibtexEntries(slowly())) seenAt.push(pulled);
    expect(seenAt).toHaveLength(9);
    // The first entry is out after the first chunk, long before the last of ten chunks.
    expect(seenAt[0]).toBe(1);
    expect(seenAt.every((p, i) => i === 0 || p >= seenAt[i - 1]!)).toBe(true);
    const c = await parseCorpus(slowly(), { format: 'bibtex' });
    expect(c.papers.map((p) => p.id)).toEqual(['k0', 'k0x', 'k1', 'k1x', 'k2', 'k2x', 'k3', 'k3x', 'k4']);
  });

  it('streams a 50 MB RIS file line by line, in bounded memory', async () => {
    const dir = await tempDir();
    const file = join(dir, 'big.ris');
    const record = `TY  - JOUR\r\nAU  - Müller, Jörg\r\nTI  - A repeated paper\r\nAB  - ${'x'.repeat(1000)}\r\nER  - \r\n`;
    const block = record.repeat(1000);
    const blocks = Math.ceil((50 * 1024 * 1024) / block.length);
    await writeFile(file, block.repeat(blocks));
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const c = await readCorpus(file);
    clearInterval(timer);
    expect(c.size).toBe(1);
    expect(c.warnings).toHaveLength(blocks * 1000 - 1);
    // Reading the whole file into one string would take > 100 MB of heap by itself.
    expect(peak - before).toBeLessThan(80 * 1024 * 1024);
  }, 60_000);
});
