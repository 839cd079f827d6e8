import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { AtlasFileError, PaperAtlasError } from '../errors.js';
import { readRegularFile, readRegularFileChunks, sha256, syncDir, tempFileWriter, UnsafeFileError, writeFileAtomic, writeTempStream } from '../io/atomic.js';
import { DEFAULT_FIT_SAMPLE } from '../pipeline/options.js';
import type { AtlasState } from '../pipeline/state.js';
import { describeStages, restoreStages, type Stages } from '../pipeline/stages.js';
import type { FileSink, FileSource, VectorStore } from '../store/store.js';
import type { JsonObject, Paper } from '../types.js';
import { firstBadVector, groupCentroids, rowViews } from '../vector.js';
import {
  ATLAS_FORMAT,
  ATLAS_VERSION,
  checkLexicalModel,
  checkManifest,
  checkPapers,
  checkThemes,
  DATA_FILE,
  MANIFEST,
  type FileRef,
  type Manifest,
  type SavedStages,
} from './manifest.js';

export { ATLAS_FORMAT, ATLAS_VERSION } from './manifest.js';

/** Names of data files a save is about to write: what the next save removes if this one dies. */
const JOURNAL = '.paper-atlas-journal.json';
const LOCK = '.paper-atlas.lock';
const MAX_MANIFEST_BYTES = 1 << 30;
const MAX_DATA_BYTES = 2 ** 40;
/** Longest line of the papers file: a paper with a 10 MB abstract and room to spare. */
const MAX_LINE_CHARS = 64 << 20;

/** An fs error as one line a user can act on. */
function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EFBIG':
    case 'ESHORTWRITE':
      return 'a file could not be written whole (a file-size limit, or the disk filled up)';
    case 'EDQUOT':
      return 'the disk quota is exhausted';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way of the directory';
    default:
      return code ? `${code}: ${(err as Error).message}` : String((err as Error).message ?? err);
  }
}

/** File names (of our data-file shape) that a manifest, of any version, refers to. */
function namesIn(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 4) return;
    if (typeof v === 'string' && DATA_FILE.test(v)) out.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk((value as { files?: unknown })?.files, 0);
  return out;
}

/**
 * What is in the directory before a save: nothing, or a paper-atlas manifest (whose files and
 * previous generation's files are ours to manage). Anything else named atlas.json is the user's:
 * the save is refused before it writes a byte.
 */
