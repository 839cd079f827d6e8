import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from '../io/atomic.js';
import { ProgressTracker, type EmbedOptions, type Embedder } from './embedder.js';

const MAGIC = 'PAEMBv01';

interface CacheHeader {
  embedder: string;
  dims: number;
  hashes: string[];
  dataSha256: string;
}

/** Key of one text in the cache: its sha256, shortened (96 bits leave no practical collisions). */
export function textKey(text: string): string {
  return sha256(text).slice(0, 24);
}

/**
 * Embeddings on disk, one file per embedder (model, weights hash and pooling settings are all in
 * the embedder id): an unchanged rebuild computes nothing, one changed paper re-embeds alone.
 * The file is checked (magic, sizes, sha256) before use; a damaged one is ignored and rewritten.
 */
export class EmbeddingCache {
  /** Why the last load ignored the file on disk, if it did. */
  lastProblem: string | undefined;

  constructor(readonly dir: string) {}

  fileFor(embedderId: string): string {
    return join(this.dir, `${sha256(embedderId).slice(0, 16)}.emb`);
  }

  async load(embedder: Pick<Embedder, 'id' | 'dims'>): Promise<Map<string, Float32Array>> {
    const file = this.fileFor(embedder.id);
    this.lastProblem = undefined;
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch (err) {
      // Not there yet is the normal first run; anything else (permissions, a directory in the way) is said.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.lastProblem = `${file}: cannot be read (${code ?? (err as Error).message}); recomputing every embedding`;
      return new Map();
    }
    try {
      return decode(buf, embedder);
    } catch (err) {
      this.lastProblem = `${file}: ${(err as Error).message}; recomputing`;
      return new Map();
    }
  }

  async store(embedder: Pick<Embedder, 'id' | 'dims'>, entries: Map<string, Float32Array>): Promise<void> {
    const hashes = [...entries.keys()].sort();
    const data = new Float32Array(hashes.length * embedder.dims);
    hashes.forEach((h, i) => data.set(entries.get(h)!, i * embedder.dims));
    const bytes = new Uint8Array(data.buffer);
    const header: CacheHeader = { embedder: embedder.id, dims: embedder.dims, hashes, dataSha256: sha256(bytes) };
    const head = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    await writeFileAtomic(this.fileFor(embedder.id), Buffer.concat([Buffer.from(MAGIC), len, head, bytes]));
  }
}

function decode(buf: Buffer, embedder: Pick<Embedder, 'id' | 'dims'>): Map<string, Float32Array> {
  if (buf.length < 12 || buf.subarray(0, 8).toString() !== MAGIC) throw new Error('not an embedding cache file');
  const headLen = buf.readUInt32LE(8);
  if (12 + headLen > buf.length) throw new Error('truncated header');
  const header = JSON.parse(buf.subarray(12, 12 + headLen).toString()) as CacheHeader;
  if (header.embedder !== embedder.id || header.dims !== embedder.dims) throw new Error('written by another embedder');
  const data = buf.subarray(12 + headLen);
  if (data.length !== header.hashes.length * header.dims * 4) throw new Error('truncated data');
  if (sha256(data) !== header.dataSha256) throw new Error('checksum mismatch');
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
  const out = new Map<string, Float32Array>();
  header.hashes.forEach((h, i) => out.set(h, floats.slice(i * header.dims, (i + 1) * header.dims)));
  return out;
}

/** Outcome of the last `embed` call, for build reports and tests. */
export interface CacheStats {
  hits: number;
  computed: number;
}

/** Wraps an embedder with the disk cache; texts already embedded by the same embedder are not recomputed. */
export class CachedEmbedder implements Embedder {
  lastStats: CacheStats = { hits: 0, computed: 0 };

  constructor(
    readonly inner: Embedder,
    readonly cache: EmbeddingCache,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get dims(): number {
    return this.inner.dims;
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const stored = await this.cache.load(this.inner);
    const keys = texts.map(textKey);
    const missing = [...new Set(keys.filter((k) => !stored.has(k)))];
    const textByKey = new Map(keys.map((k, i) => [k, texts[i]!]));
    const progress = new ProgressTracker(texts.length, opts);
    const missingSet = new Set(missing);
    const hits = keys.filter((k) => !missingSet.has(k)).length;
    if (hits) progress.advance(hits);
    if (missing.length) {
      const vectors = await this.inner.embed(
        missing.map((k) => textByKey.get(k)!),
        {
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: () => progress.advance(),
        },
      );
      missing.forEach((k, i) => stored.set(k, vectors[i]!));
      try {
        await this.cache.store(this.inner, stored);
      } catch (err) {
        // A read-only or full cache directory costs the next run time, not this run its result.
        const problem = `could not write ${this.cache.fileFor(this.inner.id)}: ${(err as Error).message}`;
        this.cache.lastProblem = this.cache.lastProblem ? `${this.cache.lastProblem}; ${problem}` : problem;
      }
    }
    this.lastStats = { hits, computed: missing.length };
    return keys.map((k) => stored.get(k)!.slice());
  }
}
