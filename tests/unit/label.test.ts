import { describe, expect, it } from 'vitest';
import {
  AcronymStep,
  ChainLabeller,
  Corpus,
  CTfidfStep,
  DefaultLabeller,
  OptionError,
  PhraseLabelStep,
  UniqueLabelStep,
  type LabelDraft,
  type LabelInput,
  type LabelStep,
} from '../../src/index.js';
import { phrases } from '../../src/corpus/terms.js';
import { acronymDefinitions } from '../../src/label/acronyms.js';
import { groupCentroids } from '../../src/vector.js';
import { FakeEmbedder, syntheticCorpus, TOPICS } from './synthetic.js';

async function input() {
  const { corpus, truth } = syntheticCorpus(16);
  const names = Object.keys(TOPICS);
  const assignments = corpus.papers.map((p) => names.indexOf(truth.get(p.id)!));
  const embedder = new FakeEmbedder();
  const texts = corpus.papers.map(Corpus.textOf);
  const vectors = await embedder.embed(texts);
  return { names, texts, assignments, k: names.length, centroids: groupCentroids(vectors, assignments, names.length), embedder };
}

describe('default labeller', () => {
  it('names each synthetic topic after its own phrase, with unique labels and clean keywords', async () => {
    const inp = await input();
    const labels = await new DefaultLabeller().label(inp, { seed: 0 });
    expect(labels).toHaveLength(inp.k);
    labels.forEach((l, t) => {
      expect([l.label, ...l.keywords.slice(0, 3)]).toContain(inp.names[t]);
      expect(l.keywords.length).toBeGreaterThanOrEqual(5);
      for (const k of l.keywords) expect(k).not.toMatch(/^(we|the|and|our|method)\b/u);
    });
    expect(new Set(labels.map((l) => l.label)).size).toBe(inp.k);
  });

  it('labels each theme with a phrase most of its papers use', async () => {
    const inp = await input();
    const labels = await new DefaultLabeller().label(inp, { seed: 0 });
    labels.forEach((l, t) => {
      const members = inp.texts.filter((_, i) => inp.assignments[i] === t);
      // A two-part label ("a / b") covers a paper using either part.
      const parts = l.label.split(' / ');
      const coverage = members.filter((text) => parts.some((p) => phrases(text).includes(p))).length / members.length;
      expect(coverage).toBeGreaterThanOrEqual(0.5);
    });
  });

  it('records its resolved options and refuses bad ones', () => {
    expect(new DefaultLabeller({ keywords: 5 }).options).toEqual({ keywords: 5, candidates: 30, diversity: 0.4, maxNgram: 3 });
    expect(() => new DefaultLabeller({ diversity: 2 })).toThrow(OptionError);
    expect(() => new DefaultLabeller({ keywords: 0 })).toThrow(/keywords/u);
    expect(() => new DefaultLabeller({ typo: 1 } as never)).toThrow(/no setting "typo"/u);
  });
});

describe('label chain', () => {
  it('runs custom steps in order and takes labels from the last', async () => {
    const inp = await input();
    const shout: LabelStep = {
      id: 'shout',
      options: {},
      apply: (draft) => ({ ...draft, labels: draft.labels.map((l) => l.toUpperCase()) }),
    };
    const keywordsFromCandidates: LabelStep = {
      id: 'top-candidates',
      options: {},
      apply: (draft) => ({ ...draft, keywords: draft.candidates.map((c) => c.slice(0, 5).map(([p]) => p)) }),
    };
    const chain = new ChainLabeller([new CTfidfStep({ maxNgram: 2, candidates: 10 }), keywordsFromCandidates, new AcronymStep(), new UniqueLabelStep(), shout]);
    const labels = await chain.label(inp, { seed: 0 });
    for (const l of labels) expect(l.label).toBe(l.label.toUpperCase());
    expect(chain.options).toEqual({
      steps: [
        { id: 'ctfidf', options: { maxNgram: 2, candidates: 10 } },
        { id: 'top-candidates', options: {} },
        { id: 'acronyms', options: {} },
        { id: 'unique-labels', options: {} },
        { id: 'shout', options: {} },
      ],
    });
    expect(() => new ChainLabeller([])).toThrow(OptionError);
  });

  it('expands acronyms from their definitions in the texts', () => {
    const defs = acronymDefinitions([
      'We use sharpness-aware minimization (SAM) and low-rank adaptation (LoRA).',
      'More on sharpness-aware minimization (SAM).',
    ]);
    expect(defs.get('sam')).toBe('sharpness-aware minimization');
  });
});

