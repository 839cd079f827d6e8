import { resolve } from 'node:path';
import { Corpus, type CorpusOptions } from '../corpus/corpus.js';
import { normalizeText } from '../corpus/text.js';
import { checkOptionsObject, CorpusError, OptionError, optionKeys } from '../errors.js';
import { isRemoteUri, lanceMessage, lanceModules, tableUri, vectorColumn } from '../io/lance.js';
import { isParquet, openParquet, parquetPaths, type ParquetFile } from '../io/parquet.js';
import type { EmbedderInfo, Paper } from '../types.js';
import { firstBadVector, vectorProblem } from '../vector.js';

/** Schema metadata naming the embedder that made a table's vectors (an `Embedder.id`). */
export const EMBEDDER_METADATA_KEY = 'paper-atlas.embedder';

/** Vectors someone else computed, and the id of the embedder that computed them. */
export interface PrecomputedVectors {
  /** The `Embedder.id` that made them: model, weights hash, pooling, long-text mode, max tokens. */
  embedder: string;
  /** One unit vector per paper of the corpus, in its order. */
  vectors: readonly Float32Array[];
}

/** A table's papers and their vectors, ready for `Atlas.build(table.corpus, { precomputed: table })`. */
export interface VectorTable extends PrecomputedVectors {
  corpus: Corpus;
}

export interface ReadVectorTableOptions extends Pick<CorpusOptions, 'missingAbstract' | 'onDuplicate' | 'stripMarkup'> {
  /**
   * [format='auto'] `'lance'`: a LanceDB URI (a directory, `s3://`, `gs://`, `az://`). `'parquet'`: a
   * local Parquet file, or a directory of them read in file-name order. `'auto'`: Parquet when the
   * path is a `.parquet` file or a local directory holding `.parquet` files, else Lance.
   */
  format?: 'auto' | 'lance' | 'parquet';
  /** [table='papers'] The table's name under the URI (Lance only). */
  table?: string;
  /** Credentials and endpoints for object storage, passed to LanceDB as they are (Lance only). */
  storageOptions?: Record<string, string>;
  signal?: AbortSignal;
  /** Rows read so far of the table's total, after each batch (Lance) or row group (Parquet). */
  onProgress?: (p: { read: number; total: number }) => void;
}

const COLUMNS = ['id', 'title', 'abstract', 'authors', 'year', 'url', 'doi', 'vector'] as const;

/** One row as a table format hands it over: column values as they come, the vector as numbers. */
type Row = Record<string, unknown>;

/**
 * Collects a table's rows into records and vectors, checking each row as it comes: a non-empty
 * string id, seen once; a vector of the table's dimension, finite, unit length.
 */
class RowChecker {
  readonly records: Record<string, unknown>[] = [];
  readonly byId = new Map<string, Float32Array>();
  private record = 0;
  constructor(
    private source: string,
    private dims: number | undefined,
  ) {}

  /** Checks and keeps one row; `at` names it in errors (default: the table, the row's number in it). */
  add(row: Row, at?: { source: string; record: number }): void {
    this.record++;
    const loc = at ?? { source: this.source, record: this.record };
    const id = row.id;
    if (typeof id !== 'string' || !id) throw new CorpusError({ ...loc, field: 'id' }, 'is not a non-empty string');
    const v = toFloat32(row.vector);
    this.dims ??= v?.length;
    if (!v || !v.length || v.length !== this.dims)
      throw new CorpusError({ ...loc, field: 'vector' }, `has ${v?.length ?? 'no'} values, where the table's vectors have ${this.dims ?? 'some'}`);
    const problem = vectorProblem(v, this.dims);
    if (problem) throw new CorpusError({ ...loc, field: 'vector' }, problem);
    // Stored under the id the corpus will give the paper, so a lookup finds this row and no other.
    const key = normalizeText(id);
    if (this.byId.has(key))
      throw new CorpusError(
        { ...loc, field: 'id' },
        `repeats the id "${key}"${key !== id ? ` (written "${id}" in this row; ids are compared with spacing and control characters normalised)` : ''}`,
      );
    this.byId.set(key, v);
    const rec: Record<string, unknown> = {};
    for (const c of COLUMNS) {
      if (c === 'vector') continue;
      const value = row[c];
      if (value === null || value === undefined) continue;
      rec[c] =
        typeof value === 'bigint'
          ? Number(value)
          : typeof (value as { toArray?: unknown }).toArray === 'function'
            ? [...(value as { toArray(): unknown[] }).toArray()]
            : value;
    }
    this.records.push(rec);
  }

