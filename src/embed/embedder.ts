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
  /** Identifies model, weights and settings (e.g. `Xenova/all-MiniLM-L6-v2@8199be6f699a+mean+chunk256`); caches and saved atlases key on it. */
  readonly id: string;
  readonly dims: number;
  /** One unit-length vector per text, in input order. */
  embed(texts: readonly string[], opts?: EmbedOptions): Promise<Float32Array[]>;
  /** Releases what the embedder holds (model sessions); it must not be used afterwards. */
  dispose?(): void | Promise<void>;
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
