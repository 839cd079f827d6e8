import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { integerOption, numberOption, OptionError, rejectUnknownKeys } from '../errors.js';
import type { JsonObject } from '../types.js';
import { packRows } from '../vector.js';
import type { ReduceContext, Reducer, Reduction } from './reducer.js';
import { runUmap, type UmapJob } from './umap-core.js';

/** umap-js settings; defaults follow umap-learn (and BERTopic's use of it). */
export interface UmapOptions {
  /** Output dimensions. */
  dims: number;
  /** Neighbourhood size: larger keeps more global structure (capped at papers − 1). */
  nNeighbors: number;
  /** How tightly points pack: 0.1 for maps, 0 for a clustering space. */
  minDist: number;
  /** Optimisation epochs; `'auto'` lets umap-js choose (500 for small inputs, 200 for large). */
  nEpochs: number | 'auto';
  /**
   * For the map layout: how far each paper moves towards its theme's centre once the themes are
   * known (0 = not at all, 0.99 = nearly onto it), so that a theme's papers sit together on the
   * map. Each theme keeps its shape, shrunk about its median point. Layout only; measured in
   * bench/layout.ts (see `DEFAULT_LAYOUT_OPTIONS`).
   */
  themeWeight?: number;
}

/**
 * The 2-D map: `{ dims: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 'auto', themeWeight: 0.5 }`.
 * `themeWeight` measured in bench/layout.ts (2-D silhouette of the themes / trustworthiness against
 * the embeddings, weight 0 → 0.5): bundled corpus 0.30 → 0.58 / 0.863 → 0.858, MEDLINE check set
 * 0.49 → 0.74 / 0.961 → 0.960, 10k synthetic blobs −0.16 → −0.07 / 0.991 → 0.989. Supervised UMAP
 * (umap-js categorical targets) was tried first: it collapsed every theme into a dot at any weight.
 */
export const DEFAULT_LAYOUT_OPTIONS: Readonly<UmapOptions> = Object.freeze({ dims: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 'auto', themeWeight: 0.5 });

/**
 * The space themes are clustered in: `{ dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 'auto' }`.
 * Measured in bench/themes.ts on the bundled corpus: at the same k, UMAP space and raw embeddings
 * agree with the hand-labelled check set about equally (NMI 0.82), but only in UMAP space does the
 * silhouette pick a sensible k (17-20); on raw 384-d vectors silhouettes are flat (~0.03) and pick k = 4.
 */
export const DEFAULT_REDUCER_OPTIONS: Readonly<UmapOptions> = Object.freeze({ dims: 5, nNeighbors: 15, minDist: 0, nEpochs: 'auto' });

function checkOptions(given: unknown, defaults: Readonly<UmapOptions>, option: string): UmapOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new OptionError(option, 'must be UMAP options ({ dims, nNeighbors, minDist, nEpochs, themeWeight }) or a Reducer');
  }
  rejectUnknownKeys(option, given as object | undefined, Object.keys(defaults));
  const o = { ...defaults, ...(given as Partial<UmapOptions>) };
  return {
    dims: integerOption(`${option}.dims`, o.dims, 1, 100),
    nNeighbors: integerOption(`${option}.nNeighbors`, o.nNeighbors, 2, 200),
    minDist: numberOption(`${option}.minDist`, o.minDist, 0, 1),
    nEpochs: o.nEpochs === 'auto' ? 'auto' : integerOption(`${option}.nEpochs`, o.nEpochs, 1, 10_000),
    ...(defaults.themeWeight !== undefined ? { themeWeight: numberOption(`${option}.themeWeight`, o.themeWeight, 0, 0.99) } : {}),
  };
}

