import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { agreement, GivenThemes, KMeansClusterer, OptionError, StageError } from '../../src/index.js';
import { bestKMeans, candidateKs, chooseK, elbow, silhouette } from '../../src/cluster/kmeans.js';
import { lloyd, lloydFrom, packF64 } from '../../src/cluster/lloyd.js';
import { sqDist } from '../../src/vector.js';
import { blobs } from './synthetic.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

describe('k-means clusterer', () => {
  it('recovers well-separated blobs and picks their number by silhouette', async () => {
    const { points, truth } = blobs(6, 40, 5);
    const seen: number[] = [];
    const c = await new KMeansClusterer().cluster(points, { seed: 1, ids: ids(points.length), onProgress: (d) => seen.push(d) });
    expect(c.k).toBe(6);
    expect(c.selection!.method).toBe('silhouette');
    // Coarse to fine over 4 … 22: every 3rd k, then every k within 2 of the best of those (7).
    expect(c.selection!.scores.map((s) => s.k)).toEqual([4, 5, 6, 7, 8, 9, 10, 13, 16, 19, 22]);
    expect(agreement(truth, c.assignments).nmi).toBeGreaterThan(0.99);
    expect(seen.length).toBe(c.selection!.scores.length);
  });

  it('honours a given k and is deterministic for a seed', async () => {
    const { points } = blobs(4, 30, 3, 'det');
    const a = await new KMeansClusterer({ k: 3 }).cluster(points, { seed: 7, ids: ids(points.length) });
    const b = await new KMeansClusterer({ k: 3 }).cluster(points, { seed: 7, ids: ids(points.length) });
    expect(a.k).toBe(3);
    expect(a.selection).toEqual({ k: 3, method: 'given', scores: [] });
    expect(a.assignments).toEqual(b.assignments);
  });

  it('resolves every option and refuses bad ones with an OptionError', () => {
    expect(new KMeansClusterer({ k: 5 }).options).toEqual({
      algorithm: 'hamerly',
      k: 5,
      kRange: 'auto',
      restarts: 10,
      searchRestarts: 3,
      maxIterations: 300,
      tolerance: 1e-6,
      searchSample: 10000,
      refine: true,
    });
    expect(() => new KMeansClusterer({ refine: 'yes' } as never)).toThrow(/refine/u);
    expect(() => new KMeansClusterer({ k: 0 })).toThrow(OptionError);
    expect(() => new KMeansClusterer({ kRange: [5, 2] })).toThrow(/kRange/u);
    expect(() => new KMeansClusterer({ restarts: 1.5 })).toThrow(/restarts/u);
    expect(() => new KMeansClusterer({ kk: 3 } as never)).toThrow(/no setting "kk"/u);
    expect(() => new KMeansClusterer({ algorithm: 'elkan' } as never)).toThrow(/algorithm/u);
  });

  it('scores structure: silhouette near 1 for blobs, near 0 for a random split', () => {
    const { points, truth } = blobs(3, 30, 2, 'sil');
    const data = points.map((p) => Array.from(p));
    expect(silhouette(data, truth, 3)).toBeGreaterThan(0.8);
    const random = truth.map((t, i) => (t + Math.floor(i / 3)) % 3);
    expect(Math.abs(silhouette(data, random, 3))).toBeLessThan(0.1);
  });

  it('estimates the silhouette against a seeded sample of reference rows, exact when every row is one', () => {
    const { points, truth } = blobs(5, 400, 4, 'sil-ref');
    const exact = silhouette(points, truth, 5, 2000, Infinity);
    expect(silhouette(points, truth, 5)).toBe(exact);
    expect(Math.abs(silhouette(points, truth, 5, 2000, 300) - exact)).toBeLessThan(0.02);
    const split = truth.map((t, i) => (i % 2 ? t : (t + 1) % 5));
    expect(Math.abs(silhouette(points, split, 5, 2000, 300) - silhouette(points, split, 5, 2000, Infinity))).toBeLessThan(0.02);
  });
});

