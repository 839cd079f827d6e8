/**
 * Embeddings of the bundled corpus: paper-atlas's embedder beside raw onnxruntime-node on the same
 * model file and the same token ids (overhead ratio), cold vs cached, papers/s, tokens/s, peak RSS;
 * what padded batches would change (speed, and drift of each vector from its unbatched self); the
 * two ways to use every core (onnxruntime intra-op threads in one session, or a pool of worker
 * threads with a session each), their speed and whether vectors stay bit-identical; and the stage's
 * physical bound (FLOPs per token × tokens ÷ the machine's measured matrix-multiply rate).
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { CachedEmbedder, Corpus, EmbeddingCache, loadBundledCorpus, TransformersEmbedder } from '../src/index.js';
import { dot } from '../src/vector.js';
import { inChild, peakRssMiB, peer, QUICK, saveResult, seconds } from './lib.js';

const corpus = await loadBundledCorpus();
const texts = corpus.papers.slice(0, QUICK || process.argv.includes('--quick-child') ? 40 : undefined).map(Corpus.textOf);
if (process.argv.includes('--child')) {
  // The default embedder in a process pinned to one CPU (the parent starts it under taskset): the one-core rate.
  const e = await TransformersEmbedder.create({ offline: true });
  await e.embed([texts[0]!]);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    await e.embed(texts);
    best = Math.min(best, seconds(start));
  }
  console.log(JSON.stringify({ time: best }));
  process.exit(0);
}
const embedder = await TransformersEmbedder.create({ offline: true, long: 'truncate' });
const tokenIds = texts.map((t) => [101, ...embedder.tokenIds(t).slice(0, 254), 102]);
const tokens = tokenIds.reduce((s, ids) => s + ids.length, 0);

// Warm both paths once so neither pays first-call allocation in the timed region.
await embedder.embed([texts[0]!]);
const session = await ort.InferenceSession.create(join(embedder.resolution.path, 'onnx/model_quantized.onnx'));

async function raw(batch: number[][]): Promise<Float32Array[]> {
  const len = Math.max(...batch.map((b) => b.length));
  const ids = new BigInt64Array(batch.length * len);
  const mask = new BigInt64Array(batch.length * len);
  batch.forEach((b, i) =>
    b.forEach((id, j) => {
      ids[i * len + j] = BigInt(id);
      mask[i * len + j] = 1n;
    }),
  );
  const dims = [batch.length, len];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.length), dims),
  });
  const h = out.last_hidden_state!.data as Float32Array;
  return batch.map((b, i) => {
    const v = new Float32Array(384);
    for (let t = 0; t < b.length; t++) for (let d = 0; d < 384; d++) v[d]! += h[(i * len + t) * 384 + d]!;
    let n = 0;
    for (let d = 0; d < 384; d++) n += v[d]! ** 2;
    return v.map((x) => x / Math.sqrt(n));
  });
}
await raw([tokenIds[0]!]);

let t = performance.now();
const ours = await embedder.embed(texts);
const oursTime = seconds(t);
t = performance.now();
const rawAlone: Float32Array[] = [];
for (const ids of tokenIds) rawAlone.push(...(await raw([ids])));
const rawTime = seconds(t);
const byLength = tokenIds.map((ids, i) => ({ ids, i })).sort((a, b) => a.ids.length - b.ids.length);
t = performance.now();
const rawBatched = new Array<Float32Array>(texts.length);
for (let s = 0; s < byLength.length; s += 16) {
  const chunk = byLength.slice(s, s + 16);
  (await raw(chunk.map((c) => c.ids))).forEach((v, j) => (rawBatched[chunk[j]!.i] = v));
}
const batchedTime = seconds(t);
const drift = Math.max(...rawBatched.map((v, i) => 1 - dot(v, rawAlone[i]!)));
const agreeRaw = Math.max(...ours.map((v, i) => 1 - dot(v, rawAlone[i]!)));

const cacheDir = await mkdtemp(join(tmpdir(), 'bench-embed-'));
const chunking = await TransformersEmbedder.create({ offline: true });
const cached = new CachedEmbedder(chunking, new EmbeddingCache(cacheDir));
t = performance.now();
await cached.embed(texts);
const cold = seconds(t);
t = performance.now();
await cached.embed(texts);
const warm = seconds(t);

// Every core: one session with N intra-op threads, or N worker threads with a one-thread session each.
const cores = availableParallelism();
const timedEmbed = async (e: TransformersEmbedder): Promise<{ vectors: Float32Array[]; time: number; cpu: number }> => {
  await e.embed([texts[0]!]);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const vectors = await e.embed(texts);
  const used = process.cpuUsage(cpu);
  return { vectors, time: seconds(start), cpu: (used.user + used.system) / 1e6 };
};
// Alternated and repeated, best of three each: a background burst then hits both sides alike.
const single = await TransformersEmbedder.create({ offline: true, threads: 1 });
const multi = await TransformersEmbedder.create({ offline: true, threads: cores });
let oneThread = await timedEmbed(single);
let allThreads = await timedEmbed(multi);
for (let r = 0; r < 2; r++) {
  const a = await timedEmbed(single);
  const b = await timedEmbed(multi);
  if (a.time < oneThread.time) oneThread = a;
  if (b.time < allThreads.time) allThreads = b;
}
const sameBits = (a: Float32Array[], b: Float32Array[]): boolean => a.every((v, i) => v.every((x, d) => Object.is(x, b[i]![d])));

/** The texts split over `count` worker threads (interleaved), each with its own one-thread session. */
async function pool(count: number): Promise<{ vectors: Float32Array[]; time: number }> {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)}); }).then(async ({ TransformersEmbedder }) => {
      const e = await TransformersEmbedder.create({ offline: true, threads: 1 });
      await e.embed([workerData.texts[0]]);
      parentPort.postMessage('ready');
      parentPort.once('message', async () => parentPort.postMessage(await e.embed(workerData.texts)));
    });`;
  const parts = Array.from({ length: count }, (_, w) => texts.filter((_, i) => i % count === w));
  const workers = parts.map((part) => new Worker(src, { eval: true, workerData: { texts: part } }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const start = performance.now();
  const results = await Promise.all(workers.map((w) => new Promise<Float32Array[]>((r) => (w.once('message', r), w.postMessage('go')))));
  const time = seconds(start);
  await Promise.all(workers.map((w) => w.terminate()));
  const vectors = texts.map((_, i) => results[i % count]![Math.floor(i / count)]!);
  return { vectors, time };
}
// One core for the whole process (every thread pinned to CPU 0), where taskset exists: the rate the
// thread count is measured against. A `threads: 1` session need not be that (see the note below).
const oneCore = await inChild<{ time: number }>('embed', QUICK ? ['--quick-child'] : [], { cpus: '0' }).catch(() => undefined);
let pooled = await pool(cores);
const again = await pool(cores);
if (again.time < pooled.time) pooled = again;

// The physical bound: MiniLM-L6 is 6 layers of d = 384 with a 1536-wide feed-forward; per token and
// layer, the projections cost 2·(4·d² + 2·d·1536) FLOPs and attention 4·seq·d (seq: mean tokens).
const seq = tokens / texts.length;
const flopsPerToken = 6 * (2 * (4 * 384 ** 2 + 2 * 384 * 1536) + 4 * seq * 384);
const { gflops } = await peer<{ gflops: number }>('peak', [2048]);
const boundTokensPerS = (gflops * 1e9) / flopsPerToken;

const rows = [
  {
    run: `paper-atlas, onnxruntime with 1 thread`,
    seconds: +oneThread.time.toFixed(2),
    papers_per_s: +(texts.length / oneThread.time).toFixed(1),
    tokens_per_s: Math.round(tokens / oneThread.time),
  },
  {
    run: `paper-atlas, onnxruntime with ${cores} threads (default)`,
    seconds: +allThreads.time.toFixed(2),
    papers_per_s: +(texts.length / allThreads.time).toFixed(1),
    tokens_per_s: Math.round(tokens / allThreads.time),
  },
  ...(oneCore
    ? [
        {
          run: 'paper-atlas default, process pinned to one core (taskset)',
          seconds: +oneCore.time.toFixed(2),
          papers_per_s: +(texts.length / oneCore.time).toFixed(1),
          tokens_per_s: Math.round(tokens / oneCore.time),
        },
      ]
    : []),
  {
    run: `paper-atlas, ${cores} worker threads × 1-thread session`,
    seconds: +pooled.time.toFixed(2),
    papers_per_s: +(texts.length / pooled.time).toFixed(1),
    tokens_per_s: Math.round(tokens / pooled.time),
  },
  {
    run: 'paper-atlas (truncate, one text per call)',
    seconds: +oursTime.toFixed(2),
    papers_per_s: +(texts.length / oursTime).toFixed(1),
    tokens_per_s: Math.round(tokens / oursTime),
  },
  {
    run: 'raw onnxruntime-node, one text per call',
    seconds: +rawTime.toFixed(2),
    papers_per_s: +(texts.length / rawTime).toFixed(1),
    tokens_per_s: Math.round(tokens / rawTime),
  },
  {
    run: 'raw onnxruntime-node, padded batches of 16',
    seconds: +batchedTime.toFixed(2),
    papers_per_s: +(texts.length / batchedTime).toFixed(1),
    tokens_per_s: Math.round(tokens / batchedTime),
  },
  { run: 'paper-atlas default (chunk long texts), cold cache', seconds: +cold.toFixed(2), papers_per_s: +(texts.length / cold).toFixed(1) },
  { run: 'paper-atlas default, warm cache', seconds: +warm.toFixed(3), papers_per_s: +(texts.length / warm).toFixed(0) },
];
await saveResult(
  'embed',
  rows,
  {
    all_threads_speedup_over_one: oneThread.time / allThreads.time,
    ...(oneCore ? { all_cores_speedup_over_one_core: oneCore.time / allThreads.time } : {}),
    cpu_seconds_per_second_all_threads: allThreads.cpu / allThreads.time,
    cpu_seconds_per_second_one_thread: oneThread.cpu / oneThread.time,
    worker_pool_speedup_over_one: oneThread.time / pooled.time,
    fraction_of_physical_bound: tokens / allThreads.time / boundTokensPerS,
    overhead_vs_raw_onnxruntime: oursTime / rawTime,
    batched16_speedup_over_single: rawTime / batchedTime,
    cold_over_warm: cold / warm,
  },
  [
    `${texts.length} papers, ${tokens} tokens (truncated at 256), all-MiniLM-L6-v2 int8, ${embedder.id}`,
    'thread rows: best of three runs each, alternated (1 thread, all threads, 1, all, ...); the pool: best of two; one core: best of three in a child process pinned with taskset -c 0',
    `CPU seconds per wall second: ${(oneThread.cpu / oneThread.time).toFixed(2)} with threads: 1, ${(allThreads.cpu / allThreads.time).toFixed(2)} with ${cores}`,
    `vectors with ${cores} onnxruntime threads ${sameBits(oneThread.vectors, allThreads.vectors) ? 'are bit-identical to' : 'DIFFER from'} 1 thread; from the worker pool ${sameBits(oneThread.vectors, pooled.vectors) ? 'bit-identical' : 'DIFFERENT'}`,
    `physical bound: ${(flopsPerToken / 1e6).toFixed(1)} MFLOP per token (mean ${seq.toFixed(0)} tokens) at the measured ${gflops.toFixed(0)} GFLOP/s float32 matrix multiply (numpy, all cores) = ${Math.round(boundTokensPerS)} tokens/s; the int8 model runs ${(tokens / allThreads.time).toFixed(0)} tokens/s`,
    `paper-atlas vs raw onnxruntime: max 1-cosine ${agreeRaw.toExponential(2)} (same computation)`,
    `padded batches move vectors by up to 1-cosine ${drift.toExponential(2)} and are not faster on CPU, so paper-atlas runs texts one at a time`,
    `peak RSS ${peakRssMiB()} MiB (whole process: model, both runtimes' sessions, corpus)`,
  ],
);
