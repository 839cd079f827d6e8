import { describe, expect, it } from 'vitest';
import { AcronymStep, ChainLabeller, Corpus, CTfidfStep, DefaultLabeller, OptionError, UniqueLabelStep, type LabelStep } from '../../src/index.js';
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
    expect(chain.options).toEqual({ steps: [{ id: 'ctfidf', options: { maxNgram: 2, candidates: 10 } }, { id: 'top-candidates', options: {} }, { id: 'acronyms', options: {} }, { id: 'unique-labels', options: {} }, { id: 'shout', options: {} }] });
    expect(() => new ChainLabeller([])).toThrow(OptionError);
  });

  it('expands acronyms from their definitions in the texts', () => {
    const defs = acronymDefinitions(['We use sharpness-aware minimization (SAM) and low-rank adaptation (LoRA).', 'More on sharpness-aware minimization (SAM).']);
    expect(defs.get('sam')).toBe('sharpness-aware minimization');
  });
});