describe('typed-array k-means (Hamerly)', () => {
  const { points } = blobs(12, 80, 6, 'lloyd');
  const x = packF64(points);

  it('ends at a fixed point of Lloyd: every row at its nearest centroid, every centroid the mean of its rows', () => {
    const k = 9; // fewer centroids than blobs: they have to settle between them
    const r = lloyd(x, k, { seed: 3, maxIterations: 300, tolerance: 0 });
    const centroid = (c: number): Float64Array => r.centroids.subarray(c * x.dims, (c + 1) * x.dims);
    let inertia = 0;
    for (let i = 0; i < x.n; i++) {
      const own = sqDist(points[i]!, centroid(r.assignments[i]!));
      for (let c = 0; c < k; c++) expect(own).toBeLessThanOrEqual(sqDist(points[i]!, centroid(c)) + 1e-9);
      inertia += own;
    }
    expect(r.inertia).toBeCloseTo(inertia, 6);
    for (let c = 0; c < k; c++) {
      const members = points.filter((_, i) => r.assignments[i] === c);
      expect(members.length).toBeGreaterThan(0);
      for (let d = 0; d < x.dims; d++) expect(centroid(c)[d]).toBeCloseTo(members.reduce((s, p) => s + p[d]!, 0) / members.length, 9);
    }
  });

  it('is deterministic for a seed, and reaches the inertia of ml-kmeans', () => {
    const opts = { restarts: 5, maxIterations: 300, tolerance: 1e-6 };
    const a = bestKMeans(points, 12, 7, opts);
    expect(bestKMeans(x, 12, 7, opts)).toEqual(a);
    const ml = bestKMeans(points, 12, 7, { ...opts, algorithm: 'ml-kmeans' });
    expect(a.inertia).toBeLessThanOrEqual(ml.inertia * 1.01);
    expect(agreement(a.assignments, ml.assignments).nmi).toBeGreaterThan(0.99);
  });

  it('gives every centroid rows when k approaches the number of distinct rows', () => {
    const dup = packF64([...points.slice(0, 5), ...points.slice(0, 5), ...points.slice(0, 5)]);
    const r = lloyd(dup, 5, { seed: 1, maxIterations: 50, tolerance: 0 });
    expect(new Set(r.assignments).size).toBe(5);
    expect(r.inertia).toBeCloseTo(0, 9);
    expect(() => lloyd(dup, 16, { seed: 1, maxIterations: 5, tolerance: 0 })).toThrow(RangeError);
  });
});

describe('themes settled in the embedding space (refine)', () => {
  // Embeddings (unit length) in four clean blobs; the reduced points (what k-means first sees) blur their borders.
  const { points, truth } = blobs(4, 60, 8, 'refine');
  const clean = points.map((p) => p.map((x) => x / Math.hypot(...p)));
  const vectors = clean.map((p) => Float32Array.from(p));
  const rng = seedrandom('refine-noise');
  const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const reduced = truth.map((t) => Float64Array.from([(t % 2 ? 2 : -2) + 1.6 * gauss(), (t < 2 ? 2 : -2) + 1.6 * gauss()]));
  const run = (refine: boolean) => new KMeansClusterer({ k: 4, refine }).cluster(reduced, { seed: 3, ids: ids(reduced.length), vectors });

  it('ends with every paper in the theme whose embedding centroid is most similar (cosine), and recovers what the reduced space blurred', async () => {
    const blurred = await run(false);
    const settled = await run(true);
    expect(agreement(truth, blurred.assignments).nmi).toBeLessThan(0.9);
    expect(agreement(truth, settled.assignments).nmi).toBeGreaterThan(0.99);
    const directions = Array.from({ length: 4 }, (_, c) => {
      const rows = clean.filter((_, i) => settled.assignments[i] === c);
      const sum = Float64Array.from({ length: 8 }, (_, d) => rows.reduce((s, r) => s + r[d]!, 0));
      return sum.map((x) => x / Math.hypot(...sum));
    });
    const cos = (a: Float64Array, b: Float64Array): number => a.reduce((s, x, d) => s + x * b[d]!, 0);
    clean.forEach((p, i) => {
      const own = cos(p, directions[settled.assignments[i]!]!);
      for (const c of directions) expect(own).toBeGreaterThanOrEqual(cos(p, c) - 1e-9);
    });
    expect(await run(true)).toEqual(settled);
  });

  it('leaves the reduced-space themes as they are without embeddings, and starts Lloyd from a partition', async () => {
    const without = await new KMeansClusterer({ k: 4 }).cluster(reduced, { seed: 3, ids: ids(reduced.length) });
    expect(without.assignments).toEqual((await run(false)).assignments);
    const x = packF64(clean);
    expect(Array.from(lloydFrom(x, truth, 4, { maxIterations: 100, tolerance: 0 }).assignments)).toEqual(truth);
    const sphere = lloydFrom(x, truth, 4, { maxIterations: 100, tolerance: 0, unit: true });
    expect(Array.from(sphere.assignments)).toEqual(truth);
    for (let c = 0; c < 4; c++) expect(Math.hypot(...sphere.centroids.subarray(c * 8, (c + 1) * 8))).toBeCloseTo(1, 12);
    expect(() =>
      lloydFrom(
        x,
        truth.map((t) => (t === 3 ? 0 : t)),
        4,
        { maxIterations: 5, tolerance: 0 },
      ),
    ).toThrow(/group 3 has no rows/u);
    expect(() => lloydFrom(x, truth.slice(1), 4, { maxIterations: 5, tolerance: 0 })).toThrow(RangeError);
  });
});

