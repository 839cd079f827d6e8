import type { JsonObject, Stage, StageContext } from '../types.js';

/** One search hit: the vector's row in the atlas and its cosine similarity in [-1, 1]. */
export interface Hit {
  row: number;
  score: number;
}

export interface StoreSearchOptions {
  /** Rows never to return (e.g. the query paper itself). */
  exclude?: ReadonlySet<number>;
  /** Search effort for approximate stores (HNSW's ef), when a caller needs less than the default; others ignore it. */
  effort?: number;
}

/** Where a store writes its files when an atlas is saved; returns the stored file's name. */
export interface FileSink {
  put(stem: string, ext: string, data: Uint8Array): Promise<string>;
}

/** Where a store reads its files back: bytes already checked against the manifest's size and sha256. */
export interface FileSource {
  read(name: string): Promise<Uint8Array>;
  /** The file's path, for error messages. */
  path(name: string): string;
}

/**
 * Cosine nearest neighbours over the atlas's unit vectors. Rows are the papers' positions in the
 * atlas (0..n-1); removed rows stay allocated so that rows never shift.
 */
export interface VectorStore {
  readonly dims: number;
  /** Rows searchable now (removed ones excluded). */
  readonly size: number;
  /** Rows hidden by `remove`, ascending. */
  readonly removed: readonly number[];
  /** Inserts vectors as rows `firstRow, firstRow + 1, ...`. */
  add(vectors: readonly Float32Array[], firstRow: number): Promise<void>;
  /** Hides a row from every later search. */
  remove(row: number): Promise<void>;
  /** The `k` most similar rows, best first (ties by row). */
  search(query: Float32Array, k: number, opts?: StoreSearchOptions): Promise<Hit[]>;
  /** Writes the store's files; returns the JSON state `load` needs to reopen it. */
  save(files: FileSink): Promise<JsonObject>;
  /** Releases native memory; the store must not be used afterwards. */
  dispose?(): void;
}

export interface StoreContext extends StageContext {
  dims: number;
}

/**
 * The vector-store stage: makes a `VectorStore` over an atlas's vectors, and reopens a saved one.
 * `id` and `options` are recorded in a saved atlas; a store paper-atlas does not know is saved as
 * custom and its provider must be passed again to `Atlas.load`.
 */
export interface VectorStoreProvider extends Stage {
  /**
   * An in-memory store for the pipeline's own work: the neighbour graph of every paper and the
   * fitting sample's store, queried once per paper. A store whose queries are slow (on disk, over a
   * network) names a fast one here; without it, this provider's stores are used.
   */
  readonly scratch?: VectorStoreProvider;
  build(vectors: readonly Float32Array[], ctx: StoreContext): Promise<VectorStore>;
  load(state: JsonObject, files: FileSource, ctx: StoreContext & { vectors: readonly Float32Array[]; removed: readonly number[] }): Promise<VectorStore>;
}
