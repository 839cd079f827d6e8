import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ModelError, OptionError } from '../errors.js';
import { syncDir } from '../io/atomic.js';
import { MODEL_FILES, ONNX_FILES } from './model-store.js';

/** The Hugging Face hub; `hubUrl` or `HF_ENDPOINT` point elsewhere (a mirror, or a test server). */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

const MAX_JSON_BYTES = 64 << 20;
const MAX_ONNX_BYTES = 2 ** 31;

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

/** Streams one URL to a file, with a size cap and a deadline between bytes. */
async function fetchToFile(url: string, file: string, maxBytes: number, idleMs: number, signal?: AbortSignal): Promise<void> {
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(new Error(`no response for ${idleMs / 1000} s`)), idleMs);
  };
  const onAbort = (): void => ctrl.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    signal?.throwIfAborted();
    const res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) throw new Error(`declares ${declared} bytes, more than the ${maxBytes} allowed`);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(file);
    let bytes = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        bytes += chunk.length;
        if (bytes > maxBytes) throw new Error(`sent more than the ${maxBytes} bytes allowed`);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    if (Number.isFinite(declared) && bytes !== declared) throw new Error(`ended after ${bytes} of ${declared} bytes`);
    if ((await stat(file)).size === 0) throw new Error('is empty');
  } catch (err) {
    const reason = ctrl.signal.aborted && !signal?.aborted ? (ctrl.signal.reason as Error).message : (err as Error).message;
    if (signal?.aborted) throw signal.reason;
    throw new ModelError(`could not download ${url}: ${reason}`, [`hub ${url}`], { cause: err });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
