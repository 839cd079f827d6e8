import { AtlasFileError, integerOption, numberOption, OptionError, rejectUnknownKeys, StageError } from '../errors.js';
import { lanceMessage, lanceModules, tableUri, vectorColumn, type Arrow, type LanceModules } from '../io/lance.js';
import type { JsonObject } from '../types.js';
import { clampScore } from './exact.js';
import { HnswStoreProvider } from './hnsw.js';
import type { FileSource, Hit, StoreContext, StoreSearchOptions, VectorStore, VectorStoreProvider } from './store.js';

export type LanceIndexKind = 'auto' | 'ivf_pq' | 'ivf_hnsw_sq' | 'none';

/** The Lance store's settings; every one but `storageOptions` is recorded in a saved atlas. */
export interface LanceOptions {
  /**
   * Where the table lives: a local directory (made absolute when given relative) or an object-store
   * URI LanceDB understands (`s3://bucket/path`, `gs://…`, `az://…`). Required.
   */
  uri: string;
  /** [table='papers'] The table's name under `uri`. */
  table: string;
  /**
   * [index='auto'] The vector index: `'none'` searches exactly (a scan); `'ivf_hnsw_sq'` (IVF
   * partitions, an HNSW graph in each, 8-bit scalar-quantised vectors) and `'ivf_pq'` (product
   * quantisation: smallest, least exact) answer approximately. `'auto'`: exact up to
   * `AUTO_INDEX_ROWS` rows, `ivf_hnsw_sq` above, created once the table grows past it.
   */
  index: LanceIndexKind;
  /**
   * [nprobes=40] IVF partitions searched per query (of √rows). Measured (bench/scale.ts, 1M
   * vectors, 1,000 partitions): recall@10 0.92 / 0.95 / 0.98 at 10 / 20 / 40, p50 11.7 / 12.2 /
   * 12.7 ms; 80 gains nothing more. At 100k, 20 already recalls every neighbour.
   */
  nprobes: number;
  /** [ef=200] HNSW candidate list per partition (`ivf_hnsw_sq`); raised to at least 2k and refineFactor·k. */
  ef: number;
  /** [refineFactor=10] The best refineFactor × k candidates by quantised distance are re-ranked on the full vectors. */
  refineFactor: number;
  /**
   * [optimizeAfter=8] Small fragments tolerated (every `add` writes one; Lance counts a fragment
   * under a million rows as small) before the table is compacted and its index brought up to date.
   */
  optimizeAfter: number;
  /**
   * [cleanupOlderThanDays=null] When the table is compacted, delete the versions older than this
   * many days (and the files only they use) to free space. By default none is deleted: every
   * atlas saved on this table keeps pointing at a version that holds its rows. An atlas saved on a
   * version that was cleaned up is refused on load, with a message saying so.
   */
  cleanupOlderThanDays: number | null;
}

/** Credentials and endpoints for object storage, passed through to LanceDB; never saved. */
export type StorageOptions = Record<string, string>;

/** Up to this many rows, `index: 'auto'` searches exactly: a scan of a few thousand vectors is as fast as an index and exact. */
export const AUTO_INDEX_ROWS = 10_000;

export const DEFAULT_LANCE_OPTIONS: Readonly<Omit<LanceOptions, 'uri'>> = Object.freeze({
  table: 'papers',
  index: 'auto',
  nprobes: 40,
  ef: 200,
  refineFactor: 10,
  optimizeAfter: 8,
  cleanupOlderThanDays: null,
});

/** Schema metadata marking a table as a paper-atlas store: `build` replaces only such tables. */
const MARK_KEY = 'paper-atlas';
const MARK = 'vector-store/1';
/** Rows an `ivf_pq` index needs to train on. */
const MIN_PQ_ROWS = 256;
/** Rows written per batch while building. */
const WRITE_BATCH = 50_000;
/** Saved atlases up to this size have every vector compared on load; above, a seeded sample this big. */
const VERIFY_ALL_ROWS = 200_000;
const VERIFY_SAMPLE = 20_000;

type Table = import('@lancedb/lancedb').Table;

