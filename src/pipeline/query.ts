import type { Hit, VectorStore } from '../store/store.js';
import { normalizeInPlace } from '../vector.js';
import type { CheckedRelated } from './options.js';

/**
 * The store's best `k` rows passing a filter: the store is asked for more rows (×4 each round) until
 * `k` pass, every row has been seen, or the rest score below `minScore`. Without a filter it is one
 * search. `accept` sees rows the store returns; excluded rows never reach it.
 */
export async function filteredSearch(
  store: VectorStore,
  query: Float32Array,
  q: Pick<CheckedRelated, 'k' | 'minScore'>,
  exclude: ReadonlySet<number>,
  accept?: (row: number) => boolean,
): Promise<Hit[]> {
  const { k, minScore } = q;
  const available = Math.max(0, store.size - exclude.size);
  let want = accept ? Math.min(Math.max(4 * k, 50), Math.max(k, available)) : k;
  for (;;) {
    const hits = await store.search(query, want, exclude.size ? { exclude } : {});
    const above = minScore === undefined ? hits : hits.filter((h) => h.score >= minScore);
    const passing = accept ? above.filter((h) => accept(h.row)) : above;
    const exhausted = hits.length < want || want >= available || above.length < hits.length;
    if (passing.length >= k || exhausted) return passing.slice(0, k);
    want = Math.min(want * 4, available);
  }
}

/** The filter of `years` and `themes` over a state's rows, or undefined when there is none. */
export function rowFilter(
  papers: readonly { year?: number | undefined }[],
  assignments: readonly number[],
  q: Pick<CheckedRelated, 'years' | 'themes'>,
): ((row: number) => boolean) | undefined {
  const { years, themes } = q;
  if (!years && !themes) return undefined;
  return (row) => {
    if (themes && !themes.has(assignments[row]!)) return false;
    if (years) {
      const y = papers[row]!.year;
      if (y === undefined || y < years.from || y > years.to) return false;
    }
    return true;
  };
}

/** The normalised mean of several unit vectors: one query standing for all of them. */
export function meanDirection(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let d = 0; d < out.length; d++) out[d]! += v[d]!;
  return normalizeInPlace(out);
}
