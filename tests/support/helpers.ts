import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Atlas, loadBundledCorpus, type AtlasOptions } from '../../src/index.js';

const dirs: string[] = [];

/** A fresh temporary directory, removed after the test file. */
export async function tempDir(prefix = 'paper-atlas-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The bundled corpus built with the real model (embedding cache on, as users run it). */
export async function buildBundled(opts: AtlasOptions = {}): Promise<Atlas> {
  return Atlas.build(await loadBundledCorpus(), { seed: 42, onWarning: () => undefined, ...opts });
}

export { ROOT } from './root.js';
