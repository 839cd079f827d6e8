/** Progress of a long embedding run, reported after every text (or cache hit batch). */
export interface EmbedProgress {
  done: number;
  total: number;
  /** Throughput so far, texts per second of wall time. */
  papersPerSecond: number;
}

export interface EmbedOptions {
  onProgress?: (p: EmbedProgress) => void;
  /** Aborts between texts; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Turns texts into unit-length vectors; similar texts get similar vectors. */
export interface Embedder {
  /** Identifies model and weights (e.g. `Xenova/all-MiniLM-L6-v2@8199be6f`); cache and index keys use it. */
  readonly id: string;
  readonly dims: number;
  /** One unit-length vector per text, in input order. */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]>;
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Reports progress and honours the abort signal; shared by every embedder. */
export class ProgressTracker {
  private readonly start = performance.now();
  done = 0;
  constructor(
    private readonly total: number,
    private readonly opts: EmbedOptions,
  ) {}

  check(): void {
    this.opts.signal?.throwIfAborted();
  }

  advance(n = 1): void {
    this.done += n;
    const seconds = (performance.now() - this.start) / 1000;
    this.opts.onProgress?.({
      done: this.done,
      total: this.total,
      papersPerSecond: seconds > 0 ? this.done / seconds : 0,
    });
  }
}