describe('label steps', () => {
  const draft = (keywords: string[][], candidates: [string, number][][] = keywords.map(() => [])): LabelDraft => ({
    keywords,
    candidates,
    labels: keywords.map(() => ''),
  });

  const inputOf = (texts: string[], assignments: number[], k: number): LabelInput => ({ texts, assignments, k, centroids: [], embedder: undefined as never });

  it('grows fragments into the phrase they belong to, drops corpus-wide and repeated keywords', () => {
    const theme0 = Array.from(
      { length: 10 },
      (_, i) =>
        `Large language models for retrieval ${i}. We study regularization and regularized retrieval with large language models. Dense retrieval by training deep neural networks.`,
    );
    const theme1 = Array.from({ length: 10 }, (_, i) => `Optimal transport ${i} with Sinkhorn iterations. Regularization of transport plans.`);
    const texts = [...theme0, ...theme1];
    const assignments = texts.map((_, i) => (i < 10 ? 0 : 1));
    const kws = [
      ['large language', 'regularization', 'dense retrieval', 'retrieval', 'regularized', 'training deep neural'],
      ['optimal transport', 'sinkhorn iterations', 'regularization'],
    ];
    const out = new PhraseLabelStep({ maxNgram: 3 }).apply(draft(kws), inputOf(texts, assignments, 2));
    // "large language" is always followed by "models"; "training deep neural" could only grow past three words.
    expect(out.keywords[0]).toContain('large language models');
    expect(out.keywords[0]).not.toContain('large language');
    expect(out.keywords[0]).not.toContain('training deep neural');
    // "regularization" is in every paper of both themes: it says nothing about either.
    expect(out.keywords[0]).not.toContain('regularization');
    expect(out.keywords[0]).not.toContain('regularized');
    expect(out.keywords[1]).toEqual(expect.arrayContaining(['optimal transport', 'sinkhorn iterations']));
  });

  it('labels a theme with the phrase most of its papers use and others do not, never a modifier', () => {
    // Every paper of theme 0 says "convex", always as a modifier; three in four say "proximal gradient".
    const theme0 = Array.from({ length: 12 }, (_, i) =>
      i % 4 === 3 ? `Convex problems ${i} and duality.` : `Convex objectives ${i} solved by proximal gradient methods. Convex sets.`,
    );
    const theme1 = Array.from({ length: 12 }, (_, i) => `Wasserstein barycenters ${i}. Optimal transport with Sinkhorn iterations and convex costs.`);
    const texts = [...theme0, ...theme1];
    const assignments = texts.map((_, i) => (i < 12 ? 0 : 1));
    const kws = [
      ['convex', 'proximal gradient', 'duality'],
      ['sinkhorn iterations', 'optimal transport', 'wasserstein barycenters'],
    ];
    const candidates: [string, number][][] = kws.map((k) => k.map((p) => [p, 1] as [string, number]));
    const out = new PhraseLabelStep({ maxNgram: 3 }).apply(draft(kws, candidates), inputOf(texts, assignments, 2));
    expect(out.labels[0]).toMatch(/^proximal gradient/u);
    expect(out.labels[1]).toBe('optimal transport');
    expect(new PhraseLabelStep().options).toEqual({ maxNgram: 3 });
    expect(() => new PhraseLabelStep({ maxNgram: 0 })).toThrow(OptionError);
  });

  /** Theme 1's filler: papers about something else, so that theme 0's terms are rare in the corpus. */
  const others = Array.from({ length: 20 }, (_, i) => `Graph neural networks ${i} for molecules. Stochastic message passing and the optimization of graphs.`);

  it('prefers the term whose key word the theme writes in several forms over one made of words every theme uses', () => {
    // Theme 0: eight papers on "stochastic optimization" (every paper of the corpus says "stochastic" and "optimization"); three write
    // "bilevel optimization", the others "bi-level problem" or "bilevel problem".
    const theme0 = Array.from({ length: 8 }, (_, i) =>
      i < 3
        ? `Bilevel optimization ${i} by stochastic optimization of the lower-level problem.`
        : `A ${i < 6 ? 'bi-level' : 'bilevel'} problem ${i} solved by stochastic optimization on the upper level.`,
    );
    const texts = [...theme0, ...others];
    const assignments = texts.map((_, i) => (i < 8 ? 0 : 1));
    const kws = [
      ['stochastic optimization', 'bilevel optimization', 'lower-level'],
      ['graph neural networks', 'molecules'],
    ];
    const candidates: [string, number][][] = kws.map((k) => k.map((p) => [p, 1] as [string, number]));
    const out = new PhraseLabelStep({ maxNgram: 3 }).apply(draft(kws, candidates), inputOf(texts, assignments, 2));
    expect(out.labels[0]).toMatch(/^bilevel optimization(?: \/ lower-level problem)?$/u);
  });

  it('counts a paper writing the acronym as using the term it stands for', () => {
    // Two papers define DPO and four only write it: "direct preference optimization" reaches all six, "reward models" three.
    const theme0 = Array.from({ length: 6 }, (_, i) =>
      i < 2 ? `Direct preference optimization (DPO) ${i} aligns language models.` : `We extend DPO ${i}${i % 2 ? ' with reward models' : ''}.`,
    );
    const texts = [...theme0, `Reward models for ranking. Reward models again.`, ...others];
    const assignments = texts.map((_, i) => (i < 6 ? 0 : 1));
    const kws = [
      ['reward models', 'direct preference optimization'],
      ['graph neural networks', 'molecules'],
    ];
    const candidates: [string, number][][] = kws.map((k) => k.map((p) => [p, 1] as [string, number]));
    const out = new PhraseLabelStep({ maxNgram: 3 }).apply(draft(kws, candidates), inputOf(texts, assignments, 2));
    expect(out.labels[0]).toBe('direct preference optimization');
  });

  it('joins two terms only when the same papers use both, never two groups side by side', () => {
    // Theme 0 is two groups: soil papers and sediment papers; theme 1's papers say "inverse problems" and "image denoising" together.
    const theme0 = Array.from({ length: 10 }, (_, i) => (i < 6 ? `Soil ${i} contamination by heavy metals.` : `Sediment ${i} cores from estuaries.`));
    const theme1 = Array.from({ length: 10 }, (_, i) =>
      i < 4 ? `Inverse problems ${i} in image denoising with learned priors.` : `Learned priors ${i} for reconstruction.`,
    );
    const texts = [...theme0, ...theme1, ...others];
    const assignments = texts.map((_, i) => (i < 10 ? 0 : i < 20 ? 1 : 2));
    const kws = [['soil', 'sediment'], ['inverse problems', 'image denoising', 'learned priors'], ['graph neural networks']];
    const candidates: [string, number][][] = kws.map((k) => k.map((p) => [p, 1] as [string, number]));
    const out = new PhraseLabelStep({ maxNgram: 3 }).apply(draft(kws, candidates), inputOf(texts, assignments, 3));
    // Named after the larger group (six soil papers); the four sediment papers are the theme's other part.
    expect(out.labels[0]).toMatch(/^soil(?: contamination)?$/u);
    expect(out.labels[1]).toMatch(/^(inverse problems \/ image denoising|image denoising \/ inverse problems|learned priors)$/u);
  });
});
