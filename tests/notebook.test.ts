import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './support/helpers.js';

describe('example notebook', () => {
  it('runs its code cells in order, as a TypeScript kernel would', async () => {
    const nb = JSON.parse(await readFile(join(ROOT, 'tests/notebooks/topic-map.ipynb'), 'utf8')) as {
      cells: { cell_type: string; source: string[] }[];
      metadata: { kernelspec: { name: string } };
    };
    expect(nb.metadata.kernelspec.name).toBe('tslab');
    const code = nb.cells
      .filter((c) => c.cell_type === 'code')
      .map((c) => c.source.join(''))
      .join('\n\n')
      .replace("from 'paper-atlas'", `from ${JSON.stringify(join(ROOT, 'src/index.ts'))}`);
    const dir = await tempDir();
    const file = join(dir, 'notebook.mts');
    await writeFile(file, `${code}\nexport {};\n`);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, maxBuffer: 16 << 20 });
    expect(stdout).toMatch(/^194 papers, \d+ themes, embedder Xenova\/all-MiniLM-L6-v2@/mu);
    expect(stdout).toMatch(/Sharpness|sharpness/u);
    expect(stdout).toMatch(/Optimal Transport/u);
    expect(stdout).toMatch(/preference optimization \(\d+\)/u);
  });
});