describe('given themes', () => {
  it("uses the caller's themes and names", async () => {
    const given = new GivenThemes({ a: 'x', b: 'y', c: 'x' });
    const c = await given.cluster([], { seed: 0, ids: ['a', 'b', 'c'] });
    expect(c).toMatchObject({ k: 2, assignments: [0, 1, 0], names: ['x', 'y'] });
    expect(new GivenThemes(new Map([['a', 'x']])).options).toEqual({ themes: { a: 'x' } });
  });

  it('names the papers that have no theme', async () => {
    const err = await new GivenThemes({ a: 'x' }).cluster([], { seed: 0, ids: ['a', 'b'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect((err as Error).message).toMatch(/1 paper\(s\) have no given theme: "b"/u);
    expect(() => new GivenThemes({ a: '' })).toThrow(OptionError);
  });
});

describe('k at the edge of the range', () => {
  it('falls back to the elbow of inertia when the silhouette peaks at an end of the range', async () => {
    // 16 separate blobs searched over k = 4 … 10: the silhouette only rises, up to the edge.
    const { points } = blobs(16, 20, 8, 'edge');
    const c = await new KMeansClusterer({ kRange: [4, 10], restarts: 2, searchRestarts: 1 }).cluster(points, { seed: 1, ids: points.map((_, i) => String(i)) });
    const sil = c.selection!.scores.map((s) => s.silhouette);
    expect(sil.indexOf(Math.max(...sil))).toBe(sil.length - 1);
    expect(c.selection!.method).toMatch(/^elbow/u);
    expect(c.k).toBeGreaterThan(4);
    expect(c.k).toBeLessThan(10);
  });

  it('takes the largest k whose silhouette is within 5% of the best, never an end of the range', () => {
    const s = (k: number, silhouette: number) => ({ k, silhouette, inertia: 100 / k });
    // Flat near the peak: 12 is best, 19 within 5% of it, 20 (the end of the range) ignored.
    expect(chooseK([s(4, 0.31), s(8, 0.39), s(12, 0.4), s(16, 0.37), s(19, 0.396), s(20, 0.399)], 4, 20)).toEqual({ k: 19, method: 'silhouette' });
    // A sharp peak stays where it is.
    expect(chooseK([s(4, 0.5), s(6, 0.9), s(8, 0.6), s(10, 0.55)], 4, 10).k).toBe(6);
    // Only an end is near the best: the elbow of inertia decides.
    expect(chooseK([s(4, 0.8), s(6, 0.5), s(8, 0.45), s(10, 0.4)], 4, 10).method).toMatch(/^elbow/u);
  });

  it('plans about eight coarse candidates, ends included', () => {
    expect(candidateKs(4, 30)).toEqual({ coarse: [4, 8, 12, 16, 20, 24, 28, 30], step: 4 });
    expect(candidateKs(2, 5)).toEqual({ coarse: [2, 3, 4, 5], step: 1 });
  });

  it('finds the knee of a curve, never an end', () => {
    const curve = [4, 5, 6, 7, 8, 9, 10].map((k) => ({ k, inertia: k <= 6 ? 100 - 30 * (k - 4) : 40 - 2 * (k - 6) }));
    expect(elbow(curve)).toBe(6);
    expect(
      elbow([
        { k: 2, inertia: 3 },
        { k: 3, inertia: 2 },
        { k: 4, inertia: 1 },
      ]),
    ).toBe(3);
  });
});