function checkOptions(given: unknown): LanceOptions & { storageOptions: StorageOptions } {
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new OptionError('store', 'the Lance store needs an options object with a uri');
  const { kind: _kind, storageOptions, ...rest } = given as Partial<LanceOptions> & { kind?: unknown; storageOptions?: unknown };
  rejectUnknownKeys('store', rest, ['uri', ...Object.keys(DEFAULT_LANCE_OPTIONS)]);
  const o = { ...DEFAULT_LANCE_OPTIONS, ...rest };
  if (typeof o.uri !== 'string' || !o.uri.trim()) throw new OptionError('store.uri', 'must name a directory or an object-store URI (s3://…, gs://…, az://…)');
  if (o.uri.startsWith('file://')) throw new OptionError('store.uri', 'give a local directory as a path, not a file:// URI');
  if (typeof o.table !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/u.test(o.table)) {
    throw new OptionError('store.table', 'must be 1-128 letters, digits, "_", "-" or "." and not start with "." or "-"');
  }
  if (!['auto', 'ivf_pq', 'ivf_hnsw_sq', 'none'].includes(o.index))
    throw new OptionError('store.index', `must be 'auto', 'ivf_pq', 'ivf_hnsw_sq' or 'none', got ${JSON.stringify(o.index)}`);
  if (
    storageOptions !== undefined &&
    (typeof storageOptions !== 'object' || storageOptions === null || Object.values(storageOptions).some((v) => typeof v !== 'string'))
  ) {
    throw new OptionError('store.storageOptions', 'must be an object of strings (passed to LanceDB as they are)');
  }
  return {
    uri: tableUri(o.uri),
    table: o.table,
    index: o.index,
    nprobes: integerOption('store.nprobes', o.nprobes, 1, 65_536),
    ef: integerOption('store.ef', o.ef, 1, 65_536),
    refineFactor: integerOption('store.refineFactor', o.refineFactor, 1, 1000),
    optimizeAfter: integerOption('store.optimizeAfter', o.optimizeAfter, 1, 1_000_000),
    cleanupOlderThanDays: o.cleanupOlderThanDays === null ? null : numberOption('store.cleanupOlderThanDays', o.cleanupOlderThanDays, 0, 36_500),
    storageOptions: { ...((storageOptions as StorageOptions | undefined) ?? {}) },
  };
}

/** How errors name a table: its URI and name. */
const describeTable = (o: Pick<LanceOptions, 'uri' | 'table'>): string => `${o.uri} (table ${o.table})`;

/** LanceDB's own failures (I/O, object storage, a corrupt table) as a StageError naming the table. */
async function lanceCall<T>(where: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof OptionError || err instanceof StageError || err instanceof AtlasFileError) throw err;
    throw new StageError('store lance', `${what} failed at ${where}: ${lanceMessage(err)}`, { cause: err });
  }
}

/**
 * A Lance table of `row` (the atlas row, int32) and `vector` (float32 × dims), searched by cosine
 * over the atlas's unit vectors. Removed rows are deleted from the table.
 *
 * The store reads the version it opened or last wrote, and writes on top of it: when the table
 * has moved on meanwhile (another atlas on the same table, a refit that overwrote it and then
 * failed, a newer save), that version is first restored as the newest. Every writer's versions
 * stay in the table's history, and every saved atlas keeps pointing at one that holds its rows.
 */
class LanceStore implements VectorStore {
  private readonly deleted = new Set<number>();
  private count: number;
  private indexed: boolean;
  /** The table version this store reads: the one it opened, or its own last write. */
  private version: number;

  constructor(
    private readonly m: LanceModules,
    private readonly table: Table,
    readonly dims: number,
    private readonly options: LanceOptions,
    state: { rows: number; removed: readonly number[]; indexed: boolean; version: number },
  ) {
    this.count = state.rows;
    for (const r of state.removed) this.deleted.add(r);
    this.indexed = state.indexed;
    this.version = state.version;
  }

  private get where(): string {
    return describeTable(this.options);
  }

  get size(): number {
    return this.count - this.deleted.size;
  }

  get removed(): number[] {
    return [...this.deleted].sort((a, b) => a - b);
  }

  /** The table as Arrow record batches of `rows` from `firstRow`, written in slices. */
  async write(vectors: readonly Float32Array[], firstRow: number, run: Pick<StoreContext, 'signal' | 'onProgress'> = {}): Promise<void> {
    for (let first = 0; first < vectors.length; first += WRITE_BATCH) {
      run.signal?.throwIfAborted();
      const slice = vectors.slice(first, first + WRITE_BATCH);
      await this.writing('adding rows', () => this.table.add(arrowTable(this.m.arrow, slice, firstRow + first, this.dims)));
      run.onProgress?.(Math.min(first + WRITE_BATCH, vectors.length), vectors.length);
    }
    this.count = Math.max(this.count, firstRow + vectors.length);
  }