  /** The records through the corpus rules; each kept paper keeps its vector. */
  finish(embedder: string, opts: ReadVectorTableOptions): VectorTable {
    const corpus = Corpus.from(this.records, {
      source: this.source,
      ...(opts.missingAbstract ? { missingAbstract: opts.missingAbstract } : {}),
      ...(opts.onDuplicate ? { onDuplicate: opts.onDuplicate } : {}),
      ...(opts.stripMarkup !== undefined ? { stripMarkup: opts.stripMarkup } : {}),
    });
    const vectors = corpus.papers.map((p) => {
      const v = this.byId.get(p.id);
      if (!v) throw new CorpusError({ source: this.source, field: 'id' }, `paper "${p.id}" has no row of its own (its id was rewritten while reading)`);
      return v;
    });
    return { corpus, vectors, embedder };
  }
}

/** A vector cell as Lance (an Arrow vector) or Parquet (an array of numbers) gives it. */
function toFloat32(raw: unknown): Float32Array | undefined {
  if (raw === null || raw === undefined) return undefined;
  const values = typeof (raw as { toArray?: unknown }).toArray === 'function' ? (raw as { toArray(): ArrayLike<unknown> }).toArray() : raw;
  // Lance hands over a float typed array (one copy, no per-value checks); Parquet a plain array.
  if (values instanceof Float32Array || values instanceof Float64Array) return Float32Array.from(values);
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) return undefined;
  const out = new Float32Array((values as ArrayLike<unknown>).length);
  for (let i = 0; i < out.length; i++) {
    const x = (values as ArrayLike<unknown>)[i];
    out[i] = typeof x === 'number' ? x : Number.NaN;
  }
  return out;
}

function requireColumns(names: Set<string>, source: string): void {
  for (const required of ['id', 'title', 'vector']) if (!names.has(required)) throw new CorpusError({ source, field: required }, `has no "${required}" column`);
}

function noEmbedder(source: string): CorpusError {
  return new CorpusError({ source }, `does not say which embedder made its vectors (${EMBEDDER_METADATA_KEY} in its metadata)`);
}

/**
 * Reads papers with their vectors, written by someone else's job (the Ray recipe in bench/ray, a
 * Spark or pandas job, any writer): a Lance table, or Parquet (a file or a directory of part files).
 * Columns `id`, `title`, `vector` (a list of float32 or float64 numbers, the same length in every
 * row), and optionally `abstract`, `authors` (list of strings), `year`, `url`, `doi`; the metadata
 * key `paper-atlas.embedder` (Lance schema metadata; Parquet key-value metadata, which is where
 * pyarrow keeps an Arrow schema's) names the embedder that made the vectors — in every part file of
 * a directory, the same. Records go through the same corpus rules as a file (missing abstracts,
 * duplicates); each kept paper keeps its vector. Every vector is checked: the table's dimension,
 * finite, unit length.
 */
export async function readVectorTable(uri: string, opts: ReadVectorTableOptions = {}): Promise<VectorTable> {
  checkOptionsObject(
    'options',
    opts,
    optionKeys<ReadVectorTableOptions>()('missingAbstract', 'onDuplicate', 'stripMarkup', 'format', 'table', 'storageOptions', 'signal', 'onProgress'),
  );
  const format = opts.format ?? 'auto';
  if (!['auto', 'lance', 'parquet'].includes(format)) throw new OptionError('format', 'must be "auto", "lance" or "parquet"');
  const parquet = format === 'parquet' || (format === 'auto' && !isRemoteUri(uri) && (await isParquet(uri)));
  return parquet ? readParquetTable(uri, opts) : readLanceTable(uri, opts);
}

