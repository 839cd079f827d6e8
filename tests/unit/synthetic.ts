import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll } from 'vitest';
import { Corpus, type Embedder, type EmbedOptions } from '../../src/index.js';
import { normalizeInPlace } from '../../src/vector.js';

/**
 * A deterministic stand-in for the transformer: every word gets a fixed random direction (seeded
 * by the word), a text is the normalised sum of its words' directions. Texts that share words are
 * close, as with a real model; it costs microseconds and needs no model files.
 */
export class FakeEmbedder implements Embedder {
  readonly id: string;
  calls = 0;
  private readonly cache = new Map<string, Float32Array>();

  constructor(readonly dims = 96) {
    this.id = `fake-bow@${dims}`;
  }

  private wordVector(word: string): Float32Array {
    let v = this.cache.get(word);
    if (!v) {
      const rng = seedrandom(`word:${word}`);
      v = Float32Array.from({ length: this.dims }, () => rng() * 2 - 1);
      this.cache.set(word, v);
    }
    return v;
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((t, i) => {
      opts.signal?.throwIfAborted();
      const out = new Float32Array(this.dims);
      for (const w of t.toLowerCase().match(/[\p{L}][\p{L}-]*/gu) ?? []) {
        const v = this.wordVector(w);
        for (let d = 0; d < this.dims; d++) out[d]! += v[d]!;
      }
      opts.onProgress?.({ done: i + 1, total: texts.length, papersPerSecond: 0 });
      return normalizeInPlace(out);
    });
  }
}

/** Topics with their own vocabulary; the first phrase is what a reader would call the topic. */
export const TOPICS: Record<string, string[]> = {
  'optimal transport': [
    'optimal transport',
    'sinkhorn iterations',
    'wasserstein distance',
    'entropic regularization',
    'transport plan',
    'coupling',
    'marginals',
  ],
  'bilevel optimization': ['bilevel optimization', 'hypergradient', 'lower-level problem', 'upper-level objective', 'implicit differentiation', 'inner solver'],
  'preference optimization': [
    'preference optimization',
    'reward model',
    'human feedback',
    'policy alignment',
    'pairwise preferences',
    'language model alignment',
  ],
  'federated learning': ['federated learning', 'client devices', 'communication rounds', 'server aggregation', 'heterogeneous clients', 'local updates'],
  'graph neural networks': [
    'graph neural networks',
    'message passing',
    'node classification',
    'graph convolution',
    'neighbourhood aggregation',
    'oversmoothing',
  ],
};

const GENERIC = [
  'we',
  'study',
  'the',
  'problem',
  'and',
  'show',
  'that',
  'our',
  'method',
  'improves',
  'results',
  'on',
  'benchmarks',
  'with',
  'theory',
  'experiments',
];

/** `perTopic` papers per topic, interleaved, each with a title and a 30-word abstract. Seeded. */
export function syntheticCorpus(perTopic = 24, seed = 'corpus'): { corpus: Corpus; truth: Map<string, string> } {
  const rng = seedrandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const records: { id: string; title: string; abstract: string; year: number }[] = [];
  const truth = new Map<string, string>();
  for (let i = 0; i < perTopic; i++) {
    for (const [topic, vocab] of Object.entries(TOPICS)) {
      const id = `${topic.replace(/\s+/gu, '-')}-${i}`;
      const words: string[] = [topic];
      while (words.length < 14) words.push(rng() < 0.6 ? pick(vocab) : pick(GENERIC));
      records.push({
        id,
        title: `${pick(vocab)} ${pick(vocab)} ${i}`.replace(/^\w/u, (c) => c.toUpperCase()),
        abstract: `${words.join(' ')}.`,
        year: 2015 + (i % 10),
      });
      truth.set(id, topic);
    }
  }
  return { corpus: Corpus.from(records, { source: `synthetic:${seed}` }), truth };
}

/** Gaussian blobs: `k` centres in `dims` dimensions (on the axes, 25 apart or more), `per` unit-variance points each. */
export function blobs(k: number, per: number, dims: number, seed = 'blobs'): { points: Float64Array[]; truth: number[] } {
  const rng = seedrandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const centres = Array.from({ length: k }, (_, t) => Float64Array.from({ length: dims }, (_, d) => (d === t % dims ? (t < dims ? 25 : -25) : 0)));
  const points: Float64Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < per; i++) {
    centres.forEach((c, t) => {
      points.push(Float64Array.from(c, (x) => x + gauss()));
      truth.push(t);
    });
  }
  return { points, truth };
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

const dirs: string[] = [];
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'paper-atlas-unit-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
