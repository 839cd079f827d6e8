import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelError, OptionError } from '../errors.js';
import { syncDir } from '../io/atomic.js';
import { httpGet } from '../io/http.js';
import { MODEL_FILES, ONNX_FILES } from './model-store.js';

/** The Hugging Face hub; `hubUrl` or `HF_ENDPOINT` point elsewhere (a mirror, or a test server). */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

const MAX_JSON_BYTES = 64 << 20;
const MAX_ONNX_BYTES = 2 ** 31;
/** One file's whole download at most: a 2 GiB model at ~2 MB/s; a server dripping bytes ends here. */
const DOWNLOAD_DEADLINE_MS = 30 * 60_000;

/** `org/name` with no path tricks; anything else is refused before it becomes a path or a URL. */
export function checkModelId(model: unknown, option = 'model'): string {
  if (typeof model !== 'string' || !/^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/u.test(model) || model.includes('..')) {
    throw new OptionError(option, `must be a model id like "Xenova/all-MiniLM-L6-v2", got ${JSON.stringify(model)}`);
  }
  return model;
}

export function hubUrl(given?: string): string {
  const url = given ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_URL;
  if (!/^https?:\/\/[^\s/]+/u.test(url)) throw new OptionError('hubUrl', `must be an http(s) URL, got ${JSON.stringify(url)}`);
  return url.replace(/\/+$/u, '');
}

export interface DownloadOptions {
  hubUrl?: string;
  /** Seconds without any response byte before a download is given up (default 20). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  onLog?: (message: string) => void;
}

/**
 * Downloads a model's files from the hub into `target` (`<cache>/models/<org>/<name>`): the config
 * and tokenizer files, then the int8 ONNX weights. Everything goes to a temporary directory first
 * and is moved into place only when every file arrived whole, the weights last, so an interrupted
 * download never leaves a directory that looks complete.
 */
export async function downloadModel(model: string, target: string, opts: DownloadOptions = {}): Promise<void> {
  checkModelId(model);
  const base = hubUrl(opts.hubUrl);
  const timeout = (opts.timeoutSeconds ?? 20) * 1000;
  await mkdir(dirname(target), { recursive: true });
  const tmp = await mkdtemp(join(dirname(target), `.download-${model.split('/')[1]}-`));
  try {
    const files = [...MODEL_FILES, ONNX_FILES[0]];
    for (const file of files) {
      const url = `${base}/${model}/resolve/main/${file}`;
      opts.onLog?.(`downloading ${url}`);
      await fetchToFile(url, join(tmp, file), file.endsWith('.json') ? MAX_JSON_BYTES : MAX_ONNX_BYTES, timeout, opts.signal);
    }
    for (const file of files) {
      await mkdir(dirname(join(target, file)), { recursive: true });
      await rename(join(tmp, file), join(target, file));
    }
    await syncDir(target);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Streams one URL to a file, with a size cap, a deadline between bytes and one for the whole file.
 * The hub answers with a redirect to its content host, so redirects may lead to any https origin.
 */
async function fetchToFile(url: string, file: string, maxBytes: number, idleMs: number, signal?: AbortSignal): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const out = createWriteStream(file);
  let failure: unknown;
  try {
    await httpGet(url, { idleMs, deadlineMs: DOWNLOAD_DEADLINE_MS, maxBytes, redirects: 'any', ...(signal ? { signal } : {}) }, async (chunk) => {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    });
  } catch (err) {
    failure = err;
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  if (failure === undefined && (await stat(file)).size === 0) failure = new Error('is empty');
  if (failure === undefined) return;
  if (signal?.aborted) throw signal.reason;
  throw new ModelError(`could not download ${url}: ${(failure as Error).message}`, [`hub ${url}`], { cause: failure });
}
