import { clauseWords, isContentWord } from '../corpus/terms.js';

/** How one theme's papers use one phrase. */
export interface Usage {
  /** Rows of the theme's papers using the phrase. */
  rows: number[];
  /** Occurrences in the theme's papers. */
  count: number;
  /** Content words right after / right before an occurrence, with counts (stop words and clause ends not counted). */
  next: Map<string, number>;
  prev: Map<string, number>;
}

/**
 * Which papers use which phrases, per theme and over the corpus, and what words stand next to them:
 * the statistics a label is chosen by. Counted for the phrases asked for only, in one pass over the
 * texts per call to `count`.
 */
export class PhraseUsage {
  readonly sizes: number[];
  private readonly usage: Map<string, Usage>[];
  private readonly papersUsing = new Map<string, number>();
  private readonly clauses: string[][][];

  private readonly families = new Map<string, { papers: number; byTheme: Int32Array }>();
  private readonly familyOf = new Map<string, string>();
  /** Expansion → the acronyms standing for it ("sharpness-aware minimization" → ["sam"]). */
  private readonly aliasesOf = new Map<string, string[]>();

  /**
   * `acronyms`: acronym → expansion, as the texts define them (`acronymDefinitions`): a paper
   * writing "SAM" uses "sharpness-aware minimization" as much as one spelling it out.
   */
  constructor(
    texts: readonly string[],
    private readonly assignments: readonly number[],
    readonly k: number,
    private readonly maxNgram: number,
    acronyms: ReadonlyMap<string, string> = new Map(),
  ) {
    for (const [acronym, expansion] of acronyms) this.aliasesOf.set(expansion, [...(this.aliasesOf.get(expansion) ?? []), acronym]);
    this.clauses = texts.map(clauseWords);
    this.sizes = new Array<number>(k).fill(0);
    for (const a of assignments) if (a >= 0 && a < k) this.sizes[a]!++;
    this.usage = Array.from({ length: k }, () => new Map());
  }

  get papers(): number {
    return this.clauses.length;
  }

  /** Counts the phrases not counted yet. */
  count(phrases: Iterable<string>): void {
    const fresh = new Set([...phrases].filter((p) => !this.papersUsing.has(p)));
    if (!fresh.size) return;
    // What to look for in the texts: each phrase as written, and the acronyms standing for it.
    const surfaces = new Map<string, string[]>();
    const lookFor = (surface: string, phrase: string): void => {
      surfaces.set(surface, [...(surfaces.get(surface) ?? []), phrase]);
    };
    for (const p of fresh) {
      this.papersUsing.set(p, 0);
      lookFor(p, p);
      for (const a of this.aliasesOf.get(p) ?? []) lookFor(a, p);
    }
    const longest = Math.min(this.maxNgram, Math.max(...[...surfaces.keys()].map((p) => p.split(' ').length)));
    const starts = new Set([...surfaces.keys()].map((p) => p.split(' ')[0]!));
    this.clauses.forEach((clauses, row) => {
      const t = this.assignments[row]!;
      const inTheme = t >= 0 && t < this.k;
      const seen = new Set<string>();
      for (const ws of clauses) {
        for (let i = 0; i < ws.length; i++) {
          if (!starts.has(ws[i]!)) continue;
          for (let n = 1; n <= longest && i + n <= ws.length; n++) {
            const surface = ws.slice(i, i + n).join(' ');
            for (const p of surfaces.get(surface) ?? []) {
              if (!seen.has(p)) {
                seen.add(p);
                this.papersUsing.set(p, this.papersUsing.get(p)! + 1);
              }
              if (!inTheme) continue;
              const u = this.entry(t, p);
              if (u.rows[u.rows.length - 1] !== row) u.rows.push(row);
              // Occurrences and neighbouring words describe the phrase as written, not its acronym.
              if (surface !== p) continue;
              u.count++;
              const after = ws[i + n];
              const before = ws[i - 1];
              if (after !== undefined && isContentWord(after)) u.next.set(after, (u.next.get(after) ?? 0) + 1);
              if (before !== undefined && isContentWord(before)) u.prev.set(before, (u.prev.get(before) ?? 0) + 1);
            }
          }
        }
      }
    });
  }

  /**
   * Counts, per theme and overall, the papers using a word family not counted yet: a word in the
   * singular and plural, hyphens ignored ("bi-level" and "bilevel", "gradient" and "gradients").
   * Plurals only: a full stemmer joins words a field keeps apart ("optimizer" and "optimization").
   */
  countFamilies(words: Iterable<string>): void {
    const fresh = new Set<string>();
    for (const w of words) {
      const f = this.family(w);
      if (!this.families.has(f)) fresh.add(f);
    }
    if (!fresh.size) return;
    for (const f of fresh) this.families.set(f, { papers: 0, byTheme: new Int32Array(this.k) });
    this.clauses.forEach((clauses, row) => {
      const t = this.assignments[row]!;
      const seen = new Set<string>();
      for (const ws of clauses) {
        for (const w of ws) {
          const f = this.family(w);
          if (!fresh.has(f) || seen.has(f)) continue;
          seen.add(f);
          const e = this.families.get(f)!;
          e.papers++;
          if (t >= 0 && t < this.k) e.byTheme[t]!++;
        }
      }
    });
  }

  /** Papers of theme `t` and of the corpus using a counted word's family. */
  familyUse(t: number, word: string): { inTheme: number; papers: number } {
    const e = this.families.get(this.family(word));
    return { inTheme: e?.byTheme[t] ?? 0, papers: e?.papers ?? 0 };
  }

  private family(word: string): string {
    let f = this.familyOf.get(word);
    if (f === undefined) {
      f = singular(word.replaceAll('-', ''));
      this.familyOf.set(word, f);
    }
    return f;
  }

  /** How theme `t` uses a counted phrase (zeroes if it does not). */
  of(t: number, phrase: string): Usage {
    return this.usage[t]!.get(phrase) ?? { rows: [], count: 0, next: new Map(), prev: new Map() };
  }

  /** Whether a phrase has been counted. */
  has(phrase: string): boolean {
    return this.papersUsing.has(phrase);
  }

  /** Papers of the whole corpus using a counted phrase. */
  docFreq(phrase: string): number {
    return this.papersUsing.get(phrase) ?? 0;
  }

  private entry(t: number, p: string): Usage {
    let u = this.usage[t]!.get(p);
    if (!u) this.usage[t]!.set(p, (u = { rows: [], count: 0, next: new Map(), prev: new Map() }));
    return u;
  }
}

/**
 * A plural folded to its singular by Harman's "S" stemmer (1991): -ies → -y, -es → -e (not after
 * a, e, o), -s → nothing (not after u or s). Conservative by design: it never joins two words.
 */
export function singular(word: string): string {
  if (word.length < 4) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !/[aeo]es$/u.test(word)) return word.slice(0, -1);
  if (word.endsWith('s') && !/[us]s$/u.test(word)) return word.slice(0, -1);
  return word;
}