async function priorSave(dir: string): Promise<{ files: string[]; previous: string[] } | undefined> {
  const path = join(dir, MANIFEST);
  let raw: Buffer;
  try {
    raw = await readRegularFile(path, { maxBytes: MAX_MANIFEST_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AtlasFileError(
      path,
      `is not a paper-atlas manifest that can be replaced (${err instanceof UnsafeFileError ? err.message : fsReason(err)}); save into another directory`,
    );
  }
  let m: { format?: unknown; previous?: unknown };
  try {
    m = JSON.parse(raw.toString('utf8')) as typeof m;
  } catch {
    m = {};
  }
  if (!m || m.format !== ATLAS_FORMAT)
    throw new AtlasFileError(path, 'exists and is not a paper-atlas manifest; it was left alone: save into another directory');
  const previous = Array.isArray(m.previous) ? m.previous.filter((n): n is string => typeof n === 'string' && DATA_FILE.test(n)) : [];
  return { files: namesIn(m), previous };
}

async function readJournal(dir: string): Promise<string[]> {
  try {
    const names = JSON.parse((await readRegularFile(join(dir, JOURNAL), { maxBytes: 1 << 20 })).toString('utf8')) as unknown;
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string' && DATA_FILE.test(n)) : [];
  } catch {
    return [];
  }
}

/** A temp file a save of ours left (for a data file, the manifest or the journal) whose writer no longer runs. */
function isOrphanTemp(name: string): boolean {
  const temp = tempFileWriter(name);
  if (!temp || !(DATA_FILE.test(temp.target) || temp.target === MANIFEST || temp.target === JOURNAL)) return false;
  try {
    process.kill(temp.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function lockDir(dir: string): Promise<() => Promise<void>> {
  let compromised: Error | undefined;
  try {
    const release = await lockfile.lock(dir, {
      lockfilePath: join(dir, LOCK),
      realpath: false,
      stale: 20_000,
      update: 5_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 300 },
      onCompromised: (err) => {
        compromised = err;
      },
    });
    return async () => {
      await release().catch(() => undefined);
      if (compromised) throw compromised;
    };
  } catch (err) {
    throw new AtlasFileError(dir, `is being saved by another writer (lock ${join(dir, LOCK)}): ${(err as Error).message}; try again when it is done`);
  }
}

/**
 * Saves an atlas into a directory, under a lock so that writers (other atlases, other processes)
 * take turns. Content-addressed data files first (each checked after writing, and named in a journal
 * beforehand so that a save that dies is cleaned up by the next), then the manifest by atomic
 * rename. The previous save's files stay until the next save, so a reader that began before this
 * one still loads; only files a paper-atlas manifest or journal named are ever deleted. Anything
 * `readAtlas` would refuse is refused here, before the manifest is replaced; on any failure the
 * files this save created are removed and the previous atlas is untouched.
 */
export async function writeAtlas(dir: string, state: AtlasState, store: VectorStore): Promise<void> {
  // Vectors load() would refuse are refused before anything is written or locked.
  const bad = firstBadVector(state.vectors, state.embedder.dims);
  if (bad)
    throw new AtlasFileError(dir, `not saved: the vector of paper "${state.papers[bad.index]?.id}" ${bad.problem}; the atlas there (if any) is untouched`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new AtlasFileError(dir, `cannot be created (${fsReason(err)})`);
  }
  const release = await lockDir(dir);
  const created: string[] = [];
  const journal: string[] = [];
  try {
    const prior = await priorSave(dir);
    const kept = new Set([...(prior?.files ?? []), ...(prior?.previous ?? [])]);
    // A save that died left its journal: its files that no manifest names are garbage.
    for (const name of await readJournal(dir)) if (!kept.has(name)) await rm(join(dir, name), { force: true });
    const refs: FileRef[] = [];
    const sink = dataSink(dir, kept, { journal, created, refs });
    const manifest = await writeDataFiles(state, store, sink, refs, prior?.files ?? []);
    // Refuse to write what load would refuse.
    const checked = checkManifest(JSON.parse(JSON.stringify(manifest)) as unknown, join(dir, MANIFEST));
    checkPapers(state.papers as unknown[], join(dir, manifest.papers));
    checkThemes(checked, state.papers, join(dir, MANIFEST));
    await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    await rm(join(dir, JOURNAL), { force: true });
    const live = new Set([...refs.map((r) => r.name), ...(prior?.files ?? [])]);
    for (const name of prior?.previous ?? []) if (!live.has(name)) await rm(join(dir, name), { force: true });
    for (const name of await readdir(dir)) if (isOrphanTemp(name)) await rm(join(dir, name), { force: true });
  } catch (err) {
    for (const name of created) await rm(join(dir, name), { force: true }).catch(() => undefined);
    await rm(join(dir, JOURNAL), { force: true }).catch(() => undefined);
    if (err instanceof PaperAtlasError) throw err;
    throw new AtlasFileError(
      dir,
      `could not save the atlas (${fsReason(err)}); nothing was replaced: the previous atlas there is intact. Free space or choose another directory, then save again`,
      { cause: err },
    );
  } finally {
    await release();
  }
}

/**
 * Where a save writes its data files, each under its content name: named in the journal before it
 * appears (so the next save removes what a dead one left), or left as it is when the previous save
 * already holds the same bytes. `log` collects the journal, the files created and their refs.
 */
function dataSink(dir: string, kept: ReadonlySet<string>, log: { journal: string[]; created: string[]; refs: FileRef[] }): StreamingSink {
  const commit = async (name: string, bytes: number, digest: string, place: () => Promise<void>, discard: () => Promise<void>): Promise<string> => {
    const existing = await stat(join(dir, name)).catch(() => undefined);
    if (existing?.isFile() && existing.size === bytes && kept.has(name)) await discard();
    else {
      log.journal.push(name);
      await writeFileAtomic(join(dir, JOURNAL), JSON.stringify(log.journal));
      await place();
      log.created.push(name);
    }
    log.refs.push({ name, bytes, sha256: digest });
    return name;
  };
  const checkName = (stem: string, ext: string): void => {
    if (!/^[a-z][a-z0-9]*$/u.test(stem) || !/^[a-z0-9]+$/u.test(ext)) throw new AtlasFileError(dir, `invalid data file name ${stem}.${ext}`);
  };
  return {
    async put(stem, ext, data) {
      checkName(stem, ext);
      const digest = sha256(data);
      const name = `${stem}-${digest.slice(0, 16)}.${ext}`;
      return commit(
        name,
        data.byteLength,
        digest,
        () => writeFileAtomic(join(dir, name), data),
        async () => undefined,
      );
    },
    async putStream(stem, ext, produce) {
      checkName(stem, ext);
      // Streamed into a temp file under a placeholder name of the data-file shape (so a save that
      // dies leaves a temp file the next save removes), then renamed to its content name.
      const hash = createHash('sha256');
      const file = await writeTempStream(dir, `${stem}-${'0'.repeat(16)}.${ext}`, (write) =>
        produce((chunk) => {
          hash.update(chunk);
          return write(chunk);
        }),
      );
      const digest = hash.digest('hex');
      const name = `${stem}-${digest.slice(0, 16)}.${ext}`;
      const place = async (): Promise<void> => {
        await rename(file.path, join(dir, name));
        await syncDir(dir);
      };
      try {
        return await commit(name, file.bytes, digest, place, () => rm(file.path, { force: true }));
      } catch (err) {
        await rm(file.path, { force: true });
        throw err;
      }
    },
  };
}

/** A sink that can also stream a data file of any size, piece by piece. */
interface StreamingSink extends FileSink {
  putStream(stem: string, ext: string, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<string>;
}

/** Bytes gathered before each write while streaming papers and vectors: large writes, bounded memory. */
const WRITE_PIECE_BYTES = 8 << 20;

/** The papers as JSON lines, written a few megabytes at a time (the file may exceed any string V8 can hold). */
async function writePapers(papers: readonly Paper[], write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  let lines: string[] = [];
  let size = 0;
  for (const p of papers) {
    const line = `${JSON.stringify(p)}\n`;
    lines.push(line);
    size += line.length;
    if (size >= WRITE_PIECE_BYTES / 2) {
      await write(Buffer.from(lines.join(''), 'utf8'));
      lines = [];
      size = 0;
    }
  }
  if (lines.length) await write(Buffer.from(lines.join(''), 'utf8'));
}

/** The vectors as packed little-endian float32 rows, a few megabytes at a time (never one copy of them all). */
async function writeVectors(vectors: readonly Float32Array[], dims: number, write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const rows = Math.max(1, Math.floor(WRITE_PIECE_BYTES / (dims * 4)));
  const piece = new Float32Array(rows * dims);
  for (let first = 0; first < vectors.length; first += rows) {
    const count = Math.min(rows, vectors.length - first);
    for (let r = 0; r < count; r++) piece.set(vectors[first + r]!, r * dims);
    await write(new Uint8Array(piece.buffer, 0, count * dims * 4));
  }
}

async function writeDataFiles(state: AtlasState, store: VectorStore, sink: StreamingSink, refs: FileRef[], previous: string[]): Promise<Manifest> {
  const dims = state.embedder.dims;
  const papers = await sink.putStream('papers', 'jsonl', (write) => writePapers(state.papers, write));
  const vectors = await sink.putStream('vectors', 'f32', (write) => writeVectors(state.vectors, dims, write));
  const lexical = state.lexicalModel ? await sink.put('lexical', 'json', Buffer.from(JSON.stringify(state.lexicalModel))) : undefined;
  const stages: SavedStages = describeStages(state.stages);
  stages.store = { ...stages.store, state: await store.save(sink) };
  return {
    format: ATLAS_FORMAT,
    version: ATLAS_VERSION,
    createdAt: state.createdAt,
    source: state.source,
    seed: state.seed,
    fitSample: state.fitSample,
    engine: state.engine,
    embedder: state.embedder,
    dims,
    count: state.papers.length,
    removed: state.removed,
    stages,
    kSelection: state.kSelection,
    warnings: state.warnings,
    themes: state.themes,
    assignments: state.assignments,
    coords: state.coords,
    ...(state.changes ? { changes: state.changes } : {}),
    ...(state.fittedPapers !== undefined ? { fittedPapers: state.fittedPapers } : {}),
    ...(state.layoutCoords ? { layoutCoords: state.layoutCoords } : {}),
    papers,
    vectors,
    ...(lexical ? { lexical } : {}),
    files: refs,
    previous,
  };
}

/** A data file vanished because a newer save replaced the manifest meanwhile: read again. */
class Superseded extends Error {}

/** Where the atlas's own files are read back: whole (for stores), or streamed piece by piece. */
interface AtlasSource extends FileSource {
  /** The file's content to `onChunk` piece by piece (a reused buffer: copy what you keep); its size and sha256 checked. */
  stream(name: string, onChunk: (chunk: Uint8Array, offset: number) => void): Promise<void>;
}

function fileSource(dir: string, m: Manifest, manifestBytes: Buffer): AtlasSource {
  const refs = new Map(m.files.map((r) => [r.name, r]));
  /** Reads one data file the manifest lists, turning every failure into an AtlasFileError (or Superseded). */
  const checked = async <T>(name: string, read: (file: string, ref: FileRef) => Promise<{ value: T; digest: string }>): Promise<T> => {
    const ref = refs.get(name);
    if (!ref) throw new AtlasFileError(join(dir, MANIFEST), `names a data file it does not list: ${JSON.stringify(name)}`);
    const file = join(dir, name);
    let got: { value: T; digest: string };
    try {
      got = await read(file, ref);
    } catch (err) {
      if (err instanceof PaperAtlasError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        const now = await readRegularFile(join(dir, MANIFEST), { maxBytes: MAX_MANIFEST_BYTES }).catch(() => undefined);
        if (now && !now.equals(manifestBytes)) throw new Superseded();
        throw new AtlasFileError(file, 'is missing (a data file of the atlas)');
      }
      throw new AtlasFileError(file, err instanceof UnsafeFileError ? err.message : `cannot be read (${fsReason(err)})`);
    }
    if (got.digest !== ref.sha256) throw new AtlasFileError(file, 'checksum mismatch: the file is corrupted');
    return got.value;
  };
  return {
    path: (name) => join(dir, name),
    read: (name) =>
      checked(name, async (file, ref) => {
        const data = await readRegularFile(file, { maxBytes: MAX_DATA_BYTES, expectBytes: ref.bytes });
        return { value: data, digest: sha256(data) };
      }),
    stream: (name, onChunk) =>
      checked(name, async (file, ref) => ({
        value: undefined,
        digest: await readRegularFileChunks(file, { maxBytes: MAX_DATA_BYTES, expectBytes: ref.bytes }, onChunk),
      })),
  };
}

/**
 * The papers file, parsed line by line as it streams (it may be larger than any string V8 can
 * hold): strict UTF-8, one JSON object a line, every line checked; a line over `MAX_LINE_CHARS` is refused.
 */
async function readPapers(files: AtlasSource, name: string, file: string): Promise<Paper[]> {
  const values: unknown[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  const take = (text: string): void => {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const line = rest + text.slice(from, nl);
      rest = '';
      from = nl + 1;
      if (!line) continue;
      try {
        values.push(JSON.parse(line) as unknown);
      } catch {
        throw new AtlasFileError(file, `line ${values.length + 1} is not valid JSON`);
      }
    }
    rest += text.slice(from);
    if (rest.length > MAX_LINE_CHARS) throw new AtlasFileError(file, `line ${values.length + 1} is longer than ${MAX_LINE_CHARS} characters`);
  };
  const decode = (chunk?: Uint8Array): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new AtlasFileError(file, `line ${values.length + 1} is not valid UTF-8`);
    }
  };
  await files.stream(name, (chunk) => take(decode(chunk)));
  take(`${decode()}\n`);
  return checkPapers(values, file);
}

/** The vectors file read straight into the one array the atlas keeps (no second copy). */
async function readVectors(files: AtlasSource, name: string, count: number, dims: number): Promise<Float32Array> {
  // Allocated on the first piece, once the file is known to hold the size the manifest gives.
  let floats: Float32Array | undefined;
  let bytes: Uint8Array | undefined;
  await files.stream(name, (chunk, offset) => {
    floats ??= new Float32Array(count * dims);
    bytes ??= new Uint8Array(floats.buffer);
    bytes.set(chunk, offset);
  });
  return floats ?? new Float32Array(0);
}

/**
 * Reads and verifies a saved atlas, treating it as untrusted input: the manifest's every field is
 * checked, data files must be regular files of the size and sha256 the manifest gives, papers,
 * themes and the lexical model are checked before use, and the store checks its own files. When a
 * concurrent save replaces the atlas mid-read, the read starts over (up to three times).
 * `passed` supplies the custom stages the atlas was built with.
 */
export async function readAtlas(dir: string, passed: Partial<Stages> = {}): Promise<{ state: AtlasState; store: VectorStore }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(dir, passed);
    } catch (err) {
      if (!(err instanceof Superseded)) throw err;
      if (attempt >= 3) throw new AtlasFileError(dir, 'kept changing while being read (saved again and again by another writer); try again');
    }
  }
}

