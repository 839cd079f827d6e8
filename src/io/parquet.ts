import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CorpusError } from '../errors.js';

type Hyparquet = typeof import('hyparquet');
type FileMetaData = import('hyparquet').FileMetaData;
type AsyncBuffer = import('hyparquet').AsyncBuffer;

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
type Modules = { hp: Hyparquet; compressors: import('hyparquet').Compressors };
let modules: Promise<Modules> | undefined;
function load(): Promise<Modules> {
  modules ??= Promise.all([import('hyparquet'), import('hyparquet-compressors')]).then(([hp, c]) => ({ hp, compressors: c.compressors }));
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
  return {
    path,
    columns,
    metadata,
    rows: Number(meta.num_rows),
    async *read(wanted, signal, onGroup) {
      let first = 0;
      for (const group of meta.row_groups) {
        signal?.throwIfAborted();
        const last = first + Number(group.num_rows);
        // Column by column (hyparquet's onChunk) rather than the row objects it would assemble:
        // measured 15% faster at a quarter less memory on 384-d vectors. A chunk may reach outside
        // the row group; only the group's rows are kept.
        const count = last - first;
        const columns = new Map(wanted.map((c) => [c, new Array<unknown>(count)]));
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
              for (let r = Math.max(chunk.rowStart, first); r < Math.min(chunk.rowEnd, last); r++) into[r - first] = chunk.columnData[r - chunk.rowStart];
            },
          });
        } catch (err) {
          throw unreadable(path, err);
        }
        const cols = [...columns];
        for (let i = 0; i < count; i++) yield Object.fromEntries(cols.map(([c, values]) => [c, values[i]]));
        onGroup?.(last);
        first = last;
      }
    },
  };
}