async function readParquetTable(path: string, opts: ReadVectorTableOptions): Promise<VectorTable> {
  if (isRemoteUri(path)) throw new OptionError('format', `Parquet is read from local files; ${path} is a URI (write a Lance table to object storage instead)`);
  const files = await parquetPaths(path);
  const source = resolve(path);
  let embedder: string | undefined;
  const checker = new RowChecker(source, undefined);
  // Every footer first: the embedder id and the columns are checked before any data is read.
  const opened: ParquetFile[] = [];
  for (const name of files) {
    const file = await openParquet(name);
    const id = file.metadata.get(EMBEDDER_METADATA_KEY);
    if (!id) throw noEmbedder(name);
    if (embedder !== undefined && id !== embedder)
      throw new CorpusError({ source: name }, `says its vectors were made by ${id}, the files before it by ${embedder}`);
    embedder = id;
    requireColumns(new Set(file.columns), name);
    opened.push(file);
  }
  const total = opened.reduce((sum, f) => sum + f.rows, 0);
  let read = 0;
  for (const file of opened) {
    let record = 0;
    for await (const row of file.read(
      COLUMNS.filter((c) => file.columns.includes(c)),
      opts.signal,
      (rows) => opts.onProgress?.({ read: read + rows, total }),
    )) {
      checker.add(row, { source: file.path, record: ++record });
    }
    read += file.rows;
  }
  return checker.finish(embedder!, opts);
}

async function readLanceTable(uri: string, opts: ReadVectorTableOptions): Promise<VectorTable> {
  const { lance } = await lanceModules();
  const name = opts.table ?? 'papers';
  const where = tableUri(uri);
  const source = `${where} (table ${name})`;
  let table: import('@lancedb/lancedb').Table;
  try {
    const db = await lance.connect(where, { storageOptions: opts.storageOptions ?? {} });
    table = await db.openTable(name);
  } catch (err) {
    throw new CorpusError({ source }, `cannot be opened: ${lanceMessage(err)}`, { cause: err });
  }
  try {
    const schema = await table.schema();
    const embedder = schema.metadata.get(EMBEDDER_METADATA_KEY);
    if (!embedder) throw noEmbedder(source);
    const names = new Set(schema.fields.map((f) => f.name));
    requireColumns(names, source);
    const vectorField = schema.fields.find((f) => f.name === 'vector')!;
    const dims = (vectorField.type as { listSize?: number }).listSize;
    if (!Number.isInteger(dims) || dims! < 1) throw new CorpusError({ source, field: 'vector' }, 'is not a fixed-size list of numbers');
    const columns = COLUMNS.filter((c) => names.has(c));
    const checker = new RowChecker(source, dims);
    const total = opts.onProgress ? await table.countRows() : 0;
    let read = 0;
    for await (const batch of table.query().select(columns)) {
      opts.signal?.throwIfAborted();
      const cols = columns.map((c) => [c, batch.getChild(c)!] as const);
      for (let i = 0; i < batch.numRows; i++) checker.add(Object.fromEntries(cols.map(([c, col]) => [c, col.get(i) as unknown])));
      read += batch.numRows;
      opts.onProgress?.({ read, total });
    }
    return checker.finish(embedder, opts);
  } finally {
    table.close();
  }
}

/**
 * The precomputed vectors of a build, checked against the corpus and the atlas's own embedder: a
 * vector made by another model, weights, pooling, long-text mode or token limit would answer
 * queries in a different space, so a differing embedder id is refused.
 */
