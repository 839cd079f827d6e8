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

  constructor(
    texts: readonly string[],
    private readonly assignments: readonly number[],
    readonly k: number,
    private readonly maxNgram: number,
  ) {
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
    for (const p of fresh) this.papersUsing.set(p, 0);
    const longest = Math.min(this.maxNgram, Math.max(...[...fresh].map((p) => p.split(' ').length)));
    const starts = new Set([...fresh].map((p) => p.split(' ')[0]!));
    this.clauses.forEach((clauses, row) => {
      const t = this.assignments[row]!;
      const inTheme = t >= 0 && t < this.k;
      const seen = new Set<string>();
      for (const ws of clauses) {
        for (let i = 0; i < ws.length; i++) {
          if (!starts.has(ws[i]!)) continue;
          for (let n = 1; n <= longest && i + n <= ws.length; n++) {
            const p = ws.slice(i, i + n).join(' ');
            if (!fresh.has(p)) continue;
            if (!seen.has(p)) {
              seen.add(p);
              this.papersUsing.set(p, this.papersUsing.get(p)! + 1);
            }
            if (!inTheme) continue;
            const u = this.entry(t, p);
            u.count++;
            if (u.rows[u.rows.length - 1] !== row) u.rows.push(row);
            const after = ws[i + n];
            const before = ws[i - 1];
            if (after !== undefined && isContentWord(after)) u.next.set(after, (u.next.get(after) ?? 0) + 1);
            if (before !== undefined && isContentWord(before)) u.prev.set(before, (u.prev.get(before) ?? 0) + 1);
          }
        }
      }
    });
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
