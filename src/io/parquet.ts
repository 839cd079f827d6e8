import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CorpusError } from '../errors.js';

type Hyparquet = typeof import('hyparquet');
type FileMetaData = import('hyparquet').FileMetaData;
type AsyncBuffer = import('hyparquet').AsyncBuffer;
type RowGroup = import('hyparquet').RowGroup;
type ColumnMetaData = import('hyparquet').ColumnMetaData;

/**
 * Bounds on what a Parquet file may ask the decoder to build, checked from the footer and the page
 * headers before any page is decoded: the decoder allocates what a header declares, so a 1 kB file
 * declaring ten million rows would otherwise fill the heap.
 */
export const PARQUET_LIMITS = {
  /** Largest page, uncompressed (writers use 1 MiB; a decompressed page is allocated whole). */
  maxPageBytes: 64 << 20,
  /**
   * Values a list column may hold per byte it takes in the file: 16, where float32 embeddings take
   * about 4 bytes a value even compressed. A row group decodes to at most this many values per byte.
   */
  listValuesPerByte: 16,
  /** Items a row's list (besides the vector: its authors) may hold on average beyond that bound. */
  listItemsPerRow: 100,
  /** Room a page header may take (headers carry statistics, rarely more than 1 kB). */
  headerWindow: 64 << 10,
  /** Bytes read at once while walking page headers. */
  readAhead: 1 << 20,
} as const;

/** One Parquet file, opened: its footer read, its top-level columns and key-value metadata known. */
export interface ParquetFile {
  path: string;
  columns: string[];
  /** The file's key-value metadata (pyarrow writes an Arrow schema's metadata here). */
  metadata: Map<string, string>;
  rows: number;
  /**
   * The file's rows in order, one object per row, the given columns only, read a row group at a
   * time; `onGroup` hears the rows decoded so far after each group.
   */
  read(columns: string[], signal?: AbortSignal, onGroup?: (rows: number) => void): AsyncGenerator<Record<string, unknown>>;
}

// hyparquet (pure JavaScript) and its decompressors are ESM-only; tsup bundles them into both
// builds, and they load on first use.
type Modules = { hp: Hyparquet; compressors: import('hyparquet').Compressors; parquetHeader: typeof import('hyparquet/src/column.js').parquetHeader };
let modules: Promise<Modules> | undefined;
function load(): Promise<Modules> {
  modules ??= Promise.all([import('hyparquet'), import('hyparquet-compressors'), import('hyparquet/src/column.js')]).then(([hp, c, column]) => ({
    hp,
    compressors: c.compressors,
    parquetHeader: column.parquetHeader,
  }));
  return modules;
}

/**
 * Whether `path` names Parquet: a `.parquet` file, or a directory that holds `.parquet` files and
 * no Lance table (`*.lance`), whose own data files are not read as Parquet.
 */
export async function isParquet(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (st?.isFile()) return path.toLowerCase().endsWith('.parquet');
  if (!st?.isDirectory()) return false;
  const names = (await readdir(path)).map((n) => n.toLowerCase());
  return names.some((n) => n.endsWith('.parquet')) && !names.some((n) => n.endsWith('.lance'));
}

/**
 * The Parquet files `path` names: itself, or a directory's `*.parquet` regular files in name order
 * (the part files Spark, Ray, DuckDB and pyarrow datasets write: `part-00000…`, `…_000000_000000…`).
 * Hidden files and subdirectories are not read; a symbolic link is refused, not followed.
 */
export async function parquetPaths(path: string): Promise<string[]> {
  const where = resolve(path);
  const st = await lstat(where).catch((err: unknown) => {
    throw new CorpusError({ source: where }, `cannot be read: ${(err as Error).message}`, { cause: err });
  });
  if (st.isFile()) return [where];
  if (!st.isDirectory()) throw new CorpusError({ source: where }, 'is neither a Parquet file nor a directory of them');
  const names = (await readdir(where)).filter((n) => n.toLowerCase().endsWith('.parquet') && !n.startsWith('.') && !n.startsWith('_')).sort();
  const files: string[] = [];
  for (const n of names) {
    const file = join(where, n);
    const s = await lstat(file);
    if (s.isSymbolicLink()) throw new CorpusError({ source: file }, 'is a symbolic link; paper-atlas reads the regular files of a directory only');
    if (s.isFile()) files.push(file);
  }
  if (!files.length) throw new CorpusError({ source: where }, 'holds no .parquet files');
  return files;
}

