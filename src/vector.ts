/**
 * Vector maths shared by every stage. Vectors are `Float32Array`s; a set of vectors is an array of
 * rows, which may be views (`subarray`) into one contiguous buffer. Imports nothing from the library.
 */

/** Inner product; for unit vectors, the cosine similarity. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Squared euclidean distance. */
export function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/**
 * How far a vector's length may be from 1. float32 rounding of a normalised 384-d vector is ~1e-7;
 * a vector off by more was not normalised (a raw model output, a sum, a scaled copy).
 */
export const UNIT_TOLERANCE = 1e-3;

/**
 * What is wrong with a vector that should be a unit vector (or the zero vector) of `dims` finite
 * values, or undefined if nothing is: the one check for every way vectors enter an atlas (built, read, added, loaded, saved).
 */
export function vectorProblem(v: unknown, dims: number): string | undefined {
  if (!(v instanceof Float32Array)) return 'is not a Float32Array';
  if (v.length !== dims) return `has ${v.length} values, not ${dims}`;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) return `holds ${x} at position ${i}`;
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  // The one exception: the lexical embedder gives a text with none of its vocabulary the zero vector.
  if (norm !== 0 && Math.abs(norm - 1) > UNIT_TOLERANCE) return `is not unit length (length ${norm.toPrecision(4)})`;
  return undefined;
}

/** The first vector of `vectors` with a problem, and what it is; undefined if all are sound. */
export function firstBadVector(vectors: readonly unknown[], dims: number): { index: number; problem: string } | undefined {
  for (let i = 0; i < vectors.length; i++) {
    const problem = vectorProblem(vectors[i], dims);
    if (problem !== undefined) return { index: i, problem };
  }
  return undefined;
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `size` distinct indices of 0 … n−1 (all of them when size ≥ n), ascending: the first slots of a
 * partial Fisher-Yates shuffle driven by `random`, a uniform sample.
 */
export function sampleIndices(n: number, size: number, random: () => number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (size >= n) return all;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, size).sort();
}

/** Rows copied into one contiguous buffer (row-major). */
export function packRows(rows: readonly ArrayLike<number>[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => out.set(r, i * dims));
  return out;
}

/** Row views into a contiguous buffer: no copy. */
export function rowViews(data: Float32Array, dims: number): Float32Array[] {
  const n = dims ? Math.floor(data.length / dims) : 0;
  return Array.from({ length: n }, (_, i) => data.subarray(i * dims, (i + 1) * dims));
}

/**
 * Unit-length mean vector of each group: `assignments[i]` is row i's group in 0..k-1, or negative
 * to leave the row out.
 */
export function groupCentroids(rows: readonly Float32Array[], assignments: ArrayLike<number>, k: number): Float32Array[] {
  const dims = rows[0]?.length ?? 0;
  const sums = Array.from({ length: k }, () => new Float32Array(dims));
  for (let i = 0; i < rows.length; i++) {
    const a = assignments[i]!;
    if (a < 0 || a >= k) continue;
    const v = rows[i]!;
    const s = sums[a]!;
    for (let d = 0; d < dims; d++) s[d]! += v[d]!;
  }
  return sums.map(normalizeInPlace);
}

/** Index of the row of `candidates` with the largest inner product with `v` (ties: lowest index). */
export function nearest(v: Float32Array, candidates: readonly Float32Array[]): number {
  let best = -1;
  let bestScore = -Infinity;
  candidates.forEach((c, i) => {
    const s = dot(c, v);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  });
  return best;
}