async function readOnce(dir: string, passed: Partial<Stages>): Promise<{ state: AtlasState; store: VectorStore }> {
  const manifestPath = join(dir, MANIFEST);
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new AtlasFileError(dir, 'no such directory');
  if (!info.isDirectory()) throw new AtlasFileError(dir, 'is not a directory: a saved atlas is a directory');
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(manifestPath, { maxBytes: MAX_MANIFEST_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AtlasFileError(manifestPath, 'is missing: not a saved atlas (run `paper-atlas build` first)');
    throw new AtlasFileError(manifestPath, err instanceof UnsafeFileError ? err.message : `cannot be read (${fsReason(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new AtlasFileError(manifestPath, `is not valid JSON (${(err as Error).message})`);
  }
  const m = checkManifest(raw, manifestPath);
  const files = fileSource(dir, m, bytes);
  const papersFile = join(dir, m.papers);
  const vectorsFile = join(dir, m.vectors);
  const vectorRef = m.files.find((f) => f.name === m.vectors);
  if (vectorRef && vectorRef.bytes !== m.count * m.dims * 4)
    throw new AtlasFileError(vectorsFile, `is ${vectorRef.bytes} bytes; ${m.count} vectors of ${m.dims} dimensions take ${m.count * m.dims * 4}`);
  const papers = await readPapers(files, m.papers, papersFile);
  if (papers.length !== m.count) throw new AtlasFileError(papersFile, `holds ${papers.length} papers, the manifest says ${m.count}`);
  checkThemes(m, papers, manifestPath);
  const floats = await readVectors(files, m.vectors, m.count, m.dims);
  const vectors = rowViews(floats, m.dims);
  const bad = firstBadVector(vectors, m.dims);
  if (bad) throw new AtlasFileError(vectorsFile, `vector ${bad.index} ${bad.problem}`);
  const lexicalBytes = m.lexical ? await files.read(m.lexical) : undefined;
  const lexicalModel = lexicalBytes ? checkLexicalModel(parseJson(lexicalBytes, join(dir, m.lexical!)), join(dir, m.lexical!)) : undefined;
  if (lexicalModel && lexicalModel.dims !== m.dims) throw new AtlasFileError(join(dir, m.lexical!), `has ${lexicalModel.dims} dimensions, the atlas ${m.dims}`);

  let stages: Stages;
  try {
    stages = restoreStages(m.stages, passed);
  } catch (err) {
    if (err instanceof PaperAtlasError && err.code !== 'E_OPTION') throw err;
    throw new AtlasFileError(manifestPath, `field "stages": ${(err as Error).message}`, { cause: err });
  }
  let store: VectorStore;
  try {
    store = await stages.store.load((m.stages.store.state ?? {}) as JsonObject, files, { seed: m.seed, dims: m.dims, vectors, removed: m.removed });
  } catch (err) {
    if (err instanceof PaperAtlasError) throw err;
    throw new AtlasFileError(manifestPath, `the saved ${m.stages.store.id} store could not be opened: ${(err as Error).message}`, { cause: err });
  }
  const removed = new Set(m.removed);
  const centroids = groupCentroids(
    vectors,
    m.assignments.map((a, i) => (removed.has(i) ? -1 : a)),
    m.themes.length,
  );
  const state: AtlasState = {
    createdAt: m.createdAt,
    source: m.source,
    seed: m.seed,
    fitSample: m.fitSample ?? Math.max(m.count, DEFAULT_FIT_SAMPLE),
    engine: m.engine,
    embedder: m.embedder,
    papers,
    vectors,
    removed: m.removed,
    stages,
    themes: m.themes,
    assignments: m.assignments,
    coords: m.coords,
    centroids,
    kSelection: m.kSelection,
    warnings: m.warnings,
    ...(m.changes ? { changes: m.changes } : {}),
    ...(m.fittedPapers !== undefined ? { fittedPapers: m.fittedPapers } : {}),
    ...(m.layoutCoords ? { layoutCoords: m.layoutCoords } : {}),
    ...(lexicalModel ? { lexicalModel } : {}),
  };
  return { state, store };
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (err) {
    throw new AtlasFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
}
