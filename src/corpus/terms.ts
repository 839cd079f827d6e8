import { eng } from 'stopword';

/**
 * Words that carry no topic in paper abstracts. The general English list comes from `stopword`;
 * the rest are the verbs and nouns every abstract uses ("we propose a novel method ...").
 */
const ACADEMIC = [
  'a', 'as', 'at', 'be', 'by', 'can', 'do', 'for', 'from', 'has', 'have', 'in', 'into', 'is', 'it', 'its', 'of',
  'on', 'or', 'our', 'that', 'the', 'their', 'them', 'these', 'this', 'those', 'to', 'via', 'was', 'we', 'which',
  'while', 'with', 'without', 'within', 'both', 'each', 'either', 'however', 'thus', 'hence', 'therefore', 'such',
  'many', 'much', 'more', 'most', 'less', 'often', 'well', 'also', 'then', 'than', 'through', 'based', 'using',
  'use', 'used', 'uses', 'propose', 'proposed', 'proposes', 'present', 'presents', 'presented', 'introduce',
  'introduces', 'introduced', 'show', 'shows', 'shown', 'demonstrate', 'demonstrates', 'demonstrated', 'paper',
  'work', 'approach', 'approaches', 'method', 'methods', 'novel', 'new', 'result', 'results', 'achieve',
  'achieves', 'achieved', 'existing', 'state', 'art', 'experiments', 'experimental', 'extensive', 'significantly',
  'significant', 'furthermore', 'moreover', 'specifically', 'respectively', 'particular', 'particularly',
  'different', 'various', 'several', 'given', 'one', 'two', 'three', 'first', 'second', 'however', 'among',
  'across', 'including', 'provide', 'provides', 'provided', 'able', 'key', 'recent', 'recently', 'different',
  'further', 'address', 'addresses', 'performance', 'framework',
  'frameworks', 'technique', 'techniques', 'study', 'studies', 'effective',
  'efficient', 'improve', 'improves', 'improved', 'improvement', 'improvements', 'outperforms', 'compared',
  'consistently', 'lead', 'leads', 'make', 'makes', 'way', 'enable', 'enables', 'allows', 'allow', 'yet', 'even',
  'due', 'still', 'able', 'code', 'available', 'github', 'com', 'https', 'http',
  'www', 'et', 'al', 'i.e', 'e.g', 'etc', 'us', 'may', 'might', 'could', 'would', 'should', 'will', 'not', 'no',
  'are', 'been', 'being', 'were', 'if', 'when', 'where', 'how', 'what', 'why', 'who', 'whose', 'other', 'others',
  'some', 'any', 'all', 'only', 'very', 'so', 'over', 'under', 'between', 'both', 'about', 'while', 'after',
  'before', 'during', 'like', 'an', 'and', 'but', 'nor', 'because', 'called', 'term', 'terms',
  // Filler that reads as a claim, not a topic.
  'state-of-the-art', 'sota', 'percent', 'overall', 'novelty', 'promising', 'superior', 'comparable',
  // Units and statistics: never a topic ("micrograms ml-1", "mg kg").
  'mg', 'kg', 'ml', 'ml-1', 'mg-1', 'kg-1', 'l-1', 'min-1', 'h-1', 'dl', 'µg', 'μg', 'ug', 'ng', 'pg', 'mmol', 'µmol',
  'μmol', 'nmol', 'pmol', 'mol', 'mm', 'cm', 'nm', 'µm', 'μm', 'mmhg', 'iu', 'ppm', 'ppb', 'hr', 'hrs', 'wk', 'wks',
  'yr', 'yrs', 'min', 'sec', 'micrograms', 'microgram', 'milligrams', 'milligram', 'nanograms', 'vs', 'ci',
  // Greek letters spelled out in plain-text math ("epsilon-stationary", "sigma^2").
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi',
  'rho', 'sigma', 'tau', 'phi', 'chi', 'psi', 'omega',
];

export const STOP_WORDS: ReadonlySet<string> = new Set([...eng, ...ACADEMIC]);

// Inline TeX such as `$\ell_1$` or `SP$^2$OT`: the math itself is not a topic word.
const TEX = /\$[^$]{0,80}\$/gu;
const URL = /\bhttps?:\/\/\S+/giu;
// TeX commands outside $...$ (`\sigma`, `\ell_1`) are notation, not words.
const TEX_COMMAND = /\\[a-zA-Z]+/gu;
// Plain-text math with sub- or superscripts (`sigma_{1:T}^2`, `x^*`).
const SCRIPTED = /[\p{L}\p{N}]*[_^][^\s,;.)]*/gu;
const WORD = /[\p{L}][\p{L}\p{N}]*(?:[-'][\p{L}\p{N}]+)*/gu;

/** Lower-case word tokens, with URLs, inline TeX and bare numbers removed. Stop words are kept. */
export function words(text: string): string[] {
  return (text.replace(URL, ' ').replace(TEX, ' ').replace(TEX_COMMAND, ' ').replace(SCRIPTED, ' ').toLowerCase().match(WORD) ?? []).map((w) => w.replace(/'s$/u, ''));
}

/** The word tokens of each clause of a text (phrases never span a sentence or clause break). */
export function clauseWords(text: string): string[][] {
  return text.split(/[.;:!?()[\]{},]+/u).map(words).filter((ws) => ws.length > 0);
}

/** Whether a word may start or end a phrase: not a stop word, not a single letter. */
export const isContentWord = (w: string): boolean => w.length >= 2 && !STOP_WORDS.has(w);

/**
 * Candidate phrases of `minN..maxN` words: no phrase starts or ends with a stop word, none spans a
 * sentence or clause break, none is only one letter. Mirrors CountVectorizer(ngram_range, stop_words)
 * but keeps inner stop words, so "learning to rank" survives.
 */
export function phrases(text: string, minN = 1, maxN = 3): string[] {
  const out: string[] = [];
  for (const ws of clauseWords(text)) {
    for (let i = 0; i < ws.length; i++) {
      if (!isContentWord(ws[i]!)) continue;
      for (let n = minN; n <= maxN && i + n <= ws.length; n++) {
        if (isContentWord(ws[i + n - 1]!)) out.push(ws.slice(i, i + n).join(' '));
      }
    }
  }
  return out;
}