/**
 * UMAP (umap-js) of unit vectors. Euclidean distance between unit vectors is a monotone function
 * of cosine, so neighbourhoods are exactly the cosine ones, without umap-js calling a slower JS
 * cosine. Every random choice comes from a generator seeded with the seed: same input, same output.
 *
 * Given the pipeline's neighbour graph (`ctx.neighbors`, from the vector store), UMAP uses it
 * instead of running its own NN-descent, and the vectors are handed over without a copy. It then
 * has no search trees for `transform`; added papers are placed among their store neighbours.
 */
export class UmapReducer implements Reducer {
  readonly id = 'umap';
  readonly options: Readonly<UmapOptions & JsonObject>;

  /** `defaults`: the layout's or the clustering space's; `option` names the option in errors. */
  constructor(options: Partial<UmapOptions> = {}, defaults: Readonly<UmapOptions> = DEFAULT_LAYOUT_OPTIONS, option = 'layout') {
    this.options = Object.freeze(checkOptions(options, defaults, option)) as UmapOptions & JsonObject;
  }

  async fit(vectors: readonly Float32Array[], ctx: ReduceContext): Promise<Reduction> {
    const n = vectors.length;
    // A clustering space needs fewer dimensions than points to be anything but the points themselves.
    const dims = this.options.dims > 2 ? Math.min(this.options.dims, Math.max(2, n - 2)) : this.options.dims;
    if (n < 4) {
      // UMAP needs a neighbourhood; a handful of papers are laid out evenly on a circle.
      const coords = vectors.map((_, i) =>
        Float64Array.from({ length: dims }, (_, d) => (d === 0 ? Math.cos((2 * Math.PI * i) / n) : d === 1 ? Math.sin((2 * Math.PI * i) / n) : 0)),
      );
      return { coords };
    }
    const width = vectors[0]!.length;
    const job: UmapJob = {
      data: packRows(vectors, width),
      width,
      dims,
      nNeighbors: Math.max(2, Math.min(this.options.nNeighbors, n - 1)),
      minDist: this.options.minDist,
      nEpochs: this.options.nEpochs,
      seed: ctx.seed,
      graph: ctx.neighbors,
      ...(ctx.init?.length === n * dims ? { init: ctx.init } : {}),
    };
    const rows = (flat: Float64Array): Float64Array[] => Array.from({ length: n }, (_, i) => flat.slice(i * dims, (i + 1) * dims));
    // With a neighbour graph the run needs nothing but the job: it goes to a worker thread, so the
    // pipeline's other UMAP (and the k search) use the second core. Without one, or where a worker
    // cannot start, it runs here, with the same code and the same result.
    if (job.graph && job.graph.k >= job.nNeighbors) {
      const coords = await inWorker(job, ctx);
      if (coords) return { coords: rows(coords) };
    }
    const release = await setupTurn(ctx.signal);
    const { coords, umap, graphUsed } = await runUmap(
      job,
      async (epoch, total) => {
        ctx.onProgress?.(epoch, total);
        // Yield now and then so progress callbacks can render, an event loop stays responsive, and an abort lands.
        if (epoch % 50 === 1) {
          await new Promise((r) => setImmediate(r));
          ctx.signal?.throwIfAborted();
        }
      },
      release,
    ).finally(release);
    if (graphUsed) return { coords: rows(coords) };
    // umap-js's transform runs nEpochs / 3 epochs and stops only when its epoch counter equals that
    // number exactly: a count not divisible by 3 never ends (the hang of PAIR-code/umap-js#42). This
    // instance is ours alone, so its count is rounded up to a multiple of 3 once fitting is done.
    const fitted = umap as unknown as { nEpochs?: number };
    if (fitted.nEpochs && fitted.nEpochs % 3 !== 0) fitted.nEpochs = Math.ceil(fitted.nEpochs / 3) * 3;
    return { coords: rows(coords), transform: async (more) => umap.transform(more.map((v) => Array.from(v))).map((row) => Float64Array.from(row)) };
  }
}

