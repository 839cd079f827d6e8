import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Atlas, Corpus, CorpusError, CORPUS_FORMATS, parseCorpus, type ReadCorpusOptions } from '../src/index.js';
import { buildBundled, ROOT, tempDir } from './support/helpers.js';

const run = promisify(execFile);

/** Resolves to the corpus or the thrown error; fails the test if it takes longer than `ms` (a hang). */
async function bounded(p: Promise<Corpus>, ms = 10_000): Promise<Corpus | unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung for more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p.catch((e: unknown) => e), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const title = 'Sharpness-Aware Minimization';
const abstract = 'We minimize loss value and loss sharpness together.';
const big = 'x'.repeat(100_000);
const nested = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

/** [name, input, options, expected]: a CorpusError message pattern, or a check on the corpus read. */
const CASES: [string, string | Uint8Array, ReadCorpusOptions, RegExp | ((c: Corpus) => void)][] = [
  ['empty page', '', { format: 'page' }, /contains no papers/u],
  ['whitespace only', ' \n\t\n  \r\n', { format: 'page' }, /contains no papers/u],
  ['page, only boilerplate', 'Get trending papers in your email inbox!\n', { format: 'page' }, /contains no papers/u],
  ['page, odd line count', `${title}\n${abstract}\nDangling title\n`, { format: 'page' }, /line 3.*title has no abstract line/u],
  ['page, abstract where a title belongs', `${'An abstract. '.repeat(60)}\n${abstract}\n`, { format: 'page' }, /line 1.*expected a title/u],
  ['truncated JSON', '[{"title": "A", "abstract": "b"}, {"title": "C", "abs', { format: 'json' }, /invalid JSON/u],
  ['JSON object, not array', '{"title": "A", "abstract": "b"}', { format: 'json' }, /expected a JSON array/u],
  ['JSON array of strings', '["a", "b"]', { format: 'json' }, /record 1.*not an object/u],
  ['JSON nested 10k deep', nested(10_000), { format: 'json' }, /not an object|invalid JSON/u],
  ['JSON number title', '[{"title": 42, "abstract": "b b"}]', { format: 'json' }, (c) => expect(c.papers[0]!.title).toBe('42')],
  ['JSON array title', '[{"title": ["a"], "abstract": "b"}]', { format: 'json' }, /field "title": must be text, got an array/u],
  ['JSONL with a broken line', `{"title":"A","abstract":"b"}\n{oops}\n`, { format: 'jsonl' }, /line 2: invalid JSON/u],
  ['JSONL empty abstract, strict', '{"title":"A","abstract":"   "}\n', { format: 'jsonl', missingAbstract: 'error' }, /field "abstract": is empty/u],
  ['JSONL missing title, strict', '{"abstract":"b"}\n', { format: 'jsonl', missingAbstract: 'error' }, /field "title": is missing/u],
  [
    'JSONL empty abstract, skipped by default',
    '{"title":"A","abstract":"   "}\n{"title":"B","abstract":"b"}\n',
    { format: 'jsonl' },
    (c) => expect(c.warnings.map((w) => w.kind)).toEqual(['missing-abstract']),
  ],
  ['JSONL only records without abstract', '{"title":"A"}\n', { format: 'jsonl' }, /contains no papers \(1 record\(s\) skipped: missing-abstract/u],
  ['JSONL bad year', '{"title":"A","abstract":"b","year":"soon"}\n', { format: 'jsonl' }, /field "year": is not a year/u],
  ['JSONL duplicate ids', '{"id":"1","title":"A","abstract":"b"}\n{"id":"1","title":"C","abstract":"d"}\n', { format: 'jsonl' }, /duplicate id "1"/u],
  ['CSV ragged row', 'title,abstract\nA,b\nC,d,e\n', { format: 'csv' }, /line 3: invalid CSV/u],
  ['CSV unclosed quote', 'title,abstract\n"A,b\n', { format: 'csv' }, /invalid CSV/u],
  ['CSV header only', 'title,abstract\n', { format: 'csv' }, /contains no papers/u],
  ['CSV without abstract column, strict', 'title,year\nA,2020\n', { format: 'csv', missingAbstract: 'error' }, /field "abstract": is missing/u],
  [
    'CSV without abstract column, kept on titles',
    'title,year\nA,2020\n',
    { format: 'csv', missingAbstract: 'title' },
    (c) => expect(c.papers[0]).toMatchObject({ title: 'A', abstract: '', missingAbstract: true }),
  ],
  ['TSV with quotes inside', 'title\tabstract\nA "quoted" title\tb\n', { format: 'tsv' }, (c) => expect(c.papers[0]!.title).toBe('A "quoted" title')],
  [
    'XML bomb (entities)',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><feed><entry><title>&b;</title><summary>s</summary></entry></feed>',
    { format: 'atom' },
    /DOCTYPE/u,
  ],
  ['XML nested 10k deep', `<feed>${'<x>'.repeat(10_000)}`, { format: 'atom' }, /nested deeper/u],
  ['XML truncated', '<feed><entry><title>A</title><summary>b', { format: 'atom' }, /invalid XML/u],
  ['XML undefined entity', '<feed><entry><title>&nope;</title><summary>b</summary></entry></feed>', { format: 'atom' }, /invalid XML/u],
  ['1 MB single line', `${'word '.repeat(200_000)}`, { format: 'page' }, /expected a title/u],
  ['NUL bytes', Buffer.from(`${title}\n\u0000${abstract}\n`), { format: 'page' }, /NUL bytes/u],
  ['invalid UTF-8', Buffer.from([0x54, 0x69, 0x74, 0x6c, 0x65, 0x0a, 0xc3, 0x28, 0x0a]), { format: 'page' }, /line 2: is not valid utf-8/u],
  ['truncated UTF-8 at end', Buffer.from([0x41, 0x0a, 0x62, 0xe2, 0x82]), { format: 'page' }, /truncated file/u],
  ['100k-character abstract', JSON.stringify([{ title, abstract: big }]), { format: 'json' }, (c) => expect(c.papers[0]!.abstract).toHaveLength(100_000)],
  [
    'non-Latin scripts',
    JSON.stringify([{ title: '深度学习中的正则化优化', abstract: 'Регуляризация — ключ к обобщению. 正则化。' }]),
    { format: 'json' },
    (c) => expect(c.papers[0]!.id).toBe('深度学习中的正则化优化'),
  ],
  [
    'right-to-left and emoji',
    JSON.stringify([{ title: 'تحسين منتظم 🚀', abstract: 'نص عربي' }]),
    { format: 'json' },
    (c) => expect(c.papers[0]!.title).toBe('تحسين منتظم 🚀'),
  ],
  [
    'control characters',
    JSON.stringify([{ title: 'A\u0007B\u001b[31m', abstract: 'x\u0000y' }]),
    { format: 'json' },
    (c) => expect(c.papers[0]!.title).toBe('AB[31m'),
  ],
  [
    'HTML in text',
    JSON.stringify([{ title: '<b>Bold</b> claims', abstract: '<p>We &amp; they</p>' }]),
    { format: 'json' },
    (c) => expect(c.papers[0]).toMatchObject({ title: 'Bold claims', abstract: 'We & they' }),
  ],
  [
    'UTF-16 big-endian with BOM',
    Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`${title}\n${abstract}\n`, 'utf16le').swap16()]),
    { format: 'page' },
    (c) => expect(c.papers[0]!.title).toBe(title),
  ],
  ['CR-only line ends', `${title}\r${abstract}\r`, { format: 'page' }, (c) => expect(c.papers[0]!.abstract).toBe(abstract)],
];

