import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Corpus } from './corpus.js';

/** Name of the bundled corpus, as reported in atlas metadata. */
export const BUNDLED_CORPUS_SOURCE = 'paper-atlas:regularized-optimization';

const FILE = 'fixtures/corpus/regularized-optimization.json';

/** The shipped JSON, found from this module: `dist/` in the package, `src/corpus/` in the repository. */
function bundledFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', FILE), join(here, '..', '..', FILE)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`the bundled corpus is missing from the installation (looked for ${candidates.join(', ')}); reinstall paper-atlas`);
  return found;
}

/**
 * The corpus shipped with the package: 194 machine-learning abstracts from a papers-listing page
 * for "regularized optimization" (`fixtures/regularized-optimization.page.txt`), already parsed.
 * It is read from the package's `fixtures/corpus/` at call time, not inlined into every bundle.
 */
export async function loadBundledCorpus(): Promise<Corpus> {
  const records = JSON.parse(await readFile(bundledFile(), 'utf8')) as unknown[];
  return Corpus.from(records, { source: BUNDLED_CORPUS_SOURCE });
}
