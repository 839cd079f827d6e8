import seedrandom from 'seedrandom';

/**
 * k-means over rows packed in one Float64Array: greedy k-means++ seeding (as scikit-learn does it:
 * 2 + ⌊ln k⌋ candidates per centre, the one that lowers the potential most kept) and exact Lloyd
 * iterations that skip the distances Hamerly's bounds rule out. The default k-means of the
 * clusterer; ml-kmeans (`algorithm: 'ml-kmeans'`) works on `number[][]` through a distance callback
 * and is 1.7-7× slower at equal inertia (bench/kmeans.ts runs both, side by side).
 * Deterministic: the same rows, k and seed give the same centroids, bit for bit.
 */

/** Rows packed row-major: row i is `data[i*dims … (i+1)*dims)`. */
export interface PackedRows {
  readonly data: Float64Array;
  readonly n: number;
  readonly dims: number;
}

/** Rows as given when already packed, else copied into one Float64Array. */
export function asPacked(rows: PackedRows | readonly ArrayLike<number>[]): PackedRows {
  return Array.isArray(rows) ? packF64(rows) : (rows as PackedRows);
}

/** Copies rows (any numeric array type) into one Float64Array. */
export function packF64(rows: readonly ArrayLike<number>[]): PackedRows {
  const n = rows.length;
  const dims = rows[0]?.length ?? 0;
  const data = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== dims) throw new RangeError(`row ${i} has ${r.length} values, the first row ${dims}`);
    data.set(r, i * dims);
  }
  return { data, n, dims };
}

/** Squared distance between row i of `a` and row j of `b`, both packed row-major with width `dims`. */
export function sq(a: Float64Array, i: number, b: Float64Array, j: number, dims: number): number {
  let s = 0;
  const oa = i * dims;
  const ob = j * dims;
  for (let d = 0; d < dims; d++) {
    const t = a[oa + d]! - b[ob + d]!;
    s += t * t;
  }
  return s;
}

export interface LloydOptions {
  /** Seed of the k-means++ draws. */
  seed: number;
  /** Iteration cap. */
  maxIterations: number;
  /**
   * Stop when the centroids' total squared movement in an iteration is at most this share of the
   * data's mean per-dimension variance (scikit-learn's rule), or when no assignment changes.
   */
  tolerance: number;
}

export interface LloydResult {
  /** Cluster of each row, 0..k-1. */
  assignments: Int32Array;
  /** k × dims, row-major. */
  centroids: Float64Array;
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
  iterations: number;
}

/** Greedy k-means++: centre rows drawn with probability ∝ squared distance to the nearest centre so far. */
function seedCentres(x: PackedRows, k: number, random: () => number): Float64Array {
  const { data, n, dims } = x;
  const centres = new Float64Array(k * dims);
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.min(n - 1, Math.floor(random() * n));
  centres.set(data.subarray(first * dims, (first + 1) * dims), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sq(data, i, data, first, dims);
  const cumulative = new Float64Array(n);
  const candidate = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let run = 0;
    for (let i = 0; i < n; i++) cumulative[i] = run += closest[i]!;
    let bestId = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      // The first row whose cumulative potential reaches the draw (binary search).
      const target = random() * run;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < target) lo = mid + 1;
        else hi = mid;
      }
      let p = 0;
      for (let i = 0; i < n; i++) p += candidate[i] = Math.min(closest[i]!, sq(data, i, data, lo, dims));
      if (p < bestPotential) {
        bestPotential = p;
        bestId = lo;
        bestDist.set(candidate);
      }
    }
    centres.set(data.subarray(bestId * dims, (bestId + 1) * dims), c * dims);
    closest.set(bestDist);
  }
  return centres;
}

/**
 * Hamerly's bounds (exact Lloyd, fewer distances): per row an upper bound on the distance to its
 * own centroid and a lower bound on the distance to any other; a row whose upper bound is below
 * both its lower bound and half the distance from its centroid to the nearest other needs no
 * distance computed at all. Most rows stop moving after a few iterations, so most are skipped.
 */
