import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorpusError, OptionError } from '../../errors.js';
import { sha256, writeFileAtomic } from '../../io/atomic.js';

/** How a fetcher talks to its API: politely, patiently, and from a disk cache when it can. */
export interface FetchOptions {
  /** Base URL of the API (for a mirror, or a test server). */
  baseUrl?: string;
  /** Response cache directory, or false (default `<cache dir>/fetch`). */
  cache?: string | false;
  /** Cached responses older than this are fetched again (default 24). */
  maxAgeHours?: number;
  /** Only the cache is used; a query not cached is an error (default: `PAPER_ATLAS_OFFLINE=1`). */
  offline?: boolean;
  /** Attempts per request on 429, 5xx, network errors and cut-off bodies (default 5). */
  attempts?: number;
  /** First back-off in milliseconds, doubled per retry; a `Retry-After` header wins (default 1000). */
  retryBaseMs?: number;
  /** Seconds without a byte before a request is given up (default 30). */
  timeoutSeconds?: number;
  /** Least time between two requests, in milliseconds (default: the API's documented rate). */
  intervalMs?: number;
  onProgress?: (p: { fetched: number; total: number | undefined; requests: number }) => void;
  signal?: AbortSignal;
}

export interface Requester {
  /** The body of a successful response (from the cache when fresh), parsed by `parse`; retried per the options. */
  get<T>(url: string, parse: (body: string) => T): Promise<T>;
  readonly requests: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * A polite HTTP client for one API: at most one request per `minIntervalMs` (the API's documented
 * rate), retries with exponential back-off on 429/5xx/network errors/bodies cut short (honouring
 * `Retry-After`), a deadline between bytes, an on-disk cache of successful responses, and abort.
 */
export function requester(api: string, documentedIntervalMs: number, opts: FetchOptions, cacheRoot: string): Requester {
  const attempts = opts.attempts ?? 5;
  const minIntervalMs = opts.intervalMs ?? documentedIntervalMs;
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) throw new OptionError('intervalMs', `must be a number ≥ 0, got ${minIntervalMs}`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new OptionError('attempts', `must be an integer in [1, 20], got ${attempts}`);
  const baseMs = opts.retryBaseMs ?? 1000;
  const idleMs = (opts.timeoutSeconds ?? 30) * 1000;
  const maxAge = (opts.maxAgeHours ?? 24) * 3600_000;
  const offline = opts.offline ?? ['1', 'true'].includes(String(process.env.PAPER_ATLAS_OFFLINE ?? '').toLowerCase());
  const cacheDir = opts.cache === false ? undefined : (opts.cache ?? join(cacheRoot, 'fetch'));
  let last = 0;
  let requests = 0;

  async function fromCache(url: string): Promise<string | undefined> {
    if (!cacheDir) return undefined;
    try {
      const entry = JSON.parse(await readFile(join(cacheDir, `${sha256(url).slice(0, 32)}.json`), 'utf8')) as { url: string; at: number; body: string };
      if (entry.url === url && (offline || Date.now() - entry.at < maxAge)) return entry.body;
    } catch {
      // No entry, or an unreadable one: fetch.
    }
    return undefined;
  }

  async function toCache(url: string, body: string): Promise<void> {
    if (!cacheDir) return;
    try {
      await mkdir(cacheDir, { recursive: true });
      await writeFileAtomic(join(cacheDir, `${sha256(url).slice(0, 32)}.json`), JSON.stringify({ url, at: Date.now(), body }));
    } catch {
      // A cache that cannot be written costs the next run a request, not this one its result.
    }
  }

  async function once(url: string): Promise<string> {
    const wait = last + minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait, opts.signal);
    last = Date.now();
    requests++;
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(new Retryable(`no response for ${idleMs / 1000} s`)), idleMs);
    };
    const onAbort = (): void => ctrl.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    arm();
    try {
      const res = await fetch(url, { signal: ctrl.signal, headers: { 'user-agent': 'paper-atlas (https://www.npmjs.com/package/paper-atlas)' } });
      if (res.status === 429 || res.status >= 500) {
        const header = res.headers.get('retry-after');
        const after = header === null ? NaN : Number(header);
        await res.body?.cancel().catch(() => undefined);
        throw new Retryable(`HTTP ${res.status}`, Number.isFinite(after) && after >= 0 ? Math.min(after, 120) * 1000 : undefined);
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      const declared = Number(res.headers.get('content-length') ?? NaN);
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        parts.push(chunk);
        bytes += chunk.length;
        if (bytes > 256 << 20) throw new Error('response larger than 256 MiB');
      }
      if (Number.isFinite(declared) && bytes !== declared) throw new Retryable(`body cut short (${bytes} of ${declared} bytes)`);
      return Buffer.concat(parts).toString('utf8');
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (ctrl.signal.aborted && ctrl.signal.reason instanceof Retryable) throw ctrl.signal.reason;
      if (err instanceof Retryable) throw err;
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      // Network failures (refused, reset, cut off mid-body) are worth another try; anything else is not.
      if (err instanceof TypeError || cause) throw new Retryable(`network error (${cause ?? (err as Error).message})`);
      throw err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    get requests() {
      return requests;
    },
    async get<T>(url: string, parse: (body: string) => T): Promise<T> {
      const cached = await fromCache(url);
      if (cached !== undefined) {
        try {
          return parse(cached);
        } catch {
          // A cached body that no longer parses is fetched again.
        }
      }
      if (offline) throw new CorpusError({ source: api }, `${url} is not in the response cache and offline is set`);
      let problem = '';
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const body = await once(url);
          let parsed: T;
          try {
            parsed = parse(body);
          } catch (err) {
            // A body that does not parse was most likely cut short by the network: retry it too.
            throw new Retryable(`unreadable response (${(err as Error).message.split('\n')[0]})`);
          }
          await toCache(url, body);
          return parsed;
        } catch (err) {
          if (!(err instanceof Retryable)) {
            if (err instanceof CorpusError || opts.signal?.aborted) throw err;
            throw new CorpusError({ source: api }, `${url}: ${(err as Error).message}`, { cause: err });
          }
          problem = err.message;
          if (attempt < attempts) await sleep(err.retryAfterMs ?? baseMs * 2 ** (attempt - 1), opts.signal);
        }
      }
      throw new CorpusError({ source: api }, `${url}: gave up after ${attempts} attempts (last: ${problem})`);
    },
  };
}
