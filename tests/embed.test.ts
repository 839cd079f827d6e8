import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Atlas,
  CachedEmbedder,
  Corpus,
  EmbeddingCache,
  LexicalEmbedder,
  ModelError,
  TransformersEmbedder,
  loadBundledCorpus,
  resolveModel,
} from '../src/index.js';
import { dot } from '../src/vector.js';
import reference from '../fixtures/reference/minilm-reference.json';
import { tempDir } from './support/helpers.js';

let model: TransformersEmbedder;
let corpus: Corpus;

beforeAll(async () => {
  // The real all-MiniLM-L6-v2, as installed by `npm run fetch-model` (CI runs it first).
  model = await TransformersEmbedder.create({ offline: true });
  corpus = await loadBundledCorpus();
});

const norm = (v: Float32Array): number => Math.sqrt(dot(v, v));

describe('TransformersEmbedder on the real model', () => {
  it('is all-MiniLM-L6-v2 with 384 dimensions, found in the local cache', () => {
    expect(model.id).toMatch(/^Xenova\/all-MiniLM-L6-v2@[0-9a-f]{12}\+mean\+chunk256$/u);
    expect(model.dims).toBe(384);
    expect(model.resolution.source).toMatch(/cache|directory|package/u);
  });

  it('matches Python onnxruntime + tokenizers within 1e-4 cosine on the reference papers', async () => {
    expect(reference.rows.length).toBeGreaterThanOrEqual(20);
    const truncating = await TransformersEmbedder.create({ offline: true, long: 'truncate' });
    for (const row of reference.rows) {
      const text = Corpus.textOf(corpus.get(row.id)!);
      const [v] = await (row.mode === 'truncate' ? truncating : model).embed([text]);
      const cos = dot(v!, Float32Array.from(row.vector));
      expect(1 - cos, row.id).toBeLessThan(1e-4);
    }
  });

  it('returns unit vectors, and a text alone equals the same text in a batch', async () => {
    const texts = corpus.papers.slice(0, 6).map(Corpus.textOf);
    const batch = await model.embed(texts);
    const [alone] = await model.embed([texts[3]!]);
    for (const v of batch) expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
    for (let i = 0; i < 384; i++) expect(Math.abs(alone![i]! - batch[3]![i]!)).toBeLessThan(1e-5);
  });

  it('puts DPO closer to RLHF than to optimal transport', async () => {
    const [dpo, rlhf, ot] = await model.embed([
      'Direct preference optimization for aligning language models',
      'RLHF with a reward model aligns LLMs to human preferences',
      'Sinkhorn algorithm for entropic optimal transport',
    ]);
    expect(dot(dpo!, rlhf!)).toBeGreaterThan(dot(dpo!, ot!) + 0.1);
  });

  it('chunks long abstracts on sentences instead of truncating them', async () => {
    const long = corpus.papers.find((p) => model.countTokens(Corpus.textOf(p)) > 300)!;
    const text = Corpus.textOf(long);
    const truncating = await TransformersEmbedder.create({ offline: true, long: 'truncate' });
    const [chunked] = await model.embed([text]);
    const [cut] = await truncating.embed([text]);
    // The tail of the abstract changes the chunked vector, and only it.
    expect(dot(chunked!, cut!)).toBeLessThan(0.9999);
    const [tail] = await model.embed([text.slice(Math.floor(text.length * 0.7))]);
    expect(dot(chunked!, tail!)).toBeGreaterThan(dot(cut!, tail!));
  });

  it('reports progress and stops on abort', async () => {
    const seen: number[] = [];
    await model.embed(['a', 'b', 'c'], { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3]);
    const ctrl = new AbortController();
    ctrl.abort(new Error('stop'));
    await expect(model.embed(['a'], { signal: ctrl.signal })).rejects.toThrow('stop');
  });
});