  async add(vectors: readonly Float32Array[], firstRow: number): Promise<void> {
    for (const v of vectors) if (v.length !== this.dims) throw new OptionError('vectors', `expected ${this.dims} dimensions, got ${v.length}`);
    await this.write(vectors, firstRow);
    await this.maintain();
  }

  async remove(row: number): Promise<void> {
    if (this.deleted.has(row)) return;
    if (!Number.isInteger(row) || row < 0 || row >= this.count) throw new OptionError('row', `no row ${row} in the store`);
    await this.writing('deleting a row', () => this.table.delete(`row = ${row}`));
    this.deleted.add(row);
  }

  async search(query: Float32Array, k: number, opts: StoreSearchOptions = {}): Promise<Hit[]> {
    const { exclude } = opts;
    const excludedLive = exclude ? [...exclude].filter((r) => !this.deleted.has(r) && r < this.count).length : 0;
    const want = Math.min(k, Math.max(this.size - excludedLive, 0));
    if (want <= 0) return [];
    // A few excluded rows (the query paper) are over-fetched and dropped; more become a filter.
    const overFetch = !exclude || exclude.size <= 16;
    const ask = overFetch ? Math.min(want + (exclude?.size ?? 0), this.size) : want;
    let q = this.table.vectorSearch(query).distanceType('cosine').limit(ask).select(['row', '_distance']);
    if (!overFetch) q = q.where(`row NOT IN (${[...exclude!].filter(Number.isInteger).join(', ')})`);
    if (this.indexed) {
      // Both indexes rank on quantised vectors; the best refineFactor·k are re-ranked on the full ones.
      q = q.nprobes(this.options.nprobes).refineFactor(this.options.refineFactor);
      // LanceDB wants the HNSW candidate list to hold every candidate it re-ranks.
      if (this.options.index !== 'ivf_pq') q = q.ef(Math.max(opts.effort ?? this.options.ef, 2 * ask, ask * this.options.refineFactor));
    }
    const rows = (await lanceCall(this.where, 'a search', () => q.toArray())) as { row: number; _distance: number }[];
    return rows
      .map((r) => ({ row: r.row, score: clampScore(1 - r._distance) }))
      .filter((h) => !exclude?.has(h.row))
      .sort((a, b) => b.score - a.score || a.row - b.row)
      .slice(0, want);
  }

  /** The index the options ask for at the table's current size; created (or replaced) here. */
  async ensureIndex(): Promise<void> {
    const kind = this.options.index === 'auto' ? (this.size > AUTO_INDEX_ROWS ? 'ivf_hnsw_sq' : 'none') : this.options.index;
    // Product quantisation trains 256 centroids per sub-vector: a smaller table stays exact until it grows.
    if (kind === 'none' || this.indexed || (kind === 'ivf_pq' && this.size < MIN_PQ_ROWS)) return;
    const { Index } = this.m.lance;
    const config = kind === 'ivf_pq' ? Index.ivfPq({ distanceType: 'cosine' }) : Index.hnswSq({ distanceType: 'cosine' });
    await this.writing(`building the ${kind} index`, () => this.table.createIndex('vector', { config, replace: true }));
    this.indexed = true;
  }

  /** After writes: an index once `auto` calls for one, compaction and index update once small fragments pile up. */
  private async maintain(): Promise<void> {
    if (!this.indexed) await this.ensureIndex();
    const stats = await lanceCall(this.where, 'reading table statistics', () => this.table.stats());
    if (stats.fragmentStats.numSmallFragments >= this.options.optimizeAfter) await this.optimize();
  }

  /**
   * Compacts small fragments, drops deleted rows from the files and brings the index up to date.
   * Old versions are kept (LanceDB's own default deletes those older than 7 days, which would
   * strand atlases saved on them) unless `cleanupOlderThanDays` says otherwise.
   */
  async optimize(): Promise<void> {
    const days = this.options.cleanupOlderThanDays;
    // A date before any version was written: nothing is old enough to be deleted.
    const cleanupOlderThan = days === null ? new Date(0) : new Date(Date.now() - days * 86_400_000);
    await this.writing('optimizing the table', () => this.table.optimize({ cleanupOlderThan }));
  }

  /** One write on top of this store's own version (restored first if the table moved on), which it then reads. */
  private async writing(what: string, op: () => Promise<unknown>): Promise<void> {
    await lanceCall(this.where, what, async () => {
      await this.table.checkoutLatest();
      if ((await this.table.version()) !== this.version) {
        await this.table.checkout(this.version);
        await this.table.restore();
      }
      await op();
      this.version = await this.table.version();
    });
  }

