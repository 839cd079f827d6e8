import { phrases } from './terms.js';

/** FNV-1a over UTF-16 code units, from a given offset basis (two bases give two independent hashes). */
function fnv1a(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const BASES = [0x811c9dc5, 0x050c5d1f] as const;

/**
 * How many papers of a corpus use each phrase (1-3 words, as `phrases` extracts them), in one pass
 * and bounded memory whatever the corpus size: a count-min sketch of two hashed tables, each ≥ 4 slots
 * per distinct phrase occurrence up to 2^23 slots (32 MiB at most). A count is exact unless two
 * phrases collide in both tables, and then only ever too high; deterministic for the same texts.
 */
export class PhraseStats {
  readonly papers: number;
  private readonly tables: Uint32Array[];
  private readonly mask: number;

  constructor(texts: readonly string[], maxNgram = 3) {
    this.papers = texts.length;
    const perPaper = texts.map((t) => new Set(phrases(t, 1, maxNgram)));
    const total = perPaper.reduce((s, p) => s + p.size, 0);
    let size = 1 << 12;
    while (size < 4 * total && size < 1 << 23) size <<= 1;
    this.mask = size - 1;
    this.tables = BASES.map(() => new Uint32Array(size));
    for (const set of perPaper) {
      for (const p of set) BASES.forEach((b, t) => this.tables[t]![fnv1a(p, b) & this.mask]!++);
    }
  }

  /** Papers using the phrase (at least; see the class note). */
  docFreq(phrase: string): number {
    return Math.min(...BASES.map((b, t) => this.tables[t]![fnv1a(phrase, b) & this.mask]!));
  }

  /** Inverse document frequency, ln((1 + papers) / (1 + df)) + 1, as scikit-learn smooths it. */
  idf(phrase: string): number {
    return Math.log((1 + this.papers) / (1 + this.docFreq(phrase))) + 1;
  }
}

/**
 * The phrases two texts share, most distinctive first (idf, with a bonus per extra word: "optimal
 * transport" says more than "transport"); a phrase inside a longer shared one is dropped.
 */
export function sharedPhrases(a: string, b: string, stats: PhraseStats, max = 8): string[] {
  const inB = new Set(phrases(b, 1, 3));
  // A phrase in (nearly) every paper says nothing about why two papers are related.
  const shared = [...new Set(phrases(a, 1, 3))].filter((p) => inB.has(p) && stats.docFreq(p) < Math.max(2, 0.5 * stats.papers));
  const weight = (p: string): number => stats.idf(p) * (1 + 0.5 * (p.split(' ').length - 1));
  const ranked = shared.sort((x, y) => weight(y) - weight(x) || (x < y ? -1 : 1));
  const inside = (short: string, long: string): boolean => ` ${long} `.includes(` ${short} `);
  let kept: string[] = [];
  for (const p of ranked) {
    if (kept.some((q) => inside(p, q))) continue;
    kept = [...kept.filter((q) => !inside(q, p)), p];
  }
  const rank = new Map(ranked.map((p, i) => [p, i]));
  return kept.sort((x, y) => rank.get(x)! - rank.get(y)!).slice(0, max);
}
