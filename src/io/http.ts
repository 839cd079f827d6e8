/**
 * One HTTP GET as every download of paper-atlas makes it (the API fetchers and the model download):
 * a deadline between bytes and one for the whole request, a cap on the bytes taken, redirects
 * followed only where the caller allows, answers that servers compress (gzip, deflate, br) or send
 * chunked, and a body cut short told apart from one that ended. Status codes worth another try
 * (429, 5xx) and network failures come back as `RetryableHttpError`; everything else as `HttpError`.
 */

/** A failure another attempt may cure: 429, 5xx, a reset connection, a body cut short, silence. */
export class RetryableHttpError extends Error {
  constructor(
    message: string,
    /** How long the server asked us to wait (`Retry-After`), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A failure another attempt will not cure: 4xx, a body over the cap, a refused redirect. */
export class HttpError extends Error {
  constructor(
    message: string,
    /** The first bytes of an error answer's body (APIs explain a 4xx there), as text. */
    readonly excerpt?: string,
  ) {
    super(message);
  }
}

/** Bytes of an error answer's body kept for its explanation. */
const ERROR_EXCERPT_BYTES = 4096;

/** The first `ERROR_EXCERPT_BYTES` of a body, as text; the rest is not read. */
async function excerptOf(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < ERROR_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      bytes += value.length;
    }
  } catch {
    // An error answer cut short still has its status.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, ERROR_EXCERPT_BYTES).toString('utf8');
}

export interface HttpRequest {
  /** Milliseconds without a byte (headers or body) before the request is given up. */
  idleMs: number;
  /** Milliseconds for the whole request, redirects and body included: a slow drip ends here. */
  deadlineMs: number;
  /** Bytes of body taken at most (after decompression: what the caller will hold). */
  maxBytes: number;
  /**
   * Where a redirect may lead: `'same-origin'` (the API's own scheme, host and port), `'any'`, or a
   * list of origins (`https://cdn.example.org`) besides the request's own.
   */
  redirects: 'same-origin' | 'any' | readonly string[];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Longest wait a `Retry-After` header may ask for; a server asking more is waited for this long. */
const MAX_RETRY_AFTER_MS = 120_000;
/** Redirects followed at most for one request (browsers allow 20; APIs use one or two). */
const MAX_REDIRECTS = 5;

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds; undefined if neither. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/u.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
}

function redirectAllowed(from: URL, to: URL, policy: HttpRequest['redirects']): boolean {
  if (to.protocol !== 'https:' && to.protocol !== 'http:') return false;
  if (policy === 'any') return true;
  if (to.origin === from.origin) return true;
  return policy !== 'same-origin' && policy.includes(to.origin);
}

/**
 * GETs `url` and hands each piece of the (decoded) body to `onChunk` as it arrives, so nothing is
 * held twice; resolves with the number of body bytes once the body ended whole.
 */
export async function httpGet(url: string, req: HttpRequest, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<{ bytes: number; url: string }> {
  const ctrl = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => ctrl.abort(new RetryableHttpError(`no response for ${req.idleMs / 1000} s`)), req.idleMs);
  };
  const deadline = setTimeout(() => ctrl.abort(new RetryableHttpError(`not done within ${req.deadlineMs / 1000} s`)), req.deadlineMs);
  const onAbort = (): void => ctrl.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onAbort, { once: true });
  arm();
  let bodyStarted = false;
  try {
    req.signal?.throwIfAborted();
    let current = new URL(url);
    let res: Response;
    for (let hop = 0; ; hop++) {
      res = await fetch(current, { signal: ctrl.signal, redirect: 'manual', headers: { 'accept-encoding': 'gzip, deflate, br', ...req.headers } });
      if (res.status < 300 || res.status >= 400 || res.status === 304) break;
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      if (!location) throw new HttpError(`HTTP ${res.status} without a Location to follow`);
      const next = new URL(location, current);
      if (!redirectAllowed(current, next, req.redirects))
        throw new HttpError(`redirected to ${next.origin}, which is not ${current.origin}; redirects are followed within the same origin only`);
      if (hop >= MAX_REDIRECTS) throw new HttpError(`more than ${MAX_REDIRECTS} redirects`);
      current = next;
      arm();
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      throw new RetryableHttpError(`HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    if (!res.ok || !res.body) throw new HttpError(`HTTP ${res.status} ${res.statusText}`.trim(), await excerptOf(res));
    // Node's fetch decodes gzip/deflate/br; Content-Length then counts the compressed bytes, so it
    // is compared only when the body came as it was sent. A compressed body cut short fails in the
    // decoder instead, which the loop below reports as cut short.
    const encoding = (res.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
    const declared = encoding === 'identity' ? Number(res.headers.get('content-length') ?? NaN) : NaN;
    if (declared > req.maxBytes) throw new HttpError(`declares ${declared} bytes, more than the ${req.maxBytes} allowed`);
    let bytes = 0;
    bodyStarted = true;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      bytes += chunk.length;
      if (bytes > req.maxBytes) throw new HttpError(`sent more than the ${req.maxBytes} bytes allowed`);
      await onChunk(chunk);
    }
    if (Number.isFinite(declared) && bytes !== declared) throw new RetryableHttpError(`body cut short (${bytes} of ${declared} bytes)`);
    return { bytes, url: current.href };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (ctrl.signal.aborted && ctrl.signal.reason instanceof RetryableHttpError) throw ctrl.signal.reason;
    if (err instanceof RetryableHttpError || err instanceof HttpError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    // Network failures (refused, reset, a decoder's unexpected end) are worth another try.
    if (err instanceof TypeError || cause || (err as { code?: string }).code?.startsWith('Z_')) {
      throw new RetryableHttpError(bodyStarted ? `body cut short (${cause ?? (err as Error).message})` : `network error (${cause ?? (err as Error).message})`);
    }
    throw err;
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
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
