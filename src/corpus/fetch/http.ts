import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorpusError, OptionError, optionKeys } from '../../errors.js';
import { sha256, writeFileAtomic } from '../../io/atomic.js';
import { HttpError, httpGet, RetryableHttpError, sleep } from '../../io/http.js';

/** Default cap on one response's decompressed size: 30× arXiv's largest page of 2,000 entries. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 << 20;

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
  /** Seconds one request may take in all, its body included, before it is given up (default 300). */
  deadlineSeconds?: number;
  /** Bytes one response may hold, decompressed; a larger one is refused, not retried (default 64 MiB). */
  maxResponseBytes?: number;
  /**
   * Origins besides the API's own that a redirect may lead to (e.g. `['https://mirror.example.org']`);
   * by default a redirect to another origin is refused, since its answer would be cached as the API's.
   */
  allowRedirectsTo?: readonly string[];
  /** Least time between two requests, in milliseconds (default: the API's documented rate). */
  intervalMs?: number;
  onProgress?: (p: { fetched: number; total: number | undefined; requests: number }) => void;
  /** Problems that cost time, not the result: a cache entry that cannot be read or written (default: `process.emitWarning`). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** Every key of `FetchOptions`; each fetcher adds its own. */
export const FETCH_OPTION_KEYS = optionKeys<FetchOptions>()(
  'baseUrl',
  'cache',
  'maxAgeHours',
  'offline',
  'attempts',
  'retryBaseMs',
  'timeoutSeconds',
  'deadlineSeconds',
  'maxResponseBytes',
  'allowRedirectsTo',
  'intervalMs',
  'onProgress',
  'onWarning',
  'signal',
);

const USER_AGENT = 'paper-atlas (https://www.npmjs.com/package/paper-atlas)';

function positive(n: number, option: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw new OptionError(option, `must be a number > 0, got ${n}`);
  return n;
}

export interface Requester {
  /** The body of a successful response (from the cache when fresh), parsed by `parse`; retried per the options. */
  get<T>(url: string, parse: (body: string) => T): Promise<T>;
  readonly requests: number;
}

/**
 * A polite HTTP client for one API: at most one request per `minIntervalMs` (the API's documented
 * rate), retries with exponential back-off on 429/5xx/network errors/bodies cut short (honouring
 * `Retry-After`), a deadline between bytes, an on-disk cache of successful responses, and abort.
 */
/**
 * `explain` turns the start of an error answer's body into the API's own words for what went wrong
 * (arXiv's error feed, OpenAlex's JSON message), added to the error.
 */
export function requester(
  api: string,
  documentedIntervalMs: number,
  opts: FetchOptions,
  cacheRoot: string,
  explain?: (excerpt: string) => string | undefined,
): Requester {
  const attempts = opts.attempts ?? 5;
  const minIntervalMs = opts.intervalMs ?? documentedIntervalMs;
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) throw new OptionError('intervalMs', `must be a number ≥ 0, got ${minIntervalMs}`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new OptionError('attempts', `must be an integer in [1, 20], got ${attempts}`);
  const baseMs = opts.retryBaseMs ?? 1000;
  const idleMs = positive(opts.timeoutSeconds ?? 30, 'timeoutSeconds') * 1000;
  const deadlineMs = positive(opts.deadlineSeconds ?? 300, 'deadlineSeconds') * 1000;
  const maxBytes = positive(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes');
  for (const origin of opts.allowRedirectsTo ?? []) {
    if (typeof origin !== 'string' || !URL.canParse(origin) || new URL(origin).origin !== origin)
      throw new OptionError('allowRedirectsTo', `must list origins like "https://host.example", got ${JSON.stringify(origin)}`);
  }
  const maxAge = (opts.maxAgeHours ?? 24) * 3600_000;
  const offline = opts.offline ?? ['1', 'true'].includes(String(process.env.PAPER_ATLAS_OFFLINE ?? '').toLowerCase());
  const cacheDir = opts.cache === false ? undefined : (opts.cache ?? join(cacheRoot, 'fetch'));
  let last = 0;
  let requests = 0;

  const warn = opts.onWarning ?? ((m: string): void => void process.emitWarning(m, { code: 'PAPER_ATLAS' }));
  const entryFile = (url: string): string => join(cacheDir!, `${sha256(url).slice(0, 32)}.json`);

  async function fromCache(url: string): Promise<string | undefined> {
    if (!cacheDir) return undefined;
    const file = entryFile(url);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') warn(`${file}: the response cache entry cannot be read (${code ?? (err as Error).message}); fetching again`);
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as { url?: unknown; at?: unknown; body?: unknown };
      if (typeof entry.url !== 'string' || typeof entry.at !== 'number' || typeof entry.body !== 'string') throw new Error('not a cache entry');
      if (entry.url === url && (offline || Date.now() - entry.at < maxAge)) return entry.body;
    } catch (err) {
      warn(`${file}: the response cache entry is damaged (${(err as Error).message.split('\n')[0]}); fetching again`);
    }
    return undefined;
  }

  async function toCache(url: string, body: string): Promise<void> {
    if (!cacheDir) return;
    try {
      await mkdir(cacheDir, { recursive: true });
      await writeFileAtomic(entryFile(url), JSON.stringify({ url, at: Date.now(), body }));
    } catch (err) {
      // A cache that cannot be written costs the next run a request, not this one its result; it is said.
      warn(
        `${entryFile(url)}: the response could not be cached (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the next run fetches it again`,
      );
    }
  }

  /** One request: the body decoded as UTF-8 as it streams (invalid bytes refused, as the readers do). */
  async function once(url: string): Promise<string> {
    const wait = last + minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait, opts.signal);
    last = Date.now();
    requests++;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const parts: string[] = [];
    const decode = (chunk?: Uint8Array): void => {
      try {
        parts.push(chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode());
      } catch {
        throw new HttpError('is not valid UTF-8');
      }
    };
    await httpGet(
      url,
      {
        idleMs,
        deadlineMs,
        maxBytes,
        redirects: opts.allowRedirectsTo ?? 'same-origin',
        headers: { 'user-agent': USER_AGENT },
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      decode,
    );
    decode();
    return parts.join('');
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
            throw new RetryableHttpError(`unreadable response (${(err as Error).message.split('\n')[0]})`);
          }
          await toCache(url, body);
          return parsed;
        } catch (err) {
          if (!(err instanceof RetryableHttpError)) {
            if (err instanceof CorpusError || opts.signal?.aborted) throw err;
            const why = err instanceof HttpError && err.excerpt ? explain?.(err.excerpt) : undefined;
            throw new CorpusError({ source: api }, `${url}: ${(err as Error).message}${why ? ` (${why})` : ''}`, { cause: err });
          }
          problem = err.message;
          if (attempt < attempts) await sleep(err.retryAfterMs ?? baseMs * 2 ** (attempt - 1), opts.signal);
        }
      }
      throw new CorpusError({ source: api }, `${url}: gave up after ${attempts} attempts (last: ${problem})`);
    },
  };
}
