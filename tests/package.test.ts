import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './support/helpers.js';

const run = promisify(execFile);
let consumer: string;

beforeAll(async () => {
  // Build the package exactly as `npm publish` would ship it, then use it from a separate project.
  await run(process.execPath, [join(ROOT, 'node_modules/tsup/dist/cli-default.js')], { cwd: ROOT });
  consumer = await tempDir('paper-atlas-consumer-');
  await mkdir(join(consumer, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(consumer, 'node_modules/paper-atlas'), 'dir');
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
});

describe('published package', () => {
  it('works through require (CJS)', async () => {
    const { stdout } = await run(process.execPath, ['-e', "const p = require('paper-atlas'); p.loadBundledCorpus().then(c => console.log(typeof p.Atlas.build, c.size))"], { cwd: consumer });
    expect(stdout.trim()).toBe('function 194');
  });

  it('works through import (ESM)', async () => {
    await writeFile(join(consumer, 'esm.mjs'), "import { Atlas, loadBundledCorpus } from 'paper-atlas';\nconsole.log(typeof Atlas.load, (await loadBundledCorpus()).papers[0].title.slice(0, 6));\n");
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: consumer });
    expect(stdout.trim()).toBe('function SMART:');
  });

  it('ships types that a strict TypeScript consumer compiles against', async () => {
    await writeFile(
      join(consumer, 'use.ts'),
      [
        "import { Atlas, loadBundledCorpus, type Neighbor, type Theme } from 'paper-atlas';",
        'export async function top(): Promise<[Neighbor[], readonly Theme[]]> {',
        '  const atlas = await Atlas.build(await loadBundledCorpus(), { seed: 1 });',
        "  return [await atlas.related('wasserstein-gan', { k: 3 }), atlas.themes];",
        '}',
      ].join('\n'),
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: false, types: [] }, files: ['use.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const res = await run(process.execPath, [tsc, '-p', consumer]).catch((e: { stdout: string }) => e);
    expect((res as { stdout: string }).stdout).toBe('');
  });

  it('exposes the paper-atlas binary', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'dist/cli.js'), '--help']);
    expect(stdout).toMatch(/Usage: paper-atlas/u);
  });
});