/**
 * Building UMAP's fuzzy graph is its memory peak: about 56 kB per point at once in umap-js
 * (measured at 25k points: 1.4 GB transient, 0.2 GB once built), against ~20 kB while it optimises.
 * The runs of this process (the map layout and the clustering space run side by side) take turns
 * at that phase only, so their peaks never add up; the optimisation epochs still overlap.
 */
let setupQueue: Promise<void> = Promise.resolve();

/** Waits for this run's turn at graph building; the returned release (idempotent) passes the turn on. */
async function setupTurn(signal?: AbortSignal): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const turn = setupQueue;
  setupQueue = setupQueue.then(() => released);
  await turn;
  if (signal?.aborted) {
    release();
    signal.throwIfAborted();
  }
  return release;
}

/**
 * A worker thread running the UMAP worker script next to this module: `umap-worker.js` in the
 * package; from source (tests, benchmarks run with tsx) the `.ts` file, through tsx's loader.
 */
function startWorker(): Worker | undefined {
  const js = new URL('./umap-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js);
  const ts = new URL('./umap-worker.ts', import.meta.url);
  if (!existsSync(fileURLToPath(ts))) return undefined;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ts.href)}); });`;
  return new Worker(boot, { eval: true });
}

/**
 * Workers that finished a run wait here for the next one (a build runs two at once), so refits,
 * sub-themes and repeated builds do not pay a worker's start-up again. Idle workers are unref'd:
 * they never keep the process alive.
 */
const idle: Worker[] = [];
const IDLE_WORKERS = 2;

function acquireWorker(): Worker | undefined {
  const w = idle.pop();
  if (w) {
    w.ref();
    return w;
  }
  const fresh = startWorker();
  // An idle worker that dies (it should not) leaves the pool.
  fresh?.on('exit', () => {
    const at = idle.indexOf(fresh);
    if (at >= 0) idle.splice(at, 1);
  });
  return fresh;
}

function releaseWorker(w: Worker, healthy: boolean): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  if (healthy && idle.length < IDLE_WORKERS) {
    w.unref();
    idle.push(w);
  } else void w.terminate();
}

/** Runs a job in a worker thread; undefined when no worker could run it (the caller then runs it itself). */
async function inWorker(job: UmapJob, ctx: ReduceContext): Promise<Float64Array | undefined> {
  const release = await setupTurn(ctx.signal);
  let worker: Worker | undefined;
  try {
    worker = acquireWorker();
  } catch {
    worker = undefined;
  }
  if (!worker) {
    release();
    return undefined;
  }
  const w = worker;
  return new Promise<Float64Array | undefined>((resolve, reject) => {
    let started = false;
    let settled = false;
    // Settles once. A worker that answered goes back to the pool; any other is stopped (Deno's
    // terminate() emits 'exit' at once, before it returns, which `settled` absorbs).
    const settle = (fn: () => void, healthy: boolean): void => {
      if (settled) return;
      settled = true;
      release();
      ctx.signal?.removeEventListener('abort', onAbort);
      w.off('exit', onExit);
      fn();
      releaseWorker(w, healthy);
    };
    const onAbort = (): void => settle(() => reject(ctx.signal!.reason), false);
    // One that dies without a word (out of memory, say) must not leave the build waiting forever.
    const onExit = (code: number): void => settle(() => reject(new Error(`UMAP worker stopped (exit code ${code}) before returning coordinates`)), false);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    w.on('exit', onExit);
    w.on('message', (m: { initialized?: boolean; epoch?: number; total?: number; coords?: Float64Array; error?: string }) => {
      started = true;
      if (m.initialized) release();
      else if (m.coords) settle(() => resolve(m.coords), true);
      else if (m.error) settle(() => reject(new Error(`UMAP worker: ${m.error}`)), false);
      else if (m.epoch !== undefined) ctx.onProgress?.(m.epoch, m.total!);
    });
    // A worker that cannot even load (no loader for its source, say) is not a failure of the run.
    w.on('error', (err) => settle(() => (started ? reject(err) : resolve(undefined)), false));
    w.postMessage(job);
  });
}
