import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

async function tree(cwd: string, pattern: string): Promise<DependencyTree> {
  return parseDependencyTree([pattern], { cwd, context: cwd, transform: false, skipDynamicImports: false, tsconfig: join(ROOT, 'tsconfig.json') });
}

/** Layers from the bottom up: a module may import from its own layer's folder or from lower layers only. */
const LAYERS: string[][] = [
  ['src/types.ts', 'src/vector.ts', 'src/errors.ts', 'src/native.ts', 'src/io/'],
  ['src/corpus/'],
  ['src/embed/'],
  ['src/store/'],
  ['src/reduce/'],
  ['src/cluster/'],
  ['src/label/'],
  ['src/map/'],
  ['src/pipeline/'],
  ['src/persist/'],
  ['src/atlas.ts'],
  ['src/index.ts'],
  ['src/cli.ts', 'src/cli/'],
];
const layerOf = (file: string): number => LAYERS.findIndex((l) => l.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
// `src/cli.ts` and its helpers in `src/cli/` are one folder.
const folderOf = (file: string): string => file.split('/').slice(0, 2).join('/').replace(/\.ts$/u, '');

let deps: DependencyTree;
beforeAll(async () => {
  deps = await tree(ROOT, 'src/**/*.ts');
}, 60_000);

describe('architecture', () => {
  it('has no import circles in src/ (type-only imports included)', () => {
    expect(Object.keys(deps).length).toBeGreaterThan(40);
    expect(parseCircular(deps).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('detects a circle when there is one (the check itself works)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-circle-'));
    try {
      await writeFile(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
      await writeFile(join(dir, 'b.ts'), "import type { a } from './a.js';\nexport const b = 1 as unknown as typeof a;\n");
      expect(parseCircular(await tree(dir, '*.ts'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets data flow one way: corpus → embed → store → reduce → cluster → label → map → pipeline → persist → atlas', () => {
    const wrong: string[] = [];
    let edges = 0;
    for (const [file, list] of Object.entries(deps)) {
      const from = relative(ROOT, join(ROOT, file));
      if (!from.startsWith('src/') || !list) continue;
      for (const d of list) {
        if (!d.id || d.id.includes('node_modules')) continue;
        const to = relative(ROOT, join(ROOT, d.id));
        if (!to.startsWith('src/')) continue;
        edges++;
        const [lf, lt] = [layerOf(from), layerOf(to)];
        expect(lf, `${from} is in no layer`).toBeGreaterThanOrEqual(0);
        if (lt > lf || (lt === lf && folderOf(from) !== folderOf(to) && !LAYERS[lf]![0]!.startsWith('src/types'))) wrong.push(`${from} -> ${to}`);
      }
    }
    expect(edges).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });

  it('keeps the shared bottom modules free of library imports', () => {
    for (const f of ['src/types.ts', 'src/vector.ts', 'src/errors.ts', 'src/map/palette.ts']) {
      const own = (deps[f] ?? []).filter((d) => d.id && !d.id.includes('node_modules') && d.id.startsWith('src/'));
      expect(
        own.map((d) => d.id),
        f,
      ).toEqual([]);
    }
  });

  it('keeps Atlas a thin facade: every member delegates in a few lines, under 300 in all', async () => {
    const lines = (await readFile(join(ROOT, 'src/atlas.ts'), 'utf8')).split('\n');
    expect(lines.length).toBeLessThanOrEqual(300);
    // A member starts at two-space indentation and ends at the next "  }"; its body is what lies between.
    const long: string[] = [];
    let members = 0;
    let start = -1;
    lines.forEach((line, i) => {
      if (/^  (?:(?:static|private|async|get)\s+)*[\w[\]\.]+.*\{$/u.test(line)) start = i;
      else if (line === '  }' && start >= 0) {
        members++;
        if (i - start - 1 > 8) long.push(`${lines[start]!.trim()} (${i - start - 1} lines)`);
        start = -1;
      }
    });
    expect(members).toBeGreaterThan(30);
    expect(long).toEqual([]);
  });
});
