import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { must, npmConsumer, pnpmConsumer, readmeExamples, run, writeIn } from './support/consumer.js';
import { ROOT } from './support/helpers.js';

const tarball = inject('tarball');
let dir: string;
let readme: string;

beforeAll(async () => {
  readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  dir = await npmConsumer(tarball);
}, 600_000);

describe('the packed package', () => {
  it('ships the library, the CLI, the corpus and the notebook, the corpus inlined in no bundle', async () => {
    const { stdout } = await promisify(execFile)('tar', ['tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const f of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/cli.js',
      'fixtures/corpus/regularized-optimization.json',
      'fixtures/notebooks/topic-map.ipynb',
      'README.md',
      'LICENSE',
    ]) {
      expect(files, f).toContain(`package/${f}`);
    }
    const pkg = join(dir, 'node_modules/paper-atlas');
    const corpus = JSON.parse(await readFile(join(ROOT, 'fixtures/corpus/regularized-optimization.json'), 'utf8')) as { abstract: string }[];
    const abstract = corpus[100]!.abstract.slice(0, 80);
    for (const bundle of ['dist/index.js', 'dist/index.cjs', 'dist/cli.js']) expect(await readFile(join(pkg, bundle), 'utf8'), bundle).not.toContain(abstract);
    const cli = await readFile(join(pkg, 'dist/cli.js'), 'utf8');
    expect(cli).toMatch(/from ["']\.\/index\.js["']/u);
    expect(cli.length).toBeLessThan(40_000);
  });

  it('installs into a fresh npm project as the README says, and the README examples run there verbatim', async () => {
    const examples = readmeExamples(readme);
    expect(examples.map((e) => e.file)).toEqual(['example.mjs', 'explore.mjs', 'growing.mjs', 'own-papers.mjs', 'stages.mjs']);
    const outputs: Record<string, string> = {};
    for (const { file, code } of examples) {
      await writeIn(dir, file, code);
      const r = await run(process.execPath, [file], { cwd: dir });
      expect(r.code, `${file}:\n${r.stderr}`).toBe(0);
      outputs[file] = r.stdout;
    }
    expect(outputs['example.mjs']).toMatch(/^0\.\d{3} .*Sharpness/mu);
    expect(outputs['example.mjs']).toMatch(/preference optimization(?: \/ [^(\n]+)? \(\d+\)/u);
    expect(existsSync(join(dir, 'map.html')) && existsSync(join(dir, 'my-atlas/atlas.json'))).toBe(true);
    // Why two papers are related, a reading-list search, outliers, edited themes, the PNG and the timeline.
    expect(outputs['explore.mjs']).toMatch(/^0\.\d{3} \S/mu);
    expect(outputs['explore.mjs']).toMatch(/score: 0\.\d+/u);
    expect(outputs['explore.mjs']).toMatch(/^\d+ papers without a year$/mu);
    expect(existsSync(join(dir, 'edited-atlas/atlas.json')) && existsSync(join(dir, 'map.png'))).toBe(true);
    // A growing library: the update refits, reports what changed, and the user's name survives.
    expect(outputs['growing.mjs']).toMatch(/^refit: 'always'\n\d+ themes kept, \d+ born, \d+ dissolved; \d+ papers changed theme \(\d+% stayed\)\ntrue$/mu);
    expect(existsSync(join(dir, 'weekly-atlas/atlas.json')) && existsSync(join(dir, 'weekly.html'))).toBe(true);
    expect(outputs['own-papers.mjs']).toMatch(/^2 wasserstein-gan 1\nSinkhorn distances$/mu);
    expect(outputs['stages.mjs']).toMatch(/shelf A-L: /u);
  });

  it('works through require (CJS), import (ESM) and a strict TypeScript compile', async () => {
    const cjs = await run(
      process.execPath,
      ['-e', "const p = require('paper-atlas'); p.loadBundledCorpus().then(c => console.log(typeof p.Atlas.build, c.size))"],
      { cwd: dir },
    );
    expect(cjs.stdout.trim(), cjs.stderr).toBe('function 194');
    // Every reader loads under require too (the BibTeX parser's CommonJS build has undeclared dependencies).
    const bib = join(ROOT, 'fixtures/samples/library.bib');
    const cjsBib = await run(process.execPath, ['-e', `require('paper-atlas').readCorpus(${JSON.stringify(bib)}).then(c => console.log(c.size))`], {
      cwd: dir,
    });
    expect(cjsBib.stdout.trim(), cjsBib.stderr).toBe('4');
    // So does the Parquet reader (ESM-only upstream, bundled), with no LanceDB installed.
    const parts = join(ROOT, 'fixtures/parquet/parts');
    const cjsParquet = await run(
      process.execPath,
      ['-e', `require('paper-atlas').readVectorTable(${JSON.stringify(parts)}).then(t => console.log(t.corpus.size, t.vectors[23].length))`],
      { cwd: dir },
    );
    expect(cjsParquet.stdout.trim(), cjsParquet.stderr).toBe('24 16');
    expect(existsSync(join(dir, 'node_modules/@lancedb'))).toBe(false);
    await writeIn(
      dir,
      'esm.mjs',
      "import { Atlas, loadBundledCorpus } from 'paper-atlas';\nconsole.log(typeof Atlas.load, (await loadBundledCorpus()).papers[0].title.slice(0, 6));\n",
    );
    expect((await run(process.execPath, ['esm.mjs'], { cwd: dir })).stdout.trim()).toBe('function SMART:');
    await writeIn(
      dir,
      'use.ts',
      [
        "import { Atlas, loadBundledCorpus, type Clusterer, type Neighbor, type Theme } from 'paper-atlas';",
        "const mine: Clusterer = { id: 'halves', options: {}, cluster: async (points) => ({ k: 2, assignments: points.map((_, i) => i % 2) }) };",
        'export async function top(): Promise<[Neighbor[], readonly Theme[]]> {',
        '  const atlas = await Atlas.build(await loadBundledCorpus(), { seed: 1, clusterer: mine });',
        "  return [await atlas.related('wasserstein-gan', { k: 3 }), atlas.themes];",
        '}',
      ].join('\n'),
    );
    await writeIn(
      dir,
      'tsconfig.json',
      JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: false, types: [] },
        files: ['use.ts'],
      }),
    );
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir });
    expect(tsc.stdout).toBe('');
  });

  it('imports and reads corpora without the native binaries; the first call that needs one names the fix', async () => {
    const script = `
      import { Atlas, Corpus, DependencyError, loadBundledCorpus, parseCorpus, readVectorTable, TransformersEmbedder } from 'paper-atlas';
      const corpus = await loadBundledCorpus();
      const parsed = await parseCorpus('[{"title":"A","abstract":"b"}]', { format: 'json' });
      const table = await readVectorTable(${JSON.stringify(join(ROOT, 'fixtures/parquet/papers.parquet'))});
      const fake = { id: 'fake', dims: 4, embed: async (t) => t.map(() => Float32Array.from([1, 0, 0, 0])) };
      const store = await Atlas.build(corpus, { embedder: fake, cache: false }).catch((e) => e);
      const model = await TransformersEmbedder.create({ offline: true }).catch((e) => e);
      console.log(JSON.stringify({ papers: corpus.size + parsed.size + table.corpus.size, store: [store instanceof DependencyError, store.message], model: [model instanceof DependencyError, model.message] }));
    `;
    await writeIn(dir, 'native.mjs', script);
    const moved: [string, string][] = [
      [join(dir, 'node_modules/hnswlib-node/build'), join(dir, 'node_modules/hnswlib-node/build.off')],
      [join(dir, 'node_modules/onnxruntime-node/bin'), join(dir, 'node_modules/onnxruntime-node/bin.off')],
    ];
    for (const [a, b] of moved) await rename(a, b);
    try {
      const r = await run(process.execPath, ['native.mjs'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { papers: number; store: [boolean, string]; model: [boolean, string] };
      expect(out.papers).toBe(219);
      expect(out.store[0]).toBe(true);
      expect(out.store[1]).toMatch(/hnswlib-node: could not be loaded .*npm rebuild hnswlib-node/u);
      expect(out.model[0]).toBe(true);
      expect(out.model[1]).toMatch(/onnxruntime-node: could not be loaded .*npm rebuild onnxruntime-node/u);
    } finally {
      for (const [a, b] of moved) await rename(b, a);
    }
  });

  it('puts the paper-atlas binary on the path: --version, --help, JSON errors', async () => {
    const bin = join(dir, 'node_modules/.bin/paper-atlas');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await must(bin, ['--version'], { cwd: dir })).stdout.trim()).toBe(pkg.version);
    expect((await must(bin, ['--help'], { cwd: dir })).stdout).toMatch(/Usage: paper-atlas/u);
    const bad = await run(bin, ['related', 'no such paper at all', '--atlas', join(dir, 'my-atlas'), '--json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'E_UNKNOWN_PAPER' } });
  });
});

describe('pnpm', () => {
  it('installs into a fresh pnpm project as the README says and runs the first example', async () => {
    const pdir = await pnpmConsumer(tarball);
    const [first] = readmeExamples(readme);
    await writeIn(pdir, first!.file, first!.code);
    const r = await run(process.execPath, [first!.file], { cwd: pdir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/preference optimization(?: \/ [^(\n]+)? \(\d+\)/u);
    const bib = join(ROOT, 'fixtures/samples/library.bib');
    const cjsBib = await run(process.execPath, ['-e', `require('paper-atlas').readCorpus(${JSON.stringify(bib)}).then(c => console.log(c.size))`], {
      cwd: pdir,
    });
    expect(cjsBib.stdout.trim(), cjsBib.stderr).toBe('4');
  }, 600_000);
});
