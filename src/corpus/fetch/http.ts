import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorpusError, integerOption, numberOption, OptionError, optionKeys, warnDefault } from '../../errors.js';
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

export interface Requester {
  /** The body of a successful response (from the cache when fresh), parsed by `parse`; retried per the options. */
  get<T>(url: string, parse: (body: string) => T): Promise<T>;
  readonly requests: number;
}

/** The fetch options, checked once, with their defaults. */
interface Settings {
  attempts: number;
  minIntervalMs: number;
  baseMs: number;
  idleMs: number;
  deadlineMs: number;
  maxBytes: number;
  maxAgeMs: number;
  offline: boolean;
  cacheDir: string | undefined;
  warn: (message: string) => void;
}

function settings(opts: FetchOptions, documentedIntervalMs: number, cacheRoot: string): Settings {
  const attempts = opts.attempts ?? 5;
  const minIntervalMs = opts.intervalMs ?? documentedIntervalMs;
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) throw new OptionError('intervalMs', `must be a number ≥ 0, got ${minIntervalMs}`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new OptionError('attempts', `must be an integer in [1, 20], got ${attempts}`);
  for (const origin of opts.allowRedirectsTo ?? []) {
    if (typeof origin !== 'string' || !URL.canParse(origin) || new URL(origin).origin !== origin)
      throw new OptionError('allowRedirectsTo', `must list origins like "https://host.example", got ${JSON.stringify(origin)}`);
  }
  return {
    attempts,
    minIntervalMs,
    baseMs: opts.retryBaseMs ?? 1000,
    idleMs: numberOption('timeoutSeconds', opts.timeoutSeconds ?? 30, 0.001, 86_400) * 1000,
    deadlineMs: numberOption('deadlineSeconds', opts.deadlineSeconds ?? 300, 0.001, 86_400) * 1000,
    maxBytes: integerOption('maxResponseBytes', opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 1, 2 ** 40),
    maxAgeMs: (opts.maxAgeHours ?? 24) * 3600_000,
    offline: opts.offline ?? ['1', 'true'].includes(String(process.env.PAPER_ATLAS_OFFLINE ?? '').toLowerCase()),
    cacheDir: opts.cache === false ? undefined : (opts.cache ?? join(cacheRoot, 'fetch')),
    warn: opts.onWarning ?? warnDefault,
  };
}

/**
 * Successful responses on disk, one JSON file per URL. An entry that cannot be read or written is
 * reported through `warn` (and fetched again), never passed over in silence.
 */
function responseCache(set: Settings): { get(url: string): Promise<string | undefined>; put(url: string, body: string): Promise<void> } {
  const { cacheDir, warn } = set;
  const entryFile = (url: string): string => join(cacheDir!, `${sha256(url).slice(0, 32)}.json`);
  return {
    async get(url) {
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
        if (entry.url === url && (set.offline || Date.now() - entry.at < set.maxAgeMs)) return entry.body;
      } catch (err) {
        warn(`${file}: the response cache entry is damaged (${(err as Error).message.split('\n')[0]}); fetching again`);
      }
      return undefined;
    },
    async put(url, body) {
      if (!cacheDir) return;
      try {
        await mkdir(cacheDir, { recursive: true });
        await writeFileAtomic(entryFile(url), JSON.stringify({ url, at: Date.now(), body }));
      } catch (err) {
        // A cache that cannot be written costs the next run a request, not this one its result; it is said.
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        warn(`${entryFile(url)}: the response could not be cached (${why}); the next run fetches it again`);
      }
    },
  };
}

/** One GET, its body decoded as UTF-8 as it streams (invalid bytes refused, as the readers do). */
async function getText(url: string, set: Settings, opts: FetchOptions): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  const decode = (chunk?: Uint8Array): void => {
    try {
      parts.push(chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode());
    } catch {
      throw new HttpError('is not valid UTF-8');
    }
  };
  const request = {
    idleMs: set.idleMs,
    deadlineMs: set.deadlineMs,
    maxBytes: set.maxBytes,
    redirects: opts.allowRedirectsTo ?? ('same-origin' as const),
    headers: { 'user-agent': USER_AGENT },
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  await httpGet(url, request, decode);
  decode();
  return parts.join('');
}

/**
 * A polite HTTP client for one API: at most one request per `minIntervalMs` (the API's documented
 * rate), retries with exponential back-off on 429/5xx/network errors/bodies cut short (honouring
 * `Retry-After`), deadlines between bytes and for the whole request, an on-disk cache of
 * successful responses, and abort. `explain` turns the start of an error answer's body into the
 * API's own words for what went wrong (arXiv's error feed, OpenAlex's JSON message).
 */
export function requester(
  api: string,
  documentedIntervalMs: number,
  opts: FetchOptions,
  cacheRoot: string,
  explain?: (excerpt: string) => string | undefined,
): Requester {
  const set = settings(opts, documentedIntervalMs, cacheRoot);
  const cache = responseCache(set);
  let last = 0;
  let requests = 0;

  /** One attempt, spaced from the last by the API's interval; the parsed body. */
  async function attempt<T>(url: string, parse: (body: string) => T): Promise<{ body: string; parsed: T }> {
    const wait = last + set.minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait, opts.signal);
    last = Date.now();
    requests++;
    const body = await getText(url, set, opts);
    try {
      return { body, parsed: parse(body) };
    } catch (err) {
      // A body that does not parse was most likely cut short by the network: retry it too.
      throw new RetryableHttpError(`unreadable response (${(err as Error).message.split('\n')[0]})`);
    }
  }

  /** A failure that another attempt will not cure, as the error the caller sees. */
  const final = (url: string, err: unknown): unknown => {
    if (err instanceof CorpusError || opts.signal?.aborted) return err;
    const why = err instanceof HttpError && err.excerpt ? explain?.(err.excerpt) : undefined;
    return new CorpusError({ source: api }, `${url}: ${(err as Error).message}${why ? ` (${why})` : ''}`, { cause: err });
  };

  return {
    get requests() {
      return requests;
    },
    async get<T>(url: string, parse: (body: string) => T): Promise<T> {
      const cached = await cache.get(url);
      if (cached !== undefined) {
        try {
          return parse(cached);
        } catch {
          // A cached body that no longer parses is fetched again.
        }
      }
      if (set.offline) throw new CorpusError({ source: api }, `${url} is not in the response cache and offline is set`);
      let problem = '';
      for (let n = 1; n <= set.attempts; n++) {
        try {
          const { body, parsed } = await attempt(url, parse);
          await cache.put(url, body);
          return parsed;
        } catch (err) {
          if (!(err instanceof RetryableHttpError)) throw final(url, err);
          problem = err.message;
          if (n < set.attempts) await sleep(err.retryAfterMs ?? set.baseMs * 2 ** (n - 1), opts.signal);
        }
      }
      throw new CorpusError({ source: api }, `${url}: gave up after ${set.attempts} attempts (last: ${problem})`);
    },
  };
}