  async save(): Promise<JsonObject> {
    return { version: this.version, rows: this.count, indexed: this.indexed };
  }

  dispose(): void {
    this.table.close();
  }
}

/** Rows `firstRow…` of `vectors` as an Arrow table of the store's schema. */
function arrowTable(arrow: Arrow, vectors: readonly Float32Array[], firstRow: number, dims: number): import('apache-arrow').Table {
  const n = vectors.length;
  const schema = storeSchema(arrow, dims);
  const [rowField, vectorField] = schema.fields as [import('apache-arrow').Field, import('apache-arrow').Field<import('apache-arrow').FixedSizeList>];
  const rows = arrow.makeData({ type: rowField.type, length: n, data: Int32Array.from({ length: n }, (_, i) => firstRow + i) });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, children: [rows, vectorColumn(arrow, vectorField.type, vectors)] });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

function storeSchema(arrow: Arrow, dims: number): import('apache-arrow').Schema {
  return new arrow.Schema(
    [
      new arrow.Field('row', new arrow.Int32(), false),
      new arrow.Field('vector', new arrow.FixedSizeList(dims, new arrow.Field('item', new arrow.Float32(), true)), false),
    ],
    new Map([[MARK_KEY, MARK]]),
  );
}

/** Whether paper-atlas wrote the table (its schema carries the store's mark): only such tables are replaced. */
const isStoreTable = (schema: import('apache-arrow').Schema): boolean => schema.metadata.get(MARK_KEY) === MARK;

/** What is wrong with a table's schema as a store of `dims`-d vectors, or undefined. */
function schemaProblem(arrow: Arrow, schema: import('apache-arrow').Schema, dims: number): string | undefined {
  if (!isStoreTable(schema)) return 'it was not written by paper-atlas';
  const row = schema.fields.find((f) => f.name === 'row');
  const vector = schema.fields.find((f) => f.name === 'vector');
  if (!row || !arrow.DataType.isInt(row.type) || row.type.bitWidth !== 32) return 'its "row" column is not int32';
  if (!vector || !arrow.DataType.isFixedSizeList(vector.type) || vector.type.listSize !== dims || !arrow.DataType.isFloat(vector.type.children[0]!.type)) {
    return `its "vector" column is not ${dims} float32 values`;
  }
  return undefined;
}

/**
 * The LanceDB store stage (`id: 'lance'`): vectors in a Lance table on local disk or object
 * storage, searched with an IVF index at scale. Pass it as `store: { kind: 'lance', uri }` or as
 * an instance (`new LanceStoreProvider({ uri, storageOptions })`, which is also how a saved atlas
 * whose table needs credentials, or has moved, is loaded). Needs the optional dependencies
 * `@lancedb/lancedb` and `apache-arrow`.
 *
 * The pipeline's own neighbour graph and fitting sample use an in-memory HNSW index (`scratch`):
 * a table query per paper would cost far more than building one.
 */
export class LanceStoreProvider implements VectorStoreProvider {
  readonly id = 'lance';
  readonly options: Readonly<LanceOptions & JsonObject>;
  readonly scratch = new HnswStoreProvider();
  private readonly storageOptions: StorageOptions;

  constructor(options: Partial<LanceOptions> & { uri: string; storageOptions?: StorageOptions }) {
    const { storageOptions, ...rest } = checkOptions(options);
    this.options = Object.freeze(rest) as LanceOptions & JsonObject;
    this.storageOptions = storageOptions;
  }

  private get where(): string {
    return describeTable(this.options);
  }

  private async open(m: LanceModules): Promise<import('@lancedb/lancedb').Connection> {
    return lanceCall(this.where, 'connecting', () => m.lance.connect(this.options.uri, { storageOptions: this.storageOptions }));
  }

  async build(vectors: readonly Float32Array[], ctx: StoreContext): Promise<VectorStore> {
    const m = await lanceModules();
    const db = await this.open(m);
    const { table: name } = this.options;
    if ((await lanceCall(this.where, 'listing tables', () => db.tableNames())).includes(name)) {
      const existing = await lanceCall(this.where, 'opening the table', () => db.openTable(name));
      const ours = isStoreTable((await existing.schema()) as unknown as import('apache-arrow').Schema);
      existing.close();
      // Only a table paper-atlas wrote is replaced (its older versions stay in the table's history).
      if (!ours)
        throw new OptionError(
          'store.table',
          `a table "${name}" already exists at ${this.options.uri} and it was not written by paper-atlas; choose another table or uri`,
        );
    }
    ctx.onProgress?.(0, vectors.length);
    const table = await lanceCall(this.where, 'creating the table', () => db.createEmptyTable(name, storeSchema(m.arrow, ctx.dims), { mode: 'overwrite' }));
    const store = new LanceStore(m, table, ctx.dims, this.options, { rows: 0, removed: [], indexed: false, version: await table.version() });
    try {
      await store.write(vectors, 0, ctx);
      ctx.signal?.throwIfAborted();
      await store.ensureIndex();
      return store;
    } catch (err) {
      store.dispose();
      throw err;
    }
  }

