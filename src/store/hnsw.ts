import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HierarchicalNSW } from 'hnswlib-node';
import { AtlasFileError, integerOption, OptionError, rejectUnknownKeys, StageError } from '../errors.js';
import { checkHnswFile, HnswFileProblem } from './hnsw-file.js';
import { loadNative } from '../native.js';
import type { JsonObject } from '../types.js';
import { clampScore } from './exact.js';
import type { FileSink, FileSource, Hit, StoreContext, StoreSearchOptions, VectorStore, VectorStoreProvider } from './store.js';

/** HNSW parameters; see `DEFAULT_HNSW_OPTIONS` for how the defaults were chosen. */
export interface HnswOptions {
  /** Graph degree: links per node (hnswlib `M`). */
  M: number;
  /** Candidate list size while building; higher builds slower and recalls more. */
  efConstruction: number;
  /** Candidate list size while searching; raised to at least `2k` for large `k`. */
  efSearch: number;
}

/**
 * Defaults measured on 20k random 384-d unit vectors, the hardest case (no cluster structure, high
 * intrinsic dimension), recall@10 against exact search:
 *   M 16: ef 64 → 0.71, ef 400 → 0.86;   M 32: ef 64 → 0.89, ef 200 → 0.93, ef 300 → 0.96, ef 400 → 0.97.
 * So M 32 / efConstruction 200 / efSearch 400. Real abstract embeddings are far easier (recall@10 is
 * 1.0 on the bundled corpus even at ef 64); lower efSearch for speed on large corpora.
 * `bench/index.ts` reruns the measurement.
 */
export const DEFAULT_HNSW_OPTIONS: Readonly<HnswOptions> = Object.freeze({ M: 32, efConstruction: 200, efSearch: 400 });

function checkOptions(given: unknown): HnswOptions {
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new OptionError('store', 'must be an object of HNSW options ({ M, efConstruction, efSearch }) or a VectorStoreProvider');
  }
  rejectUnknownKeys('store', given as object | undefined, Object.keys(DEFAULT_HNSW_OPTIONS));
  const p = { ...DEFAULT_HNSW_OPTIONS, ...(given as Partial<HnswOptions>) };
  return {
    M: integerOption('M', p.M, 2, 128),
    efConstruction: integerOption('efConstruction', p.efConstruction, 1, 4096),
    efSearch: integerOption('efSearch', p.efSearch, 1, 4096),
  };
}

async function hnswlib(): Promise<typeof import('hnswlib-node')> {
  return loadNative('hnswlib-node', async () => {
    const m = (await import('hnswlib-node')) as typeof import('hnswlib-node') & { default?: typeof import('hnswlib-node') };
    return m.default ?? m;
  });
}

/**
 * The default store: an in-memory HNSW graph (hnswlib-node) on inner product over unit vectors, so
 * cosine = inner product. Rows are hnswlib labels.
 */
/** Rows inserted between yields while building. */
const BUILD_SLICE = 1000;

export class HnswStore implements VectorStore {
  private readonly deleted = new Set<number>();

  private constructor(
    private readonly index: HierarchicalNSW,
    readonly dims: number,
    readonly options: Readonly<HnswOptions>,
  ) {}

  /**
   * Inserts the vectors in slices of 1,000, yielding between slices: progress is reported, an abort
   * lands, and work waiting on this thread (the k search beside a sampled fit) takes turns with it.
   */
  static async build(
    vectors: readonly Float32Array[],
    dims: number,
    options: Readonly<HnswOptions>,
    seed: number,
    run: Pick<StoreContext, 'signal' | 'onProgress'> = {},
  ): Promise<HnswStore> {
    const lib = await hnswlib();
    const index = new lib.HierarchicalNSW('ip', dims);
    index.initIndex({ maxElements: Math.max(vectors.length, 16), m: options.M, efConstruction: options.efConstruction, randomSeed: seed });
    const store = new HnswStore(index, dims, options);
    for (let first = 0; first < vectors.length; first += BUILD_SLICE) {
      run.signal?.throwIfAborted();
      await store.add(vectors.slice(first, first + BUILD_SLICE), first);
      run.onProgress?.(Math.min(first + BUILD_SLICE, vectors.length), vectors.length);
      await new Promise((r) => setImmediate(r));
    }
    return store;
  }