export function checkPrecomputed(given: unknown, corpus: Corpus, info: EmbedderInfo): Float32Array[] {
  const p = given as Partial<PrecomputedVectors> | null;
  if (typeof p !== 'object' || p === null || typeof p.embedder !== 'string' || !Array.isArray(p.vectors)) {
    throw new OptionError('precomputed', 'must be { embedder, vectors } (e.g. what readVectorTable returns)');
  }
  if (p.embedder !== info.id) {
    throw new OptionError(
      'precomputed',
      `the vectors were made by ${p.embedder}, but this atlas embeds queries and new papers with ${info.id}; pass the embedder that made them, or re-embed`,
    );
  }
  if (p.vectors.length !== corpus.size) throw new OptionError('precomputed', `has ${p.vectors.length} vectors for ${corpus.size} papers`);
  const bad = firstBadVector(p.vectors, info.dims);
  if (bad)
    throw new OptionError(
      'precomputed',
      `vector ${bad.index} (paper "${corpus.papers[bad.index]!.id}") ${bad.problem}; vectors must be unit length, finite, of ${info.dims} values`,
    );
  return [...p.vectors];
}

/** Rows written per batch. */
const WRITE_BATCH = 50_000;

/**
 * Writes papers and their vectors as a Lance table `readVectorTable` reads back (columns `id`,
 * `title`, `abstract`, `authors`, `year`, `url`, `doi`, `vector`; the embedder id in the schema
 * metadata): to hand an atlas's vectors to another tool, or to test a recipe's output against.
 * Replaces a table of that name.
 */
export async function writeVectorTable(
  uri: string,
  papers: readonly Paper[],
  vectors: PrecomputedVectors,
  opts: Pick<ReadVectorTableOptions, 'table' | 'storageOptions'> = {},
): Promise<void> {
  if (vectors.vectors.length !== papers.length) throw new OptionError('vectors', `has ${vectors.vectors.length} vectors for ${papers.length} papers`);
  const dims = vectors.vectors[0]?.length ?? 0;
  if (!dims || vectors.vectors.some((v) => v.length !== dims)) throw new OptionError('vectors', 'must all have the same, non-zero length');
  const { lance, arrow } = await lanceModules();
  const where = tableUri(uri);
  const text = (): import('apache-arrow').Utf8 => new arrow.Utf8();
  const schema = new arrow.Schema(
    [
      new arrow.Field('id', text(), false),
      new arrow.Field('title', text(), false),
      new arrow.Field('abstract', text(), true),
      new arrow.Field('authors', new arrow.List(new arrow.Field('item', text(), true)), true),
      new arrow.Field('year', new arrow.Int32(), true),
      new arrow.Field('url', text(), true),
      new arrow.Field('doi', text(), true),
      new arrow.Field('vector', new arrow.FixedSizeList(dims, new arrow.Field('item', new arrow.Float32(), true)), false),
    ],
    new Map([[EMBEDDER_METADATA_KEY, vectors.embedder]]),
  );
  const db = await lance.connect(where, { storageOptions: opts.storageOptions ?? {} });
  const table = await db.createEmptyTable(opts.table ?? 'papers', schema, { mode: 'overwrite' });
  try {
    for (let first = 0; first < papers.length; first += WRITE_BATCH) {
      const slice = papers.slice(first, first + WRITE_BATCH);
      const column = <T>(pick: (p: Paper) => T | undefined): (T | null)[] => slice.map((p) => pick(p) ?? null);
      const children = [
        arrow.vectorFromArray(
          column((p) => p.id),
          text(),
        ),
        arrow.vectorFromArray(
          column((p) => p.title),
          text(),
        ),
        arrow.vectorFromArray(
          column((p) => p.abstract),
          text(),
        ),
        arrow.vectorFromArray(
          column((p) => (p.authors ? [...p.authors] : undefined)),
          schema.fields[3]!.type as import('apache-arrow').List<import('apache-arrow').Utf8>,
        ),
        arrow.vectorFromArray(
          column((p) => p.year),
          new arrow.Int32(),
        ),
        arrow.vectorFromArray(
          column((p) => p.url),
          text(),
        ),
        arrow.vectorFromArray(
          column((p) => p.doi),
          text(),
        ),
      ].map((v) => v.data[0]!);
      const vector = vectorColumn(arrow, schema.fields[7]!.type as import('apache-arrow').FixedSizeList, vectors.vectors.slice(first, first + slice.length));
      const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: slice.length, children: [...children, vector] });
      await table.add(new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]));
    }
  } finally {
    table.close();
  }
}
