import { Corpus, type CorpusOptions } from '../corpus/corpus.js';
import { CorpusError, OptionError } from '../errors.js';
import { lanceMessage, lanceModules, tableUri, vectorColumn } from '../io/lance.js';
import type { EmbedderInfo, Paper } from '../types.js';

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
  /** [table='papers'] The table's name under the URI. */
  table?: string;
  /** Credentials and endpoints for object storage, passed to LanceDB as they are. */
  storageOptions?: Record<string, string>;
  signal?: AbortSignal;
}

/** How far a vector's length may be from 1 (float32 rounding of a normalised vector is far below). */
const UNIT_TOLERANCE = 1e-3;

/**
 * Reads a Lance table of papers with their vectors, written by someone else's job (the Ray recipe
 * in bench/ray, or any writer): columns `id`, `title`, `vector` (fixed-size list of float32 or
 * float64), and optionally `abstract`, `authors` (list of strings), `year`, `url`, `doi`; schema
 * metadata `paper-atlas.embedder` names the embedder that made the vectors. Records go through the
 * same corpus rules as a file (missing abstracts, duplicates); each kept paper keeps its vector.
 * Every vector is checked: the table's dimension, finite, unit length.
 */
export async function readVectorTable(uri: string, opts: ReadVectorTableOptions = {}): Promise<VectorTable> {
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
    if (!embedder) throw new CorpusError({ source }, `does not say which embedder made its vectors (schema metadata "${EMBEDDER_METADATA_KEY}")`);
    const names = new Set(schema.fields.map((f) => f.name));
    for (const required of ['id', 'title', 'vector']) if (!names.has(required)) throw new CorpusError({ source, field: required }, `has no "${required}" column`);
    const vectorField = schema.fields.find((f) => f.name === 'vector')!;
    const dims = (vectorField.type as { listSize?: number }).listSize;
    if (!Number.isInteger(dims) || dims! < 1) throw new CorpusError({ source, field: 'vector' }, 'is not a fixed-size list of numbers');
    const columns = ['id', 'title', 'abstract', 'authors', 'year', 'url', 'doi', 'vector'].filter((c) => names.has(c));
    const records: Record<string, unknown>[] = [];
    const byId = new Map<string, Float32Array>();
    let record = 0;
    for await (const batch of table.query().select(columns)) {
      opts.signal?.throwIfAborted();
      const cols = Object.fromEntries(columns.map((c) => [c, batch.getChild(c)!]));
      for (let i = 0; i < batch.numRows; i++) {
        record++;
        const loc = { source, record };
        const id = cols.id!.get(i) as unknown;
        if (typeof id !== 'string' || !id) throw new CorpusError({ ...loc, field: 'id' }, 'is not a non-empty string');
        const raw = cols.vector!.get(i) as { toArray(): ArrayLike<number> } | null;
        const v = raw ? Float32Array.from(raw.toArray()) : undefined;
        if (!v || v.length !== dims) throw new CorpusError({ ...loc, field: 'vector' }, `has ${v?.length ?? 'no'} values, the column ${dims}`);
        let norm = 0;
        for (const x of v) norm += x * x;
        norm = Math.sqrt(norm);
        if (!Number.isFinite(norm) || Math.abs(norm - 1) > UNIT_TOLERANCE) throw new CorpusError({ ...loc, field: 'vector' }, `is not a unit vector (length ${norm.toFixed(4)})`);
        if (byId.has(id)) throw new CorpusError({ ...loc, field: 'id' }, `repeats the id "${id}"`);
        byId.set(id, v);
        const rec: Record<string, unknown> = {};
        for (const c of columns) {
          if (c === 'vector') continue;
          const value = cols[c]!.get(i) as unknown;
          if (value === null || value === undefined) continue;
          rec[c] = typeof value === 'bigint' ? Number(value) : typeof (value as { toArray?: unknown }).toArray === 'function' ? [...(value as { toArray(): unknown[] }).toArray()] : value;
        }
        records.push(rec);
      }
    }
    const corpus = Corpus.from(records, {
      source,
      ...(opts.missingAbstract ? { missingAbstract: opts.missingAbstract } : {}),
      ...(opts.onDuplicate ? { onDuplicate: opts.onDuplicate } : {}),
      ...(opts.stripMarkup !== undefined ? { stripMarkup: opts.stripMarkup } : {}),
    });
    const vectors = corpus.papers.map((p) => {
      const v = byId.get(p.id);
      if (!v) throw new CorpusError({ source, field: 'id' }, `paper "${p.id}" has no row of its own (its id was rewritten while reading)`);
      return v;
    });
    return { corpus, vectors, embedder };
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
    throw new OptionError('precomputed', `the vectors were made by ${p.embedder}, but this atlas embeds queries and new papers with ${info.id}; pass the embedder that made them, or re-embed`);
  }
  if (p.vectors.length !== corpus.size) throw new OptionError('precomputed', `has ${p.vectors.length} vectors for ${corpus.size} papers`);
  p.vectors.forEach((v, i) => {
    if (!(v instanceof Float32Array) || v.length !== info.dims) throw new OptionError('precomputed', `vector ${i} is not a Float32Array of ${info.dims} values`);
  });
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
        arrow.vectorFromArray(column((p) => p.id), text()),
        arrow.vectorFromArray(column((p) => p.title), text()),
        arrow.vectorFromArray(column((p) => p.abstract), text()),
        arrow.vectorFromArray(column((p) => (p.authors ? [...p.authors] : undefined)), schema.fields[3]!.type as import('apache-arrow').List<import('apache-arrow').Utf8>),
        arrow.vectorFromArray(column((p) => p.year), new arrow.Int32()),
        arrow.vectorFromArray(column((p) => p.url), text()),
        arrow.vectorFromArray(column((p) => p.doi), text()),
      ].map((v) => v.data[0]!);
      const vector = vectorColumn(arrow, schema.fields[7]!.type as import('apache-arrow').FixedSizeList, vectors.vectors.slice(first, first + slice.length));
      const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: slice.length, children: [...children, vector] });
      await table.add(new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]));
    }
  } finally {
    table.close();
  }
}

