import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LexicalModel } from '../embed/lexical.js';
import { AtlasFileError, PaperAtlasError } from '../errors.js';
import { sha256, writeFileAtomic } from '../io/atomic.js';
import type { AtlasState } from '../pipeline/state.js';
import { describeStages, restoreStages, STAGE_NAMES, type StageName, type Stages, type StageSpec } from '../pipeline/stages.js';
import type { FileSink, FileSource, VectorStore } from '../store/store.js';
import type { EmbedderInfo, JsonObject, KSelection, Paper, Theme } from '../types.js';
import { groupCentroids, packRows, rowViews } from '../vector.js';

export const ATLAS_FORMAT = 'paper-atlas';
/** Version 2: stages recorded with their resolved options (version 1 saved only the caller's options). */
export const ATLAS_VERSION = 2;
const MANIFEST = 'atlas.json';

interface FileRef {
  name: string;
  bytes: number;
  sha256: string;
}

type SavedStages = Record<StageName, StageSpec & { state?: JsonObject }>;

interface Manifest {
  format: string;
  version: number;
  createdAt: string;
  source: string;
  seed: number;
  engine: string;
  embedder: EmbedderInfo;
  dims: number;
  count: number;
  removed: number[];
  stages: SavedStages;
  kSelection: KSelection;
  warnings: string[];
  themes: Theme[];
  assignments: number[];
  coords: [number, number][];
  papers: string;
  vectors: string;
  lexical?: string;
  /** Every data file of this save, with its size and sha256. */
  files: FileRef[];
}

const DATA_FILE = /^[a-z][a-z0-9]*-[0-9a-f]{16}\.[a-z0-9]+$/u;

/** Stores data under a content-addressed name, so a new save never overwrites a file the old manifest uses. */
function fileSink(dir: string, refs: FileRef[]): FileSink {
  return {
    async put(stem, ext, data) {
      if (!/^[a-z][a-z0-9]*$/u.test(stem) || !/^[a-z0-9]+$/u.test(ext)) throw new AtlasFileError(dir, `invalid data file name ${stem}.${ext}`);
      const digest = sha256(data);
      const name = `${stem}-${digest.slice(0, 16)}.${ext}`;
      await writeFileAtomic(join(dir, name), data);
      refs.push({ name, bytes: data.length, sha256: digest });
      return name;
    },
  };
}

/**
 * Saves in three steps: content-addressed data files (the store writes its own through a sink),
 * then the manifest (atomic rename), then removal of data files no manifest names. A crash at any
 * point leaves either the old or the new atlas.
 */