describe('crafted bad inputs', () => {
  for (const [name, input, opts, expected] of CASES) {
    it(name, async () => {
      const result = await bounded(parseCorpus(input, { source: 'case', ...opts }));
      if (expected instanceof RegExp) {
        expect(result, `${name}: expected a CorpusError`).toBeInstanceOf(CorpusError);
        expect((result as CorpusError).message).toMatch(expected);
      } else {
        expect(result, `${name}: ${(result as Error).message}`).toBeInstanceOf(Corpus);
        expected(result as Corpus);
      }
    });
  }
});

describe('properties', () => {
  it('readers never throw anything but CorpusError, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        ),
        fc.constantFrom(...CORPUS_FORMATS),
        async (input, format) => {
          const result = await bounded(parseCorpus(input, { format }), 5000);
          expect(result instanceof Corpus || result instanceof CorpusError).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ids are unique, stable across runs, and unchanged when papers are appended', () => {
    const record = fc.record({ title: fc.string({ minLength: 1, maxLength: 40 }), abstract: fc.string({ minLength: 1, maxLength: 40 }) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), fc.array(record, { maxLength: 10 }), (head, tail) => {
        const build = (recs: unknown[]): Corpus | undefined => {
          try {
            return Corpus.from(recs);
          } catch (e) {
            if (e instanceof CorpusError) return undefined;
            throw e;
          }
        };
        const a = build(head);
        if (!a) return;
        const ids = a.papers.map((p) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(build(head)!.papers.map((p) => p.id)).toEqual(ids);
        const longer = build([...head, ...tail]);
        if (longer) expect(longer.papers.slice(0, ids.length).map((p) => p.id)).toEqual(ids);
      }),
      { numRuns: 300 },
    );
  });
});