interface Bounds {
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
}

/** Nearest and second-nearest centroid of row i; sets its label and bounds, returns whether the label changed. */
function assignRow(x: PackedRows, centroids: Float64Array, k: number, b: Bounds, i: number): boolean {
  let best = 0;
  let bestD = Infinity;
  let second = Infinity;
  for (let c = 0; c < k; c++) {
    const d = sq(x.data, i, centroids, c, x.dims);
    if (d < bestD) {
      second = bestD;
      bestD = d;
      best = c;
    } else if (d < second) second = d;
  }
  b.upper[i] = Math.sqrt(bestD);
  b.lower[i] = Math.sqrt(second);
  if (b.labels[i] === best) return false;
  b.labels[i] = best;
  return true;
}

/** Half the distance from each centroid to its nearest other centroid. */
function halfGaps(centroids: Float64Array, k: number, dims: number): Float64Array {
  const gaps = new Float64Array(k).fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let c = a + 1; c < k; c++) {
      const d = Math.sqrt(sq(centroids, a, centroids, c, dims)) / 2;
      if (d < gaps[a]!) gaps[a] = d;
      if (d < gaps[c]!) gaps[c] = d;
    }
  }
  return gaps;
}

/**
 * Mean of each cluster's rows; an empty cluster takes the row farthest (by its upper bound) from
 * its centroid, as scikit-learn relocates them. Writes each centroid's movement into `moved` and
 * returns the total squared movement.
 */
function update(x: PackedRows, centroids: Float64Array, k: number, b: Bounds, moved: Float64Array, unit: boolean): number {
  const { data, n, dims } = x;
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = b.labels[i]!;
    counts[c]!++;
    const o = i * dims;
    const s = c * dims;
    for (let d = 0; d < dims; d++) sums[s + d]! += data[o + d]!;
  }
  const taken = new Set<number>();
  let shift = 0;
  for (let c = 0; c < k; c++) {
    const s = c * dims;
    if (counts[c]! === 0) {
      let far = -1;
      for (let i = 0; i < n; i++) if (!taken.has(i) && (far < 0 || b.upper[i]! > b.upper[far]!)) far = i;
      taken.add(far);
      for (let d = 0; d < dims; d++) sums[s + d] = data[far * dims + d]!;
      counts[c] = 1;
    }
    const scale = scaleOf(sums, s, dims, counts[c]!, unit);
    let m = 0;
    for (let d = 0; d < dims; d++) {
      const v = sums[s + d]! / scale;
      const t = v - centroids[s + d]!;
      m += t * t;
      centroids[s + d] = v;
    }
    moved[c] = Math.sqrt(m);
    shift += m;
  }
  return shift;
}

/**
 * What a group's coordinate sums (at `at` in `sums`) are divided by: its size, for the mean; with
 * `unit` (spherical k-means) their length, for the mean's direction, so that the nearest centroid of
 * a unit row is the one most similar to it by cosine.
 */
function scaleOf(sums: Float64Array, at: number, dims: number, count: number, unit: boolean): number {
  if (!unit) return count;
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += sums[at + d]! ** 2;
  return norm > 0 ? Math.sqrt(norm) : count;
}

/** Mean over dimensions of the per-dimension variance. */
function meanVariance(x: PackedRows): number {
  const { data, n, dims } = x;
  if (!n || !dims) return 0;
  let total = 0;
  for (let d = 0; d < dims; d++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * dims + d]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * dims + d]! - mean) ** 2;
    total += v / n;
  }
  return total / dims;
}

/** One k-means run: k-means++ seeding from `opts.seed`, then Lloyd iterations to convergence. */
export function lloyd(x: PackedRows, k: number, opts: LloydOptions, variance = meanVariance(x)): LloydResult {
  if (!Number.isInteger(k) || k < 1 || k > x.n) throw new RangeError(`k must be in 1..${x.n}, got ${k}`);
  const random = seedrandom(`paper-atlas:kmeans:${opts.seed}`);
  return iterate(x, seedCentres(x, k, random), k, opts, variance);
}

