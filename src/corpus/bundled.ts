import bundled from '../../fixtures/corpus/regularized-optimization.json';
import { Corpus } from './corpus.js';

/** Name of the bundled corpus, as reported in atlas metadata. */
export const BUNDLED_CORPUS_SOURCE = 'paper-atlas:regularized-optimization';

/**
 * The corpus shipped with the package: 194 machine-learning abstracts from a papers-listing page
 * for "regularized optimization" (`fixtures/regularized-optimization.page.txt`), already parsed,
 * so examples and tests need no files.
 */
export async function loadBundledCorpus(): Promise<Corpus> {
  return Corpus.from(bundled as unknown[], { source: BUNDLED_CORPUS_SOURCE });
}
