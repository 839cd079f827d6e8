import { OptionError, rejectUnknownKeys } from '../errors.js';
import type { JsonObject } from '../types.js';
import { CTfidfStep } from './ctfidf.js';
import { ChainLabeller } from './labeller.js';
import { AcronymStep, GenericPhraseFilter, MmrStep, PhraseLabelStep } from './steps.js';

/** Settings of the default labeller. */
export interface LabelOptions {
  /** Keywords kept per theme. */
  keywords: number;
  /** Candidates taken from c-TF-IDF before re-ranking. */
  candidates: number;
  /** MMR trade-off: 0 = pure relevance to the theme, 1 = pure diversity. */
  diversity: number;
  /** Longest phrase in words. */
  maxNgram: number;
}

export const DEFAULT_LABEL_OPTIONS: Readonly<LabelOptions> = Object.freeze({ keywords: 10, candidates: 30, diversity: 0.4, maxNgram: 3 });

/**
 * The default labeller: c-TF-IDF candidates (1-3-word phrases) → corpus-generic phrases dropped →
 * MMR re-ranking against the theme centroid → acronyms expanded → keywords grown past fragments,
 * corpus-wide ones dropped, stems deduplicated → each label the theme's most distinctive established term, unique.
 */
export class DefaultLabeller extends ChainLabeller {
  override readonly id = 'default';
  override readonly options: Readonly<LabelOptions & JsonObject>;

  constructor(options: Partial<LabelOptions> = {}) {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw new OptionError('labeller', 'must be label options ({ keywords, candidates, diversity, maxNgram }) or a Labeller');
    }
    rejectUnknownKeys('labeller', options, Object.keys(DEFAULT_LABEL_OPTIONS));
    const o = { ...DEFAULT_LABEL_OPTIONS, ...options };
    super([
      new CTfidfStep({ maxNgram: o.maxNgram, candidates: o.candidates }),
      new GenericPhraseFilter(),
      new MmrStep({ keywords: o.keywords, diversity: o.diversity }),
      new AcronymStep(),
      new PhraseLabelStep({ maxNgram: o.maxNgram }),
    ]);
    this.options = Object.freeze({ keywords: o.keywords, candidates: o.candidates, diversity: o.diversity, maxNgram: o.maxNgram });
  }
}
