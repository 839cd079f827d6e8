import { bestKMeans } from '../cluster/kmeans.js';
import { Corpus } from '../corpus/corpus.js';
import { classTfidf } from '../label/ctfidf.js';
import type { Paper, Theme, ThemePart } from '../types.js';
import { median } from '../vector.js';

/** Themes this large or larger get parts. */
export const PART_MIN_SIZE = 16;
/** About this many papers per part, 2 to `PART_MAX` parts. */
const PAPERS_PER_PART = 25;
const PART_MAX = 5;
const KEYWORDS = 5;

/**
 * Each large theme split into parts: k-means (3 restarts, seeded) on its papers' map positions,
 * one part per ~25 papers, 2 to 5; each part named by its top c-TF-IDF phrase among the theme's
 * parts that is not made only of the theme label's words and not already another part's name.
 * Parts are numbered by size, largest first. Deterministic for the same input and seed.
 */
export function themeParts(
  themes: readonly Theme[],
  papers: readonly Paper[],
  coords: readonly (readonly [number, number])[],
  assignments: readonly number[],
  seed: number,
  skip: ReadonlySet<number> = new Set(),
): Theme[] {
  const rowsOf = themes.map((): number[] => []);
  assignments.forEach((t, i) => !skip.has(i) && rowsOf[t]?.push(i));
  return themes.map((theme, t) => {
    const { parts: _, ...bare } = theme;
    const rows = rowsOf[t]!;
    if (rows.length < PART_MIN_SIZE || coords.length !== assignments.length) return bare;
    const k = Math.max(2, Math.min(PART_MAX, Math.round(rows.length / PAPERS_PER_PART)));
    const { assignments: local } = bestKMeans(
      rows.map((r) => coords[r]!),
      k,
      seed,
      { restarts: 3, maxIterations: 100, tolerance: 1e-6 },
    );
    const phrases = classTfidf(
      rows.map((r) => Corpus.textOf(papers[r]!)),
      local,
      k,
      3,
      20,
    );
    const own = new Set(theme.label.toLowerCase().split(/\W+/u));
    const members = Array.from({ length: k }, (_, c) => rows.filter((_, i) => local[i] === c));
    const order = members
      .map((_, c) => c)
      .filter((c) => members[c]!.length)
      .sort((a, b) => members[b]!.length - members[a]!.length || members[a]![0]! - members[b]![0]!);
    const taken = new Set<string>();
    const parts: ThemePart[] = order.map((c) => {
      const candidates = phrases[c]!.map(([p]) => p).filter((p) => !p.split(' ').every((w) => own.has(w)));
      const label = candidates.find((p) => !taken.has(p)) ?? `${theme.label} (part ${taken.size + 1})`;
      taken.add(label);
      return {
        label,
        keywords: candidates.filter((p) => p !== label).slice(0, KEYWORDS),
        size: members[c]!.length,
        paperIds: members[c]!.map((r) => papers[r]!.id),
      };
    });
    return { ...bare, parts };
  });
}

/** Where a part sits on the map: the median of its papers' positions. */
export function partCentre(positions: readonly (readonly [number, number])[]): [number, number] {
  return [median(positions.map((p) => p[0])), median(positions.map((p) => p[1]))];
}

/** The index of the centre nearest the position (0 when there are none). */
export function nearestCentre(centres: readonly (readonly [number, number])[], [x, y]: readonly [number, number]): number {
  let best = 0;
  centres.forEach((c, j) => {
    if (Math.hypot(c[0] - x, c[1] - y) < Math.hypot(centres[best]![0] - x, centres[best]![1] - y)) best = j;
  });
  return best;
}