/** hyparquet's message, prefixed the way a corrupt file is reported. */
function unreadable(path: string, err: unknown): CorpusError {
  return new CorpusError({ source: path }, `is not a readable Parquet file: ${(err as Error).message ?? String(err)}`, { cause: err });
}

/** Opens one Parquet file: reads its footer (metadata, schema) and nothing else yet. */
export async function openParquet(path: string): Promise<ParquetFile> {
  const { hp, compressors } = await load();
  let file: AsyncBuffer;
  let meta: FileMetaData;
  try {
    file = await hp.asyncBufferFromFile(path);
    meta = await hp.parquetMetadataAsync(file);
  } catch (err) {
    throw unreadable(path, err);
  }
  const columns = hp.parquetSchema(meta).children.map((c) => c.element.name);
  const metadata = new Map((meta.key_value_metadata ?? []).filter((kv) => kv.value !== undefined).map((kv) => [kv.key, kv.value!]));
  const rows = checkRowCounts(path, meta);
  const { parquetHeader } = await load();
  return {
    path,
    columns,
    metadata,
    rows,
    async *read(wanted, signal, onGroup) {
      let first = 0;
      for (const [g, group] of meta.row_groups.entries()) {
        signal?.throwIfAborted();
        await checkPages(path, file, group, g, wanted, parquetHeader);
        const last = first + Number(group.num_rows);
        // Column by column (hyparquet's onChunk) rather than the row objects it would assemble:
        // measured 15% faster at a quarter less memory on 384-d vectors. A chunk may reach outside
        // the row group; only the group's rows are kept.
        const count = last - first;
        const columns = new Map(wanted.map((c) => [c, new Array<unknown>(count)]));
        const delivered = new Map(wanted.map((c) => [c, 0]));
        try {
          await hp.parquetRead({
            file,
            metadata: meta,
            columns: wanted,
            rowStart: first,
            rowEnd: last,
            compressors,
            onChunk: (chunk) => {
              const into = columns.get(chunk.columnName);
              if (!into) return;
              const from = Math.max(chunk.rowStart, first);
              const to = Math.min(chunk.rowEnd, last);
              for (let r = from; r < to; r++) into[r - first] = chunk.columnData[r - chunk.rowStart];
              delivered.set(chunk.columnName, delivered.get(chunk.columnName)! + Math.max(0, to - from));
            },
          });
        } catch (err) {
          throw unreadable(path, err);
        }
        for (const [c, n] of delivered)
          if (n !== count) throw new CorpusError({ source: path, field: c }, `row group ${g} declares ${count} rows, but its column "${c}" decoded to ${n}`);
        const cols = [...columns];
        for (let i = 0; i < count; i++) yield Object.fromEntries(cols.map(([c, values]) => [c, values[i]]));
        onGroup?.(last);
        first = last;
      }
    },
  };
}

/**
 * The file's row count, checked: every row group's count a non-negative integer, and their sum the
 * count the file declares (one changed footer byte must not drop or invent rows silently).
 */
function checkRowCounts(path: string, meta: FileMetaData): number {
  const count = (n: bigint | number, what: string): number => {
    const v = Number(n);
    if (!Number.isSafeInteger(v) || v < 0) throw new CorpusError({ source: path }, `is not a readable Parquet file: ${what} declares ${String(n)} rows`);
    return v;
  };
  const total = count(meta.num_rows, 'the footer');
  const sum = meta.row_groups.reduce((acc, g, i) => acc + count(g.num_rows, `row group ${i}`), 0);
  if (sum !== total) throw new CorpusError({ source: path }, `is not a readable Parquet file: its row groups hold ${sum} rows, its footer declares ${total}`);
  return total;
}

type HeaderReader = Modules['parquetHeader'];