/**
 * Lloyd iterations started from a partition instead of a k-means++ draw: the centroids of the
 * rows `assignments` groups (every group 0..k−1 must have a row), then to convergence as `lloyd`.
 * `unit`: spherical k-means for unit-length rows, every centroid scaled to unit length, so each
 * row ends at the centroid most similar to it by cosine. Deterministic: nothing is drawn.
 */
export function lloydFrom(x: PackedRows, assignments: ArrayLike<number>, k: number, opts: Omit<LloydOptions, 'seed'> & { unit?: boolean }): LloydResult {
  if (assignments.length !== x.n) throw new RangeError(`${assignments.length} assignments for ${x.n} rows`);
  const { n, dims, data } = x;
  const centroids = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = assignments[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`row ${i} is in group ${c}, outside 0..${k - 1}`);
    counts[c]!++;
    for (let d = 0; d < dims; d++) centroids[c * dims + d]! += data[i * dims + d]!;
  }
  for (let c = 0; c < k; c++) {
    if (!counts[c]) throw new RangeError(`group ${c} has no rows`);
    const scale = scaleOf(centroids, c * dims, dims, counts[c]!, opts.unit === true);
    for (let d = 0; d < dims; d++) centroids[c * dims + d]! /= scale;
  }
  // The variance only scales a non-zero tolerance: a run to the fixed point skips that pass over the rows.
  return iterate(x, centroids, k, opts, opts.tolerance > 0 ? meanVariance(x) : 0);
}

/** Lloyd iterations from the given centroids (updated in place) to convergence. */
function iterate(x: PackedRows, centroids: Float64Array, k: number, opts: Omit<LloydOptions, 'seed'> & { unit?: boolean }, variance: number): LloydResult {
  const { n, dims } = x;
  const b: Bounds = { labels: new Int32Array(n).fill(-1), upper: new Float64Array(n), lower: new Float64Array(n) };
  for (let i = 0; i < n; i++) assignRow(x, centroids, k, b, i);
  const moved = new Float64Array(k);
  const tol = opts.tolerance * variance;
  let iterations = 0;
  while (iterations < opts.maxIterations) {
    iterations++;
    const shift = update(x, centroids, k, b, moved, opts.unit === true);
    let far = 0;
    for (let c = 1; c < k; c++) if (moved[c]! > moved[far]!) far = c;
    let secondMove = 0;
    for (let c = 0; c < k; c++) if (c !== far && moved[c]! > secondMove) secondMove = moved[c]!;
    const gaps = halfGaps(centroids, k, dims);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const a = b.labels[i]!;
      b.upper[i]! += moved[a]!;
      b.lower[i]! -= a === far ? secondMove : moved[far]!;
      const bound = Math.max(gaps[a]!, b.lower[i]!);
      if (b.upper[i]! <= bound) continue;
      b.upper[i] = Math.sqrt(sq(x.data, i, centroids, a, dims));
      if (b.upper[i]! <= bound) continue;
      if (assignRow(x, centroids, k, b, i)) changed++;
    }
    if (changed === 0 || shift <= tol) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sq(x.data, i, centroids, b.labels[i]!, dims);
  return { assignments: b.labels, centroids, inertia, iterations };
}

/** The lowest-inertia of `restarts` runs, seeds derived from `seed`. */
export function bestLloyd(x: PackedRows, k: number, restarts: number, opts: LloydOptions): LloydResult {
  const variance = meanVariance(x);
  let best: LloydResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const res = lloyd(x, k, { ...opts, seed: opts.seed * 1009 + r }, variance);
    if (!best || res.inertia < best.inertia - 1e-12) best = res;
  }
  return best!;
}
