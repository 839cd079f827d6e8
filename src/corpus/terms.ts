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

/**
 * Candidate phrases of `minN..maxN` words: no phrase starts or ends with a stop word, none spans a
 * sentence or clause break, none is only one letter. Mirrors CountVectorizer(ngram_range, stop_words)
 * but keeps inner stop words, so "learning to rank" survives.
 */
export function phrases(text: string, minN = 1, maxN = 3): string[] {
  const out: string[] = [];
  for (const clause of text.split(/[.;:!?()[\]{},]+/u)) {
    const ws = words(clause);
    for (let i = 0; i < ws.length; i++) {
      if (STOP_WORDS.has(ws[i]!) || ws[i]!.length < 2) continue;
      for (let n = minN; n <= maxN && i + n <= ws.length; n++) {
        const last = ws[i + n - 1]!;
        if (STOP_WORDS.has(last) || last.length < 2) continue;
        out.push(ws.slice(i, i + n).join(' '));
      }
    }
  }
  return out;
}
