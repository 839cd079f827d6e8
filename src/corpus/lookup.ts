import { OptionError, PaperLookupError } from '../errors.js';
import type { Paper } from '../types.js';

/**
 * Finds papers by exact id, exact title (case-insensitive) or unique case-insensitive title or id
 * prefix, among the rows that are still live. Rows are positions in the atlas's paper list.
 */
export class PaperLookup {
  private readonly rowOf = new Map<string, number>();

  constructor(
    private readonly papers: readonly Paper[],
    private readonly isLive: (row: number) => boolean,
  ) {
    papers.forEach((p, i) => this.rowOf.set(p.id, i));
  }

  /** Row of an id, live or not; undefined when the id was never in the atlas. */
  rowOfId(id: string): number | undefined {
    return this.rowOf.get(id);
  }

  /** Call after papers were appended to the list the lookup was made with. */
  indexFrom(start: number): void {
    for (let i = start; i < this.papers.length; i++) this.rowOf.set(this.papers[i]!.id, i);
  }

  /** The row of a live paper; throws PaperLookupError listing the closest candidates otherwise. */
  find(idOrTitle: string): number {
    if (typeof idOrTitle !== 'string' || !idOrTitle.trim()) throw new OptionError('paper', 'must be a paper id or title');
    const direct = this.rowOf.get(idOrTitle);
    if (direct !== undefined && this.isLive(direct)) return direct;
    const q = idOrTitle.trim().toLowerCase();
    const live: { p: Paper; i: number }[] = [];
    this.papers.forEach((p, i) => {
      if (this.isLive(i)) live.push({ p, i });
    });
    const exact = live.filter(({ p }) => p.title.toLowerCase() === q);
    if (exact.length === 1) return exact[0]!.i;
    const prefix = exact.length ? exact : live.filter(({ p }) => p.title.toLowerCase().startsWith(q) || p.id.startsWith(q));
    if (prefix.length === 1) return prefix[0]!.i;
    if (prefix.length > 1)
      throw new PaperLookupError(
        idOrTitle,
        'ambiguous',
        prefix.slice(0, 5).map(({ p }) => p.id),
      );
    throw new PaperLookupError(
      idOrTitle,
      'unknown',
      closest(
        q,
        live.map(({ p }) => p),
      ),
    );
  }
}

/** Ids of the papers whose titles share the most words with the query. */
function closest(q: string, papers: Paper[]): string[] {
  const words = new Set(q.split(/\W+/u).filter((w) => w.length > 2));
  return papers
    .map((p) => ({
      id: p.id,
      n: p.title
        .toLowerCase()
        .split(/\W+/u)
        .filter((w) => words.has(w)).length,
    }))
    .filter((s) => s.n > 0)
    .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1))
    .slice(0, 5)
    .map((s) => s.id);
}