/**
 * Walks the page headers of a row group's wanted column chunks (headers only, no page is
 * decompressed) and refuses the group before decoding when what they declare is out of bounds:
 * a page over `maxPageBytes`, a flat column whose values are not one per row, a list column with
 * more values than `listValuesPerByte` per byte it takes, a chunk reaching outside the file.
 */
async function checkPages(path: string, file: AsyncBuffer, group: RowGroup, g: number, wanted: readonly string[], parquetHeader: HeaderReader): Promise<void> {
  const rows = Number(group.num_rows);
  const bad = (problem: string, column?: string): CorpusError =>
    new CorpusError(
      { source: path, ...(column ? { field: column } : {}) },
      `is not a readable Parquet file: row group ${g}${column ? `, column "${column}"` : ''}: ${problem}`,
    );
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    const name = meta?.path_in_schema[0];
    if (!meta || name === undefined || !wanted.includes(name)) continue;
    const { start, end } = chunkRange(meta);
    if (!(start >= 0 && end >= start && end <= file.byteLength))
      throw bad(`its pages (bytes ${start}-${end}) lie outside the file (${file.byteLength} bytes)`, name);
    let values = 0;
    // Headers are parsed out of a window read ahead (a chunk of many small pages costs one read per
    // window, not one per page); a header the window cuts short is read again from its start.
    let window = new DataView(new ArrayBuffer(0));
    let windowStart = start;
    for (let pos = start; pos < end; ) {
      const windowEnd = windowStart + window.byteLength;
      const covered = pos >= windowStart && pos < windowEnd && (pos + PARQUET_LIMITS.headerWindow <= windowEnd || windowEnd === end);
      if (!covered) {
        windowStart = pos;
        window = new DataView(await file.slice(pos, Math.min(pos + PARQUET_LIMITS.readAhead, end)));
      }
      const reader = { view: window, offset: pos - windowStart };
      let header: ReturnType<HeaderReader>;
      try {
        header = parquetHeader(reader);
      } catch (err) {
        throw bad(`the page header at byte ${pos} is unreadable (${(err as Error).message})`, name);
      }
      const headerBytes = reader.offset - (pos - windowStart);
      const { compressed_page_size: compressed, uncompressed_page_size: uncompressed } = header;
      if (!Number.isSafeInteger(compressed) || compressed < 0 || reader.offset > window.byteLength || pos + headerBytes + compressed > end)
        throw bad(`the page at byte ${pos} declares ${compressed} bytes, past the end of its column chunk`, name);
      if (!Number.isSafeInteger(uncompressed) || uncompressed < 0 || uncompressed > PARQUET_LIMITS.maxPageBytes)
        throw bad(`the page at byte ${pos} declares ${uncompressed} bytes uncompressed (at most ${PARQUET_LIMITS.maxPageBytes} are read)`, name);
      const dictionary = header.dictionary_page_header?.num_values;
      if (dictionary !== undefined && !(Number.isSafeInteger(dictionary) && dictionary >= 0 && dictionary <= 8 * uncompressed + 8))
        throw bad(`the dictionary page at byte ${pos} declares ${dictionary} values in ${uncompressed} bytes`, name);
      const n = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0;
      if (!Number.isSafeInteger(n) || n < 0) throw bad(`the page at byte ${pos} declares ${n} values`, name);
      values += n;
      pos += headerBytes + compressed;
    }
    const flat = meta.path_in_schema.length === 1;
    if (flat && values !== rows) throw bad(`holds ${values} values for ${rows} rows`, name);
    const bytes = end - start;
    const cap = PARQUET_LIMITS.listValuesPerByte * bytes + (name === 'vector' ? 0 : PARQUET_LIMITS.listItemsPerRow * rows);
    if (!flat && values > cap)
      throw bad(
        `declares ${values} list values in ${bytes} bytes (at most ${PARQUET_LIMITS.listValuesPerByte} a byte are decoded: a decompression bomb, or a table of identical rows)`,
        name,
      );
    if (!flat && values < rows) throw bad(`holds ${values} list values for ${rows} rows`, name);
  }
}

/** The byte range of a column chunk, as hyparquet reads it: from its dictionary page if it has one. */
function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}
