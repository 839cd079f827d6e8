import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Paper } from '../corpus/corpus.js';
import type { KSelection } from '../cluster/kmeans.js';
import { themeCentroids, type ClusterOptions } from '../cluster/themes.js';
import type { LexicalModel } from '../embed/lexical.js';
import type { LabelOptions } from '../label/ctfidf.js';
import { AtlasFileError } from '../errors.js';
import { VectorIndex, type IndexParams } from '../index/hnsw.js';
import { sha256, syncDir, writeFileAtomic } from './atomic.js';
import type { EmbedderInfo, Theme } from '../atlas.js';

/** Everything an atlas is, as plain data; `vectors` and the index are stored in binary files. */
export interface AtlasState {
  /** The one timestamp in a saved atlas; everything else is a function of input and seed. */
  createdAt: string;
  source: string;
  seed: number;
  embedder: EmbedderInfo;
  papers: Paper[];
  vectors: Float32Array[];
  /** Rows hidden by `remove` (kept so that index labels stay row numbers). */
  removed: number[];
  indexParams: IndexParams;
  themes: Theme[];
  assignments: number[];
  coords: [number, number][];
  centroids: Float32Array[];
  kSelection: KSelection;
  options: { themes: ClusterOptions; labels: LabelOptions };
  warnings: string[];
  lexicalModel?: LexicalModel;
}

export const ATLAS_FORMAT = 'paper-atlas';
export const ATLAS_VERSION = 1;
const MANIFEST = 'atlas.json';

interface FileRef {
  name: string;
  bytes: number;
  sha256: string;
}

interface Manifest {
  format: string;
  version: number;
  createdAt: string;
  source: string;
  seed: number;
  embedder: EmbedderInfo;
  dims: number;
  count: number;
  removed: number[];
  index: IndexParams;
  kSelection: KSelection;
  options: AtlasState['options'];
  warnings: string[];
  themes: Theme[];
  assignments: number[];
  coords: [number, number][];
  files: { papers: FileRef; vectors: FileRef; index: FileRef; lexical?: FileRef };
}

function packVectors(vectors: Float32Array[], dims: number): Uint8Array {
  const out = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => out.set(v, i * dims));
  return new Uint8Array(out.buffer);
}

/** Stores data under a content-addressed name, so a new save never overwrites a file the old manifest uses. */
async function putFile(dir: string, stem: string, ext: string, data: Uint8Array | string): Promise<FileRef> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const digest = sha256(bytes);
  const name = `${stem}-${digest.slice(0, 16)}.${ext}`;
  await writeFileAtomic(join(dir, name), bytes);
  return { name, bytes: bytes.length, sha256: digest };
}

/**
 * Saves in three steps: content-addressed data files, then the manifest (atomic rename), then
 * removal of files no manifest names. A crash at any point leaves either the old or the new atlas.
 */