  /**
   * Reopens the table at the version the atlas recorded, after checking it holds exactly the
   * atlas's rows (every row number once, none of the removed ones) and the atlas's vectors (all of
   * them up to 200,000 rows, a seeded sample of 20,000 above): the table lives outside the atlas
   * directory, so anyone may have changed it.
   */
  async load(
    state: JsonObject,
    _files: FileSource,
    ctx: StoreContext & { vectors: readonly Float32Array[]; removed: readonly number[] },
  ): Promise<VectorStore> {
    const { version, rows, indexed } = state;
    const n = ctx.vectors.length;
    if (!Number.isInteger(version) || (version as number) < 1 || rows !== n || typeof indexed !== 'boolean') {
      throw new AtlasFileError(this.where, 'the saved store state is not { version, rows, indexed } for this atlas');
    }
    const m = await lanceModules();
    const db = await this.open(m);
    const names = await lanceCall(this.where, 'listing tables', () => db.tableNames());
    if (!names.includes(this.options.table)) throw new AtlasFileError(this.where, 'the Lance table this atlas points at does not exist');
    const table = await lanceCall(this.where, 'opening the table', () => db.openTable(this.options.table));
    try {
      const latest = await table.version();
      if (latest !== version) {
        try {
          await table.checkout(version as number);
        } catch (err) {
          throw new AtlasFileError(this.where, `version ${version as number} of the table, which this atlas was saved at, is gone (newest: ${latest})`, {
            cause: err,
          });
        }
      }
      const problem = schemaProblem(m.arrow, (await table.schema()) as unknown as import('apache-arrow').Schema, ctx.dims);
      if (problem) throw new AtlasFileError(this.where, `is not this atlas's store: ${problem}`);
      await verifyTable(table, this.where, ctx.vectors, ctx.removed, ctx.seed);
      return new LanceStore(m, table, ctx.dims, this.options, { rows: n, removed: ctx.removed, indexed, version: version as number });
    } catch (err) {
      table.close();
      throw err;
    }
  }
}

/**
 * One pass over the table: every live row number exactly once and nothing else, and the vectors
 * equal to the atlas's bit for bit (all of them, or every stride-th row of a large table, from an
 * offset the seed picks: spread evenly, reproducible).
 */
async function verifyTable(table: Table, where: string, vectors: readonly Float32Array[], removed: readonly number[], seed: number): Promise<void> {
  const n = vectors.length;
  const seen = new Uint8Array(n);
  for (const r of removed) seen[r] = 2;
  const stride = n > VERIFY_ALL_ROWS ? Math.ceil(n / VERIFY_SAMPLE) : 1;
  const offset = seed % stride;
  let live = 0;
  for await (const batch of table.query().select(['row', 'vector'])) {
    const rowCol = batch.getChild('row')!;
    const vecCol = batch.getChild('vector')!;
    for (let i = 0; i < batch.numRows; i++) {
      const r = rowCol.get(i) as number | null;
      if (r === null || !Number.isInteger(r) || r < 0 || r >= n) throw new AtlasFileError(where, `holds row ${String(r)}, outside this atlas's ${n} rows`);
      if (seen[r] === 2) throw new AtlasFileError(where, `holds row ${r}, which this atlas removed`);
      if (seen[r] === 1) throw new AtlasFileError(where, `holds row ${r} twice`);
      seen[r] = 1;
      live++;
      if (r % stride !== offset) continue;
      const want = vectors[r]!;
      const got = (vecCol.get(i) as { toArray(): Float32Array } | null)?.toArray();
      if (!got || got.length !== want.length || got.some((x, j) => !Object.is(x, want[j])))
        throw new AtlasFileError(where, `row ${r}'s vector differs from this atlas's`);
    }
  }
  if (live !== n - removed.length) throw new AtlasFileError(where, `holds ${live} rows, this atlas has ${n - removed.length}`);
}