  /**
   * Opens an index from bytes whose checksum the caller verified: their structure is checked
   * against the atlas (`checkHnswFile`: header, every link and level, every vector equal to the
   * atlas's), then hnswlib reads exactly these bytes, from a private temporary file.
   */
  static async fromBytes(
    bytes: Uint8Array,
    dims: number,
    options: Readonly<HnswOptions>,
    vectors: readonly Float32Array[],
    removed: readonly number[],
  ): Promise<HnswStore> {
    checkHnswFile(bytes, { count: vectors.length, dims, M: options.M, efConstruction: options.efConstruction, vectors, removed });
    const lib = await hnswlib();
    const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-index-'));
    try {
      const file = join(dir, 'index.hnsw');
      await writeFile(file, bytes, { mode: 0o600 });
      const index = new lib.HierarchicalNSW('ip', dims);
      await index.readIndex(file);
      const store = new HnswStore(index, dims, options);
      // hnswlib stores delete marks in the file; re-marking would throw, so only the set is restored.
      for (const row of removed) store.deleted.add(row);
      return store;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  get size(): number {
    return this.index.getCurrentCount() - this.deleted.size;
  }

  get removed(): number[] {
    return [...this.deleted].sort((a, b) => a - b);
  }

  async add(vectors: readonly Float32Array[], firstRow: number): Promise<void> {
    const needed = firstRow + vectors.length;
    if (needed > this.index.getMaxElements()) this.index.resizeIndex(Math.max(needed, Math.ceil(this.index.getMaxElements() * 1.5)));
    vectors.forEach((v, i) => {
      if (v.length !== this.dims) throw new OptionError('vectors', `expected ${this.dims} dimensions, got ${v.length}`);
      this.index.addPoint(Array.from(v), firstRow + i);
    });
  }

  async remove(row: number): Promise<void> {
    if (this.deleted.has(row)) return;
    this.index.markDelete(row);
    this.deleted.add(row);
  }

  async search(query: Float32Array, k: number, opts: StoreSearchOptions = {}): Promise<Hit[]> {
    return this.searchSync(query, k, opts.exclude, opts.effort);
  }

  /** The synchronous search behind `search`. */
  searchSync(query: Float32Array, k: number, exclude?: ReadonlySet<number>, effort?: number): Hit[] {
    const excludedLive = exclude ? [...exclude].filter((l) => !this.deleted.has(l)).length : 0;
    const want = Math.min(k, Math.max(this.size - excludedLive, 0));
    if (want <= 0) return [];
    // A few excluded rows (the query paper itself) are cheaper to over-fetch and drop than to
    // filter: hnswlib-node calls a JS filter once per visited node (measured 2-3× slower queries).
    const overFetch = exclude !== undefined && exclude.size <= 16;
    const ask = overFetch ? Math.min(want + exclude.size, this.size) : want;
    this.index.setEf(Math.max(effort ?? this.options.efSearch, 2 * ask));
    const filter = exclude?.size && !overFetch ? (label: number) => !exclude.has(label) : undefined;
    const res = this.index.searchKnn(Array.from(query), ask, filter);
    return res.neighbors
      .map((row, i) => ({ row, score: clampScore(1 - res.distances[i]!) }))
      .filter((h) => !overFetch || !exclude.has(h.row))
      .sort((a, b) => b.score - a.score || a.row - b.row)
      .slice(0, want);
  }

  async save(files: FileSink): Promise<JsonObject> {
    const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-index-'));
    try {
      const file = join(dir, 'index.hnsw');
      await this.index.writeIndex(file);
      // hnswlib ignores write errors: a file-size limit or a full disk leaves a short file and no error.
      // The structure check catches it before anything is stored.
      const bytes = await readFile(file);
      const count = this.index.getCurrentCount();
      try {
        checkHnswFile(bytes, { count, dims: this.dims, M: this.options.M, efConstruction: this.options.efConstruction, removed: this.removed });
      } catch (err) {
        throw Object.assign(new Error(`the HNSW index was not written whole (${(err as Error).message})`), { code: 'ESHORTWRITE' });
      }
      const name = await files.put('index', 'hnsw', bytes);
      return { file: name };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The HNSW store stage (`id: 'hnsw'`); `options` are the resolved HNSW parameters. */
export class HnswStoreProvider implements VectorStoreProvider {
  readonly id = 'hnsw';
  readonly options: Readonly<HnswOptions & JsonObject>;

  constructor(options?: Partial<HnswOptions>) {
    this.options = Object.freeze(checkOptions(options)) as HnswOptions & JsonObject;
  }

  async build(vectors: readonly Float32Array[], ctx: StoreContext): Promise<HnswStore> {
    ctx.onProgress?.(0, vectors.length);
    return HnswStore.build(vectors, ctx.dims, this.options, ctx.seed, ctx);
  }

  async load(state: JsonObject, files: FileSource, ctx: StoreContext & { vectors: readonly Float32Array[]; removed: readonly number[] }): Promise<HnswStore> {
    const name = state.file;
    if (typeof name !== 'string') throw new StageError('store hnsw', 'the saved state names no index file');
    const bytes = await files.read(name);
    try {
      return await HnswStore.fromBytes(bytes, ctx.dims, this.options, ctx.vectors, ctx.removed);
    } catch (err) {
      if (err instanceof HnswFileProblem) throw new AtlasFileError(files.path(name), `is not a valid index for this atlas: ${err.message}`);
      throw err;
    }
  }
}