export async function writeAtlas(dir: string, state: AtlasState, index: VectorIndex): Promise<void> {
  await mkdir(dir, { recursive: true });
  const dims = state.embedder.dims;
  const papers = await putFile(dir, 'papers', 'jsonl', state.papers.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const vectors = await putFile(dir, 'vectors', 'f32', packVectors(state.vectors, dims));
  const tmpIndex = join(dir, `.index.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let indexRef: FileRef;
  try {
    await index.writeTo(tmpIndex);
    const fh = await open(tmpIndex, 'r+');
    await fh.sync();
    await fh.close();
    const bytes = await readFile(tmpIndex);
    const digest = sha256(bytes);
    indexRef = { name: `index-${digest.slice(0, 16)}.hnsw`, bytes: bytes.length, sha256: digest };
    await rename(tmpIndex, join(dir, indexRef.name));
    await syncDir(dir);
  } finally {
    await rm(tmpIndex, { force: true });
  }
  const lexical = state.lexicalModel ? await putFile(dir, 'lexical', 'json', JSON.stringify(state.lexicalModel)) : undefined;
  const manifest: Manifest = {
    format: ATLAS_FORMAT,
    version: ATLAS_VERSION,
    createdAt: state.createdAt,
    source: state.source,
    seed: state.seed,
    embedder: state.embedder,
    dims,
    count: state.papers.length,
    removed: state.removed,
    index: state.indexParams,
    kSelection: state.kSelection,
    options: state.options,
    warnings: state.warnings,
    themes: state.themes,
    assignments: state.assignments,
    coords: state.coords,
    files: { papers, vectors, index: indexRef, ...(lexical ? { lexical } : {}) },
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
  const keep = new Set([MANIFEST, papers.name, vectors.name, indexRef.name, ...(lexical ? [lexical.name] : [])]);
  for (const name of await readdir(dir)) {
    const stale =
      (!keep.has(name) && /^(papers|vectors|index|lexical)-[0-9a-f]{16}\.(jsonl|f32|hnsw|json)$/u.test(name)) || isOrphanTemp(name);
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

async function readChecked(dir: string, ref: FileRef | undefined, what: string): Promise<Buffer> {
  const manifestPath = join(dir, MANIFEST);
  if (!ref || typeof ref.name !== 'string' || !/^[\w.-]+$/u.test(ref.name)) {
    throw new AtlasFileError(manifestPath, `names no valid ${what} file`);
  }
  const file = join(dir, ref.name);
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch {
    throw new AtlasFileError(file, `is missing (${what} of the atlas)`);
  }
  if (data.length !== ref.bytes) throw new AtlasFileError(file, `is ${data.length} bytes, the manifest says ${ref.bytes} (truncated or replaced)`);
  if (sha256(data) !== ref.sha256) throw new AtlasFileError(file, 'checksum mismatch: the file is corrupted');
  return data;
}

function expect(cond: unknown, file: string, problem: string): asserts cond {
  if (!cond) throw new AtlasFileError(file, problem);
}

/** Reads and verifies a saved atlas: manifest shape, sizes and sha256 of every file, before any parser sees them. */
export async function readAtlas(dir: string): Promise<{ state: AtlasState; index: VectorIndex }> {
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
    `is format version ${m.version}; this paper-atlas reads version ${ATLAS_VERSION}: rebuild the atlas`,
  );
  expect(Number.isInteger(m.count) && m.count > 0, manifestPath, 'has no valid paper count');
  expect(Number.isInteger(m.dims) && m.dims > 0 && m.dims <= 8192, manifestPath, 'has no valid dimension');
  expect(m.embedder && typeof m.embedder.id === 'string' && m.embedder.dims === m.dims, manifestPath, 'embedder does not match dims');
  expect(Array.isArray(m.assignments) && m.assignments.length === m.count, manifestPath, 'assignments do not match the paper count');
  expect(Array.isArray(m.coords) && m.coords.length === m.count, manifestPath, 'coordinates do not match the paper count');
  expect(Array.isArray(m.themes) && m.assignments.every((a) => Number.isInteger(a) && a >= 0 && a < m.themes.length), manifestPath, 'assignments name unknown themes');
  expect(Array.isArray(m.removed) && m.removed.every((r) => Number.isInteger(r) && r >= 0 && r < m.count), manifestPath, 'removed rows out of range');

  const paperBytes = await readChecked(dir, m.files?.papers, 'papers');
  const vectorBytes = await readChecked(dir, m.files?.vectors, 'vectors');
  await readChecked(dir, m.files?.index, 'index');
  const lexicalBytes = m.files?.lexical ? await readChecked(dir, m.files.lexical, 'lexical model') : undefined;

  const papersFile = join(dir, m.files.papers.name);
  const papers = paperBytes
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
  const vectorsFile = join(dir, m.files.vectors.name);
  expect(vectorBytes.length === m.count * m.dims * 4, vectorsFile, 'size does not match count × dims');
  const floats = new Float32Array(vectorBytes.buffer.slice(vectorBytes.byteOffset, vectorBytes.byteOffset + vectorBytes.length));
  const vectors = papers.map((_, i) => floats.slice(i * m.dims, (i + 1) * m.dims));
  const index = await VectorIndex.readFrom(join(dir, m.files.index.name), m.dims, m.index, m.removed);
  const removed = new Set(m.removed);
  const centroids = themeCentroids(vectors, m.assignments.map((a, i) => (removed.has(i) ? -1 : a)), m.themes.length);
  const state: AtlasState = {
    createdAt: m.createdAt,
    source: m.source,
    seed: m.seed,
    embedder: m.embedder,
    papers,
    vectors,
    removed: m.removed,
    indexParams: m.index,
    themes: m.themes,
    assignments: m.assignments,
    coords: m.coords,
    centroids,
    kSelection: m.kSelection,
    options: m.options,
    warnings: m.warnings ?? [],
    ...(lexicalBytes ? { lexicalModel: JSON.parse(lexicalBytes.toString('utf8')) as LexicalModel } : {}),
  };
  return { state, index };
}