export async function writeAtlas(dir: string, state: AtlasState, store: VectorStore): Promise<void> {
  await mkdir(dir, { recursive: true });
  const refs: FileRef[] = [];
  const sink = fileSink(dir, refs);
  const dims = state.embedder.dims;
  const papers = await sink.put('papers', 'jsonl', Buffer.from(state.papers.map((p) => JSON.stringify(p)).join('\n') + '\n'));
  const packed = packRows(state.vectors, dims);
  const vectors = await sink.put('vectors', 'f32', new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
  const lexical = state.lexicalModel ? await sink.put('lexical', 'json', Buffer.from(JSON.stringify(state.lexicalModel))) : undefined;
  const stages: SavedStages = describeStages(state.stages);
  stages.store = { ...stages.store, state: await store.save(sink) };
  const manifest: Manifest = {
    format: ATLAS_FORMAT,
    version: ATLAS_VERSION,
    createdAt: state.createdAt,
    source: state.source,
    seed: state.seed,
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
    papers,
    vectors,
    ...(lexical ? { lexical } : {}),
    files: refs,
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  const keep = new Set(refs.map((r) => r.name));
  for (const name of await readdir(dir)) {
    const stale = (!keep.has(name) && DATA_FILE.test(name)) || isOrphanTemp(name);
    if (stale) await rm(join(dir, name), { force: true });
  }
}

/** A temp file left by a writer that died (its pid no longer runs); a live writer's temp files are kept. */
function isOrphanTemp(name: string): boolean {
  const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/u.exec(name);
  if (!m) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function fileSource(dir: string, refs: FileRef[]): FileSource {
  return {
    async read(name) {
      const ref = refs.find((r) => r.name === name);
      if (!ref || !DATA_FILE.test(name)) throw new AtlasFileError(join(dir, MANIFEST), `names no data file ${JSON.stringify(name)}`);
      const file = join(dir, ref.name);
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch {
        throw new AtlasFileError(file, 'is missing (a data file of the atlas)');
      }
      if (data.length !== ref.bytes) throw new AtlasFileError(file, `is ${data.length} bytes, the manifest says ${ref.bytes} (truncated or replaced)`);
      if (sha256(data) !== ref.sha256) throw new AtlasFileError(file, 'checksum mismatch: the file is corrupted');
      return data;
    },
  };
}

function expect(cond: unknown, file: string, problem: string): asserts cond {
  if (!cond) throw new AtlasFileError(file, problem);
}

/**
 * Reads and verifies a saved atlas: manifest shape, sizes and sha256 of every file, before any
 * parser sees them. `passed` supplies custom stages the atlas was built with.
 */
export async function readAtlas(dir: string, passed: Partial<Stages> = {}): Promise<{ state: AtlasState; store: VectorStore }> {
  const manifestPath = join(dir, MANIFEST);
  try {
    await stat(dir);
  } catch {
    throw new AtlasFileError(dir, 'no such directory');
  }
  let raw: string;
  try {
    raw = await readFile(manifestPath, 'utf8');
  } catch {
    throw new AtlasFileError(manifestPath, 'is missing: not a saved atlas (run `paper-atlas build` first)');
  }
  let m: Manifest;
  try {
    m = JSON.parse(raw) as Manifest;
  } catch (err) {
    throw new AtlasFileError(manifestPath, `is not valid JSON (${(err as Error).message})`);
  }
  expect(m && m.format === ATLAS_FORMAT, manifestPath, 'is not a paper-atlas manifest');
  expect(
    m.version === ATLAS_VERSION,
    manifestPath,
    `is format version ${m.version}; this paper-atlas reads version ${ATLAS_VERSION}: rebuild the atlas (\`paper-atlas build\`; cached embeddings make it quick)`,
  );
  expect(Number.isInteger(m.count) && m.count > 0, manifestPath, 'has no valid paper count');
  expect(Number.isInteger(m.dims) && m.dims > 0 && m.dims <= 8192, manifestPath, 'has no valid dimension');
  expect(m.embedder && typeof m.embedder.id === 'string' && m.embedder.dims === m.dims, manifestPath, 'embedder does not match dims');
  expect(Array.isArray(m.assignments) && m.assignments.length === m.count, manifestPath, 'assignments do not match the paper count');
  expect(Array.isArray(m.coords) && m.coords.length === m.count, manifestPath, 'coordinates do not match the paper count');
  expect(Array.isArray(m.themes) && m.assignments.every((a) => Number.isInteger(a) && a >= 0 && a < m.themes.length), manifestPath, 'assignments name unknown themes');
  expect(Array.isArray(m.removed) && m.removed.every((r) => Number.isInteger(r) && r >= 0 && r < m.count), manifestPath, 'removed rows out of range');
  expect(Array.isArray(m.files), manifestPath, 'lists no data files');
  expect(m.stages && STAGE_NAMES.every((s) => m.stages[s] && typeof m.stages[s].id === 'string'), manifestPath, 'records no pipeline stages');

  const files = fileSource(dir, m.files);
  const paperBytes = await files.read(m.papers);
  const vectorBytes = await files.read(m.vectors);
  const lexicalBytes = m.lexical ? await files.read(m.lexical) : undefined;

  const papersFile = join(dir, m.papers);
  const papers = Buffer.from(paperBytes)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      try {
        return JSON.parse(line) as Paper;
      } catch {
        throw new AtlasFileError(papersFile, `line ${i + 1} is not valid JSON`);
      }
    });
  expect(papers.length === m.count, papersFile, `holds ${papers.length} papers, the manifest says ${m.count}`);
  expect(vectorBytes.length === m.count * m.dims * 4, join(dir, m.vectors), 'size does not match count × dims');
  const floats = new Float32Array(vectorBytes.buffer.slice(vectorBytes.byteOffset, vectorBytes.byteOffset + vectorBytes.length));
  const vectors = rowViews(floats, m.dims);
  let stages: Stages;
  let store: VectorStore;
  try {
    stages = restoreStages(m.stages, passed);
    store = await stages.store.load(m.stages.store.state ?? {}, files, { seed: m.seed, dims: m.dims, vectors, removed: m.removed });
  } catch (err) {
    if (err instanceof PaperAtlasError) throw err;
    throw new AtlasFileError(manifestPath, `the saved ${m.stages.store.id} store could not be opened: ${(err as Error).message}`, { cause: err });
  }
  const removed = new Set(m.removed);
  const centroids = groupCentroids(vectors, m.assignments.map((a, i) => (removed.has(i) ? -1 : a)), m.themes.length);
  const state: AtlasState = {
    createdAt: m.createdAt,
    source: m.source,
    seed: m.seed,
    engine: typeof m.engine === 'string' ? m.engine : 'an unrecorded engine',
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
    warnings: m.warnings ?? [],
    ...(lexicalBytes ? { lexicalModel: JSON.parse(Buffer.from(lexicalBytes).toString('utf8')) as LexicalModel } : {}),
  };
  return { state, store };
}