describe('model resolution', () => {
  it('fails fast offline with what was tried and how to fix it', async () => {
    const dir = await tempDir();
    const started = Date.now();
    const err = await resolveModel({ offline: true, cacheDir: dir, model: 'Xenova/not-installed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toMatch(/not available offline.*npx paper-atlas fetch-model/su);
    expect((err as ModelError).tried.join('\n')).toMatch(/^npm package [^\n]*\n(cache [^\n]*\n){2}hub \(skipped: offline\)$/u);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names the missing files of an incomplete model directory', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{}');
    await expect(resolveModel({ modelDir: dir })).rejects.toThrow(
      /missing tokenizer\.json, tokenizer_config\.json, onnx\/model_quantized\.onnx or onnx\/model\.onnx/u,
    );
  });

  it('explains a corrupted ONNX file instead of surfacing an onnxruntime trace', async () => {
    const dir = await tempDir();
    await cp(model.resolution.path, dir, { recursive: true });
    const onnx = join(dir, 'onnx/model_quantized.onnx');
    const bytes = await readFile(onnx);
    await writeFile(onnx, bytes.subarray(0, 4096));
    const err = await TransformersEmbedder.create({ modelDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/could not load embedding model .* corrupted or incomplete.*fetch-model/su);
  });

  it('falls back to the lexical embedder loudly when no model loads', async () => {
    const warnings: string[] = [];
    const small = Corpus.from(corpus.papers.slice(0, 40));
    const atlas = await Atlas.build(small, {
      embedder: { offline: true, model: 'Xenova/not-installed', cacheDir: await tempDir() },
      onWarning: (w) => warnings.push(w),
      clusterer: { k: 4 },
    });
    expect(atlas.embedder.kind).toBe('lexical');
    expect(atlas.embedder.id).toMatch(/^lexical-tfidf-svd@/u);
    expect(warnings.join('\n')).toMatch(/no transformer model could be loaded/u);
    expect(atlas.warnings.length).toBe(1);
    expect(atlas.themes.length).toBe(4);
    const related = await atlas.related(small.papers[0]!.id, { k: 3 });
    expect(related).toHaveLength(3);
    // Loaded where a model is installed (here), the lexical atlas says a rebuild would use it.
    const dir = await tempDir();
    await atlas.save(dir);
    const hints: string[] = [];
    await Atlas.load(dir, { onWarning: (w) => hints.push(w) });
    expect(hints.join('\n')).toMatch(/built with the lexical fallback embedder; a transformer model is installed now: rebuild/u);
    await expect(
      Atlas.build(small, { embedder: { offline: true, model: 'Xenova/not-installed', cacheDir: await tempDir(), fallback: false } }),
    ).rejects.toBeInstanceOf(ModelError);
  });
});

describe('lexical embedder', () => {
  it('ranks papers that share phrases close, and survives save/load', async () => {
    const texts = corpus.papers.map(Corpus.textOf);
    const lex = LexicalEmbedder.fit(texts);
    const [q, ot, sam] = await lex.embed(['optimal transport sinkhorn', texts[45]!, texts[132]!]);
    expect(dot(q!, ot!)).toBeGreaterThan(dot(q!, sam!));
    const again = LexicalEmbedder.fromJSON(JSON.parse(JSON.stringify(lex.toJSON())));
    const [q2] = await again.embed(['optimal transport sinkhorn']);
    expect(Array.from(q2!)).toEqual(Array.from(q!));
  });
});

describe('embedding cache', () => {
  it('computes nothing on an unchanged rebuild and re-embeds only a changed paper', async () => {
    const cache = new EmbeddingCache(await tempDir());
    const cached = new CachedEmbedder(model, cache);
    const texts = corpus.papers.slice(0, 8).map(Corpus.textOf);
    const first = await cached.embed(texts);
    expect(cached.lastStats).toEqual({ hits: 0, computed: 8 });
    const second = await cached.embed(texts);
    expect(cached.lastStats).toEqual({ hits: 8, computed: 0 });
    expect(second.map((v) => Array.from(v))).toEqual(first.map((v) => Array.from(v)));
    const changed = [...texts];
    changed[5] = `${changed[5]} An extra sentence.`;
    await cached.embed(changed);
    expect(cached.lastStats).toEqual({ hits: 7, computed: 1 });
  });

  it('keeps vectors of different settings apart', async () => {
    const cache = new EmbeddingCache(await tempDir());
    const truncating = await TransformersEmbedder.create({ offline: true, long: 'truncate' });
    expect(truncating.id).not.toBe(model.id);
    const long = Corpus.textOf(corpus.papers.find((p) => model.countTokens(Corpus.textOf(p)) > 300)!);
    const [a] = await new CachedEmbedder(model, cache).embed([long]);
    const [b] = await new CachedEmbedder(truncating, cache).embed([long]);
    expect(dot(a!, b!)).toBeLessThan(0.9999);
  });

  it('still embeds when the cache cannot be written, and says why', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'a file where the cache directory should be');
    const cache = new EmbeddingCache(blocker);
    const [v] = await new CachedEmbedder(model, cache).embed(['one text']);
    expect(v).toHaveLength(384);
    expect(cache.lastProblem).toMatch(/could not write/u);
  });

  it('ignores a corrupted cache file and says why', async () => {
    const cache = new EmbeddingCache(await tempDir());
    const cached = new CachedEmbedder(model, cache);
    await cached.embed(['one text']);
    const file = cache.fileFor(model.id);
    const bytes = await readFile(file);
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(file, bytes);
    await cached.embed(['one text']);
    expect(cached.lastStats).toEqual({ hits: 0, computed: 1 });
    expect(cache.lastProblem).toMatch(/checksum mismatch/u);
  });
});

describe('a good guest in a host application', () => {
  it("leaves the host's Transformers.js settings as the host made them", async () => {
    const { env } = await import('@xenova/transformers');
    const keys = ['cacheDir', 'localModelPath', 'allowRemoteModels', 'allowLocalModels', 'remoteHost', 'remotePathTemplate', 'useFSCache'] as const;
    Object.assign(env, { cacheDir: '/host/cache', localModelPath: '/host/models', allowRemoteModels: false, allowLocalModels: false });
    const before = Object.fromEntries(keys.map((k) => [k, env[k]]));
    const atlas = await Atlas.build(Corpus.from(corpus.papers.slice(0, 30)), { clusterer: { k: 3 }, onWarning: () => undefined });
    await atlas.search('optimal transport');
    await TransformersEmbedder.create({ offline: true, long: 'truncate' });
    expect(Object.fromEntries(keys.map((k) => [k, env[k]]))).toEqual(before);
    expect(atlas.embedder.kind).toBe('transformer');
    await atlas.dispose();
  });

  it('releases its model session on dispose and says so when used afterwards', async () => {
    const e = await TransformersEmbedder.create({ offline: true });
    await e.dispose();
    await expect(e.embed(['text'])).rejects.toThrow(/was disposed/u);
  });
});
