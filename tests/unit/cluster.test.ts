import { describe, expect, it } from 'vitest';
import { agreement, GivenThemes, KMeansClusterer, OptionError, StageError } from '../../src/index.js';
import { silhouette } from '../../src/cluster/kmeans.js';
import { blobs } from './synthetic.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

describe('k-means clusterer', () => {
  it('recovers well-separated blobs and picks their number by silhouette', async () => {
    const { points, truth } = blobs(6, 40, 5);
    const seen: number[] = [];
    const c = await new KMeansClusterer().cluster(points, { seed: 1, ids: ids(points.length), onProgress: (d) => seen.push(d) });
    expect(c.k).toBe(6);
    expect(c.selection!.method).toBe('silhouette');
    expect(c.selection!.scores.map((s) => s.k)).toEqual(Array.from({ length: c.selection!.scores.length }, (_, i) => i + 4));
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
    expect(new KMeansClusterer({ k: 5 }).options).toEqual({ k: 5, kRange: 'auto', restarts: 10, searchRestarts: 3, maxIterations: 300, tolerance: 1e-6, searchSample: 4000 });
    expect(() => new KMeansClusterer({ k: 0 })).toThrow(OptionError);
    expect(() => new KMeansClusterer({ kRange: [5, 2] })).toThrow(/kRange/u);
    expect(() => new KMeansClusterer({ restarts: 1.5 })).toThrow(/restarts/u);
    expect(() => new KMeansClusterer({ kk: 3 } as never)).toThrow(/no setting "kk"/u);
  });

  it('scores structure: silhouette near 1 for blobs, near 0 for a random split', () => {
    const { points, truth } = blobs(3, 30, 2, 'sil');
    const data = points.map((p) => Array.from(p));
    expect(silhouette(data, truth, 3)).toBeGreaterThan(0.8);
    const random = truth.map((t, i) => (t + Math.floor(i / 3)) % 3);
    expect(Math.abs(silhouette(data, random, 3))).toBeLessThan(0.1);
  });
});

describe('given themes', () => {
  it('uses the caller\'s themes and names', async () => {
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
