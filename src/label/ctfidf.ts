import { phrases } from '../corpus/terms.js';
import { integerOption } from '../errors.js';
import type { JsonObject } from '../types.js';
import type { LabelDraft, LabelInput, LabelStep } from './labeller.js';

/**
 * Class-based TF-IDF (as in BERTopic): all documents of a theme are one class document; a phrase
 * scores tf(phrase, class) · log(1 + A / f(phrase)), where A is the mean class length in phrases and
 * f the phrase's frequency over all classes. Returns each class's phrases, best first.
 */
export function classTfidf(texts: readonly string[], assignments: readonly number[], k: number, maxNgram = 3, top = 30): [string, number][][] {
  const classCounts = Array.from({ length: k }, () => new Map<string, number>());
  const docFreq = Array.from({ length: k }, () => new Map<string, number>());
  const sizes = new Array<number>(k).fill(0);
  texts.forEach((text, i) => {
    const c = assignments[i]!;
    if (c < 0 || c >= k) return;
    sizes[c]!++;
    const seen = new Set<string>();
    for (const p of phrases(text, 1, maxNgram)) {
      classCounts[c]!.set(p, (classCounts[c]!.get(p) ?? 0) + 1);
      seen.add(p);
    }
    for (const p of seen) docFreq[c]!.set(p, (docFreq[c]!.get(p) ?? 0) + 1);
  });
  const total = new Map<string, number>();
  for (const m of classCounts) for (const [p, n] of m) total.set(p, (total.get(p) ?? 0) + n);
  const classLen = classCounts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const avg = classLen.reduce((a, b) => a + b, 0) / Math.max(k, 1);
  return classCounts.map((m, c) => {
    const scored: [string, number][] = [];
    // A phrase used by a single paper of a larger theme names that paper, not the theme.
    const minDocs = sizes[c]! >= 4 ? 2 : 1;
    for (const [p, n] of m) {
      if ((docFreq[c]!.get(p) ?? 0) < minDocs) continue;
      const tf = n / Math.max(classLen[c]!, 1);
      scored.push([p, tf * Math.log(1 + avg / total.get(p)!)]);
    }
    return scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
  });
}

export interface CTfidfOptions {
  /** Longest phrase in words. */
  maxNgram: number;
  /** Candidates kept per theme. */
  candidates: number;
}

/** Chain step: each theme's candidate phrases by c-TF-IDF. */
export class CTfidfStep implements LabelStep {
  readonly id = 'ctfidf';
  readonly options: Readonly<CTfidfOptions & JsonObject>;

  constructor(options: CTfidfOptions) {
    this.options = Object.freeze({
      maxNgram: integerOption('labeller.maxNgram', options.maxNgram, 1, 6),
      candidates: integerOption('labeller.candidates', options.candidates, 1, 1000),
    });
  }

  apply(draft: LabelDraft, input: LabelInput): LabelDraft {
    return { ...draft, candidates: classTfidf(input.texts, input.assignments, input.k, this.options.maxNgram, this.options.candidates) };
  }
}
