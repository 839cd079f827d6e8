import { beforeAll, describe, expect, it } from 'vitest';
import { Atlas, agreement } from '../src/index.js';
import { acronymDefinitions } from '../src/label/acronyms.js';
import check from '../fixtures/checkset/regularized-optimization.themes.json';
import { buildBundled } from './support/helpers.js';

let atlas: Atlas;

beforeAll(async () => {
  atlas = await buildBundled();
});

/** NMI/ARI of the atlas's themes against the hand-labelled check set. */
function scoreAgainstCheckSet(a: Atlas): { nmi: number; ari: number; items: number } {
  const truth: string[] = [];
  const predicted: number[] = [];
  for (const [name, ids] of Object.entries(check.themes)) {
    for (const id of ids) {
      truth.push(name);
      predicted.push(a.themeOf(id).id);
    }
  }
  return agreement(truth, predicted);
}

describe('themes on the bundled corpus', () => {
  it('chooses k automatically: the largest k within 5% of the best silhouette, inside the range', () => {
    const sel = atlas.kSelection;
    expect(sel.method).toBe('silhouette');
    expect(sel.scores.length).toBeGreaterThan(5);
    const best = Math.max(...sel.scores.map((s) => s.silhouette));
    expect(sel.scores.find((s) => s.k === sel.k)!.silhouette).toBeGreaterThanOrEqual(0.95 * best);
    const ks = sel.scores.map((s) => s.k);
    expect(sel.k).toBeGreaterThan(Math.min(...ks));
    expect(sel.k).toBeLessThan(Math.max(...ks));
    expect(sel.scores.filter((s) => s.k > sel.k && s.k < Math.max(...ks) && s.silhouette >= 0.95 * best)).toEqual([]);
    expect(atlas.themes).toHaveLength(sel.k);
  });

  it('assigns every paper to exactly one theme, largest theme first', () => {
    const all = atlas.themes.flatMap((t) => t.paperIds);
    expect(all).toHaveLength(194);
    expect(new Set(all).size).toBe(194);
    for (let i = 1; i < atlas.themes.length; i++) expect(atlas.themes[i - 1]!.size).toBeGreaterThanOrEqual(atlas.themes[i]!.size);
    for (const t of atlas.themes) {
      expect(t.size).toBe(t.paperIds.length);
      expect(t.representative.length).toBeGreaterThan(0);
      expect(t.representative.every((id) => t.paperIds.includes(id))).toBe(true);
      expect(atlas.themeOf(t.paperIds[0]!).id).toBe(t.id);
    }
  });

  it('puts every paper in the theme whose centroid is most similar to it, the rule add() places new papers by', () => {
    const centroids = new Map(
      atlas.themes.map((t) => {
        const sum = new Float64Array(atlas.vectorOf(t.paperIds[0]!).length);
        for (const id of t.paperIds) atlas.vectorOf(id).forEach((x, d) => (sum[d]! += x));
        return [t.id, sum];
      }),
    );
    const cos = (v: Float32Array, c: Float64Array): number => v.reduce((s, x, d) => s + x * c[d]!, 0) / Math.hypot(...c);
    for (const p of atlas.papers) {
      const v = atlas.vectorOf(p.id);
      const own = cos(v, centroids.get(atlas.themeOf(p.id).id)!);
      for (const c of centroids.values()) expect(own).toBeGreaterThanOrEqual(cos(v, c) - 1e-6);
    }
  });

  it('agrees with the hand-labelled check set (NMI ≥ 0.7, ARI ≥ 0.45)', () => {
    const score = scoreAgainstCheckSet(atlas);
    expect(score.items).toBeGreaterThanOrEqual(60);
    expect(score.nmi).toBeGreaterThanOrEqual(0.7);
    expect(score.ari).toBeGreaterThanOrEqual(0.45);
  });

  it('names the themes a researcher expects to find', () => {
    const named = (re: RegExp): boolean => atlas.themes.some((t) => re.test([t.label, ...t.keywords.slice(0, 6)].join(' | ')));
    expect(named(/preference optimization|rlhf|dpo/u)).toBe(true);
    expect(named(/bilevel/u)).toBe(true);
    expect(named(/hyperparameter/u)).toBe(true);
    expect(named(/optimal transport/u)).toBe(true);
    expect(named(/sharpness|\bsam\b/u)).toBe(true);
    expect(named(/second-order|hessian|newton/u)).toBe(true);
    expect(named(/bayesian optimization/u)).toBe(true);
    // The label itself, not just a keyword, for the clearest ones.
    const labels = atlas.themes.map((t) => t.label);
    expect(labels.some((l) => l.split(' / ').some((p) => /preference optimization$/u.test(p)))).toBe(true);
    expect(labels).toContain('optimal transport');
    expect(labels).toContain('bayesian optimization');
    // "SAM" in the abstracts is expanded from its definition, "sharpness-aware minimization (SAM)".
    expect(atlas.themes.some((t) => t.keywords.includes('sharpness-aware minimization'))).toBe(true);
    expect(atlas.themes.some((t) => [t.label, ...t.keywords].includes('sam'))).toBe(false);
  });

  it('names each theme with a term its papers use and the others mostly do not; "a / b" only for one group of papers', async () => {
    const { Corpus } = await import('../src/index.js');
    const { phrases } = await import('../src/corpus/terms.js');
    const texts = new Map(atlas.papers.map((p) => [p.id, new Set(phrases(Corpus.textOf(p)))]));
    // A paper writing "DPO" uses "direct preference optimization" when the corpus defines the acronym.
    const acronyms = acronymDefinitions(atlas.papers.map((p) => Corpus.textOf(p)));
    const usesPhrase = (id: string, p: string): boolean =>
      texts.get(id)!.has(p) || [...acronyms].some(([short, long]) => long === p && texts.get(id)!.has(short));
    let covered = 0;
    for (const t of atlas.themes) {
      const parts = t.label.split(' / ');
      const uses = (id: string): boolean => parts.some((p) => usesPhrase(id, p));
      const c = t.paperIds.filter(uses).length / t.size;
      expect(c, t.label).toBeGreaterThanOrEqual(0.15);
      covered += c * t.size;
      const others = atlas.papers.filter((p) => !t.paperIds.includes(p.id));
      expect(others.filter((p) => uses(p.id)).length / others.length, t.label).toBeLessThan(0.15);
      if (parts.length === 2) {
        // Both parts name the same papers: most of the papers using the rarer one use the other.
        const [a, b] = parts.map((p) => t.paperIds.filter((id) => usesPhrase(id, p)));
        const both = a!.filter((id) => b!.includes(id)).length;
        expect(both, t.label).toBeGreaterThanOrEqual((2 / 3) * Math.min(a!.length, b!.length));
      }
      // No label is a single word that every fourth paper of the corpus uses.
      if (!t.label.includes(' ')) expect(atlas.papers.filter((p) => uses(p.id)).length / 194, t.label).toBeLessThanOrEqual(0.25);
    }
    expect(covered / 194).toBeGreaterThanOrEqual(0.35);
  });

  it('names preference optimization, bilevel optimization and optimal transport with the default options, seeds 1-5', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const other = await buildBundled({ seed });
      const labels = other.themes.map((t) => t.label).join(' | ');
      expect(labels, `seed ${seed}`).toMatch(/preference optimization/u);
      expect(labels, `seed ${seed}`).toMatch(/bilevel/u);
      expect(labels, `seed ${seed}`).toMatch(/optimal transport/u);
      await other.dispose();
    }
  });

  it('expands acronyms from their definitions in the abstracts', () => {
    const defs = acronymDefinitions([
      'We revisit sharpness-aware minimization (SAM) and Direct Preference Optimization (DPO).',
      'Optimal transport (OT) is studied; see also optimal transport (OT).',
    ]);
    expect(Object.fromEntries(defs)).toEqual({ sam: 'sharpness-aware minimization', dpo: 'direct preference optimization', ot: 'optimal transport' });
  });

  it('gives unique labels with keywords free of TeX, numbers and stop words', () => {
    const labels = atlas.themes.map((t) => t.label);
    expect(new Set(labels).size).toBe(labels.length);
    for (const t of atlas.themes) {
      expect(t.keywords.length).toBeGreaterThanOrEqual(5);
      for (const k of t.keywords) {
        expect(k).not.toMatch(/[$\\^_{}]|\b\d+\b/u);
        expect(k).not.toMatch(/^(the|we|of|and|propose|method|paper|sigma)\b/u);
      }
    }
  });

  it('is reproducible: same seed, same themes, labels and coordinates', async () => {
    const again = await buildBundled();
    expect(again.themes).toEqual(atlas.themes);
    expect((await again.map()).points).toEqual((await atlas.map()).points);
  });

  it('honours a given k and re-clusters one theme into sub-themes', async () => {
    const eight = await buildBundled({ clusterer: { k: 8 } });
    expect(eight.themes).toHaveLength(8);
    expect(eight.kSelection.method).toBe('given');
    const big = eight.themes[0]!;
    const subs = await eight.subthemes(big.id, { k: 3 });
    expect(subs).toHaveLength(3);
    expect(subs.flatMap((s) => s.paperIds).sort()).toEqual([...big.paperIds].sort());
  });

  it('refit recomputes with new options', async () => {
    const a = await buildBundled({ clusterer: { k: 6 } });
    await a.refit({ clusterer: { k: 5 } });
    expect(a.themes).toHaveLength(5);
    expect(a.themes.flatMap((t) => t.paperIds)).toHaveLength(194);
  });
});