describe('saved atlases under failure', () => {
  it('a save killed with SIGKILL at any moment leaves a loadable atlas', async () => {
    const dir = await tempDir();
    const pristine = await tempDir();
    const atlas = await buildBundled();
    await atlas.save(dir);
    await atlas.save(pristine);
    const expectedCounts = new Set([194, 193]);
    // The child re-saves the atlas in a loop, alternating two states, until killed.
    const script = `
      import { Atlas } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
      const a = await Atlas.load(${JSON.stringify(pristine)});
      const b = await Atlas.load(${JSON.stringify(pristine)});
      await b.remove(b.papers[0].id);
      process.stdout.write('ready\\n');
      for (let i = 0; ; i++) await (i % 2 ? a : b).save(${JSON.stringify(dir)});
    `;
    const file = join(await tempDir(), 'saver.mts');
    await writeFile(file, script);
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 30 + round * 47));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = await Atlas.load(dir);
      expect(expectedCounts.has(loaded.papers.length)).toBe(true);
      expect(await loaded.related(loaded.papers[1]!.id, { k: 3 })).toHaveLength(3);
    }
    // The next saves remove what killed saves left behind (temp files, and the data files their journal
    // names); what stays is the current save and the previous one, which a concurrent reader may still use.
    await atlas.save(dir);
    await atlas.save(dir);
    const names = (await readdir(dir)).sort();
    expect(names.filter((n) => n.endsWith('.tmp') || n.startsWith('.paper-atlas'))).toEqual([]);
    const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8')) as { files: { name: string }[]; previous: string[] };
    const expected = [...new Set([...m.files.map((f) => f.name), ...m.previous])].sort();
    expect(names.filter((n) => /^(papers|vectors|index)-/u.test(n))).toEqual(expected);
  });

  it('two builds in separate processes save byte-identical atlases (createdAt aside)', async () => {
    const a = join(await tempDir(), 'a');
    const b = join(await tempDir(), 'b');
    const cli = join(ROOT, 'src/cli.ts');
    await Promise.all(
      [a, b].map((out, i) =>
        run(process.execPath, ['--import', 'tsx', cli, 'build', '--out', out, '--seed', '7', '--json', ...(i ? ['--no-cache'] : [])], {
          cwd: ROOT,
          maxBuffer: 16 << 20,
        }),
      ),
    );
    const files = (await readdir(a)).sort();
    expect(files).toEqual((await readdir(b)).sort());
    for (const f of files) {
      const x = await readFile(join(a, f));
      const y = await readFile(join(b, f));
      if (f === 'atlas.json') {
        const strip = (buf: Buffer): string => buf.toString('utf8').replace(/"createdAt": "[^"]+"/u, '');
        expect(strip(x)).toBe(strip(y));
      } else {
        expect(x.equals(y), f).toBe(true);
      }
    }
  });
});
