import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Corpus, CorpusError, enrichCitations, fetchArxiv, fetchOpenAlex, OptionError, type OpenAlexOptions } from '../../src/index.js';
import { arxivQuery } from '../../src/corpus/fetch/arxiv.js';
import { replayServer, type Delivery, type Replay } from '../support/replay.js';
import { ROOT } from '../support/root.js';
import { serve, type Served } from '../support/serve.js';
import { tempDir } from './synthetic.js';

/** The fetchers against a replay server on 127.0.0.1: no test touches the network. */
let server: Replay;
beforeAll(async () => {
  server = await replayServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults.length = 0;
});

const fast = async () => ({ cache: await tempDir(), retryBaseMs: 10, intervalMs: 0, timeoutSeconds: 1 });

describe('arXiv', () => {
  it('pages through a search, politely spaced, filling authors, year, url and DOI', async () => {
    const seen: number[] = [];
    const start = Date.now();
    const c = await fetchArxiv({
      ...(await fast()),
      intervalMs: 150,
      baseUrl: `${server.url}/arxiv`,
      query: 'bilevel optimization',
      max: 10,
      pageSize: 2,
      onProgress: (p) => seen.push(p.fetched),
    });
    expect(c.size).toBe(5);
    expect(c.source).toBe('arxiv:bilevel optimization');
    expect(seen).toEqual([2, 4, 5]);
    expect(server.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('start'))).toEqual(['0', '2', '4']);
    expect(new URL(server.requests[0]!.path, 'http://x').searchParams.get('search_query')).toBe('all:bilevel AND all:optimization');
    // Request i cannot arrive before it was sent, and it is sent no sooner than i intervals after the first
    // (arrival gaps alone would be at the mercy of a loaded machine delaying one request's arrival).
    server.requests.forEach((r, i) => expect(r.at - start).toBeGreaterThanOrEqual(150 * i - 5));
    expect(c.papers[0]!.authors).toEqual(['Researcher 0A', 'Researcher 0B']);
    expect(c.papers[1]).toMatchObject({ doi: '10.1000/bilevel.2024.001', url: 'http://arxiv.org/abs/2401.01001v1', meta: { arxivId: '2401.01001v1' } });
    expect(c.papers.every((p) => /bilevel/iu.test(`${p.title} ${p.abstract}`))).toBe(true);
  });

  it('retries a 429, a 500 and a cut-off body, then succeeds', async () => {
    server.faults.push(429, 500, 'truncate');
    const c = await fetchArxiv({ ...(await fast()), baseUrl: `${server.url}/arxiv`, query: 'bilevel optimization', max: 2, pageSize: 2 });
    expect(c.size).toBe(2);
    expect(server.requests).toHaveLength(4);
  });

  it('gives up after the attempts allowed, naming the URL and the last problem', async () => {
    server.faults.push(500, 500, 500);
    const err = await fetchArxiv({ ...(await fast()), attempts: 3, baseUrl: `${server.url}/arxiv`, query: 'bilevel', max: 2, pageSize: 2 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(
      /^arxiv:bilevel: http:\/\/127\.0\.0\.1:\d+\/arxiv\?search_query=all%3Abilevel.*: gave up after 3 attempts \(last: HTTP 500\)$/u,
    );
  });

  it('treats a server that stops answering like any other failure: retried, then given up', async () => {
    server.faults.push('stall', 'stall');
    const started = Date.now();
    const err = await fetchArxiv({ ...(await fast()), attempts: 2, baseUrl: `${server.url}/arxiv`, query: 'bilevel', max: 2, pageSize: 2 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/gave up after 2 attempts \(last: no response for 1 s\)/u);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('says plainly when a search finds nothing', async () => {
    await expect(fetchArxiv({ ...(await fast()), baseUrl: `${server.url}/arxiv`, query: 'nothing at all' })).rejects.toThrow(
      /arxiv:nothing at all: contains no papers/u,
    );
  });

  it('answers a repeated query from the disk cache, and offline from the cache alone', async () => {
    const opts = { ...(await fast()), baseUrl: `${server.url}/arxiv`, query: 'bilevel optimization', max: 2, pageSize: 2 };
    const first = await fetchArxiv(opts);
    const again = await fetchArxiv(opts);
    const offline = await fetchArxiv({ ...opts, offline: true });
    expect(server.requests).toHaveLength(1);
    expect(again.papers).toEqual(first.papers);
    expect(offline.papers).toEqual(first.papers);
    expect((await readdir(opts.cache)).length).toBeGreaterThan(0);
    await expect(fetchArxiv({ ...opts, offline: true, max: 4 })).rejects.toThrow(/is not in the response cache and offline is set/u);
  });

  it('stops on abort, even while backing off', async () => {
    server.faults.push(503, 503, 503);
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error('user stop')), 100);
    await expect(fetchArxiv({ ...(await fast()), retryBaseMs: 5000, baseUrl: `${server.url}/arxiv`, query: 'bilevel', signal: ctrl.signal })).rejects.toThrow(
      'user stop',
    );
  });

  it('builds arXiv queries: words all required, its own field syntax kept', () => {
    expect(arxivQuery('bilevel optimization')).toBe('all:bilevel AND all:optimization');
    expect(arxivQuery('"optimal transport" sinkhorn')).toBe('all:"optimal transport" AND all:sinkhorn');
    expect(arxivQuery('ti:transformer AND cat:cs.LG')).toBe('ti:transformer AND cat:cs.LG');
  });
});

describe('OpenAlex', () => {
  it('follows the cursor, asks for the polite pool, and rebuilds abstracts', async () => {
    const c = await fetchOpenAlex({ ...(await fast()), baseUrl: `${server.url}/openalex`, search: 'optimal transport', max: 50, email: 'me@example.org' });
    expect(c.size).toBe(5);
    const params = server.requests.map((r) => new URL(r.path, 'http://x').searchParams);
    expect(params.map((p) => p.get('cursor'))).toEqual(['*', 'IlsxNjk0MDg5NjAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQzODU5NTM0ODMnXSI=']);
    expect(params[0]!.get('mailto')).toBe('me@example.org');
    expect(params[0]!.get('search')).toBe('optimal transport');
    expect(params[0]!.get('select')).toMatch(/abstract_inverted_index/u);
    expect(c.papers[1]).toMatchObject({
      id: 'W4300000001',
      doi: '10.5555/ot.1',
      year: 2020,
      authors: ['Author 1 First', 'Author 1 Last'],
      meta: { venue: 'NeurIPS' },
    });
    expect(c.papers.every((p) => p.abstract.length > 200)).toBe(true);
  });

  it('stops at max and honours a filter', async () => {
    const c = await fetchOpenAlex({ ...(await fast()), baseUrl: `${server.url}/openalex`, filter: 'publication_year:>2019', max: 2 });
    expect(c.size).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(new URL(server.requests[0]!.path, 'http://x').searchParams.get('per-page')).toBe('2');
  });

  it('retries a 429 and a truncated JSON body', async () => {
    server.faults.push(429, 'truncate');
    const c = await fetchOpenAlex({ ...(await fast()), baseUrl: `${server.url}/openalex`, search: 'optimal transport', max: 3 });
    expect(c.size).toBe(3);
    expect(server.requests).toHaveLength(3);
  });

  it('validates its options and reports an empty result', async () => {
    await expect(fetchOpenAlex({ baseUrl: `${server.url}/openalex` })).rejects.toThrow(OptionError);
    await expect(fetchOpenAlex({ baseUrl: `${server.url}/openalex`, search: 'x', email: 'not an address' })).rejects.toThrow(/option "email"/u);
    await expect(fetchOpenAlex({ ...(await fast()), baseUrl: `${server.url}/openalex`, search: 'nothing' })).rejects.toThrow(
      /openalex:search=nothing: contains no papers/u,
    );
  });
});

describe('recorded real answers of arXiv and OpenAlex, served as the real servers send them', () => {
  // fixtures/fetch/recorded/README.md: arXiv pages recorded by lukasschwab/arxiv.py's golden files
  // (2026-04-12), OpenAlex answers recorded by Future-House/paper-qa's cassettes (2025-09 and 2025-11).
  let replay: Replay;
  afterAll(async () => replay?.close());
  const delivering = async (delivery: Partial<Delivery>): Promise<Replay> => {
    await replay?.close();
    replay = await replayServer(delivery);
    return replay;
  };

  it.each([false, true])('pages through arXiv search results gzip-compressed (chunked: %s), 25 of the 214,881 arXiv announces', async (chunked) => {
    const r = await delivering({ chunked });
    const seen: { fetched: number; total: number | undefined }[] = [];
    const c = await fetchArxiv({ ...(await fast()), baseUrl: `${r.url}/arxiv`, query: 'testing', max: 25, pageSize: 10, onProgress: (p) => seen.push(p) });
    expect(r.requests.map((q) => new URL(q.path, 'http://x').searchParams.get('start'))).toEqual(['0', '10', '20']);
    expect(r.requests.every((q) => /gzip/u.test(q.acceptEncoding ?? ''))).toBe(true);
    expect(c.size).toBe(25);
    expect(seen.map((p) => p.fetched)).toEqual([10, 20, 25]);
    expect(seen[0]!.total).toBe(214881);
    expect(c.papers[0]).toMatchObject({
      title: 'Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques',
      authors: ['Mohit Kumar Ahuja', 'Arnaud Gotlieb', 'Helge Spieker'],
      doi: '10.1109/ICSTW55395.2022.00035',
      year: 2022,
      url: 'https://arxiv.org/abs/2202.12139v1',
      meta: { arxivId: '2202.12139v1' },
    });
    expect(c.papers.every((p) => p.abstract.length > 200)).toBe(true);
  });

  it("fails with a CorpusError when a recorded arXiv page is cut short mid-stream, compressed, and reports arXiv's own words for a bad query", async () => {
    const r = await delivering({ chunked: true });
    r.faults.push('truncate', 'truncate');
    const err = await fetchArxiv({ ...(await fast()), attempts: 2, baseUrl: `${r.url}/arxiv`, query: 'testing', max: 10, pageSize: 10 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/gave up after 2 attempts \(last: body cut short/u);
    const bad = await fetchArxiv({ ...(await fast()), baseUrl: `${r.url}/arxiv`, query: 'id:abc', max: 1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(CorpusError);
    expect(r.requests.at(-1)!.path).toMatch(/search_query=id%3Aabc/u);
    expect((bad as Error).message).toMatch(/arXiv says: incorrect id format for abc|HTTP 400 Bad Request \(incorrect id format for abc\)/u);
  });

  it.each([false, true])('reads recorded OpenAlex works (gzip with the compressed Content-Length, as served; chunked: %s)', async (chunked) => {
    const r = await delivering({ chunked });
    const one = await fetchOpenAlex({ ...(await fast()), baseUrl: `${r.url}/openalex`, search: 'copper oxide', max: 5 });
    expect(one.papers).toHaveLength(1);
    expect(one.papers[0]).toMatchObject({
      id: 'W2277923667',
      doi: '10.1063/1.4938384',
      year: 2015,
      authors: ['Michael Skarlinski', 'David J. Quesnel'],
      meta: { venue: 'Journal of Applied Physics' },
    });
    // What it cites and how often it is cited, as recorded: OpenAlex work URLs become work ids.
    expect(one.papers[0]!.references).toHaveLength(58);
    expect(one.papers[0]!.references!.every((w) => /^W\d+$/u.test(w))).toBe(true);
    expect(one.papers[0]!.references![0]).toBe('W1964561108');
    expect(one.papers[0]!.citedByCount).toBeGreaterThan(0);
    expect(one.papers[0]!.abstract).toMatch(/^Metal-oxide layers are likely to be present on metallic nano-structures/u);
    const two = await fetchOpenAlex({ ...(await fast()), baseUrl: `${r.url}/openalex`, search: 'language models', max: 5 });
    expect(two.size).toBe(2);
    // One request each: the recordings hold OpenAlex's basic paging (page 1, no next cursor).
    expect(r.requests).toHaveLength(2);
  });

  it.each([false, true])('enriches a library with references from recorded OpenAlex works, in DOI batches (chunked: %s)', async (chunked) => {
    const r = await delivering({ chunked });
    const cache = await tempDir();
    const library = Corpus.from([
      { id: 'chemcrow', title: 'Augmenting large language models with chemistry tools', abstract: 'x', doi: 'https://doi.org/10.1038/S42256-024-00832-8' },
      { id: 'chemcrow-preprint', title: 'ChemCrow', abstract: 'y', url: 'https://arxiv.org/abs/2304.05376v2' },
      { id: 'copper', title: 'Native oxide layers on copper', abstract: 'z', doi: '10.1063/1.4938384' },
      { id: 'unknown', title: 'Not in OpenAlex', abstract: 'w', doi: '10.9999/nowhere' },
      { id: 'no-id', title: 'No identifier', abstract: 'v' },
      { id: 'listed', title: 'Lists its own', abstract: 'u', doi: '10.1063/1.4938384x', references: ['W1'] },
    ]);
    const progress: number[] = [];
    const out = await enrichCitations(library, {
      ...(await fast()),
      baseUrl: `${r.url}/openalex`,
      cache,
      batchSize: 2,
      email: 'me@example.org',
      onProgress: (p) => progress.push(p.fetched),
    });
    // Two requests of two DOIs each, as one OR-filter: the arXiv id asked as arXiv's DataCite DOI.
    expect(r.requests.map((q) => new URL(q.path, 'http://x').searchParams.get('filter'))).toEqual([
      'doi:10.1038/s42256-024-00832-8|10.48550/arxiv.2304.05376',
      'doi:10.1063/1.4938384|10.9999/nowhere',
    ]);
    expect(progress).toEqual([2, 4]);
    const get = (id: string) => out.corpus.get(id)!;
    expect(get('chemcrow').references).toHaveLength(57);
    expect(get('chemcrow').citedByCount).toBe(236);
    expect(get('chemcrow-preprint')).toMatchObject({ citedByCount: 106 });
    expect(get('chemcrow-preprint').references).toBeUndefined();
    expect(get('copper').references).toHaveLength(58);
    expect(get('copper').references!.every((w) => /^W\d+$/u.test(w))).toBe(true);
    expect(get('listed').references).toEqual(['W1']);
    expect(out).toMatchObject({ enriched: 3, notFound: ['unknown'], noIdentifier: ['no-id'] });
    expect(get('chemcrow').title).toBe(library.get('chemcrow')!.title);
    // The answers are cached: offline, the same result without a request.
    const before = r.requests.length;
    const again = await enrichCitations(library, { baseUrl: `${r.url}/openalex`, cache, batchSize: 2, email: 'me@example.org', offline: true });
    expect(r.requests.length).toBe(before);
    expect(again.corpus.papers).toEqual(out.corpus.papers);
    await expect(enrichCitations(library, { baseUrl: `${r.url}/openalex`, batchSize: 500 })).rejects.toThrow(OptionError);
    await expect(enrichCitations([] as never)).rejects.toThrow(/must be a Corpus/u);
  });

  it("reports OpenAlex's recorded 404 (an HTML page, gzip, chunked) as a CorpusError, without retrying", async () => {
    const r = await delivering({ chunked: true });
    const err = await fetchOpenAlex({ ...(await fast()), baseUrl: `${r.url}/openalex`, search: 'missing', max: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/: HTTP 404 Not Found$/u);
    expect(r.requests).toHaveLength(1);
  });

  it('follows a same-origin redirect to the recorded answer', async () => {
    const r = await delivering({});
    r.faults.push('redirect');
    const c = await fetchOpenAlex({ ...(await fast()), baseUrl: `${r.url}/openalex`, search: 'copper oxide', max: 5 });
    expect(c.size).toBe(1);
    expect(r.requests.map((q) => q.path.includes('redirected=1'))).toEqual([false, true]);
  });
});

describe('HTTP as real servers answer', () => {
  // OpenAlex and arXiv compress their answers and send them chunked; a second server stands for
  // another origin. Bodies are the recorded pages the replay server serves.
  let api: Served;
  let other: Served;
  let page: Buffer;
  let behave: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  beforeAll(async () => {
    // The last page of a cursor-paged search: two works, no next cursor.
    page = await readFile(join(ROOT, 'fixtures/fetch/openalex-cursor-2.json'));
    api = await serve((req, res) => behave(req, res));
    other = await serve((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(page));
  });
  afterAll(async () => {
    await Promise.all([api.close(), other.close()]);
  });
  beforeEach(() => {
    api.paths.length = 0;
    other.paths.length = 0;
  });
  const get = async (extra: Partial<OpenAlexOptions> = {}) =>
    fetchOpenAlex({ ...(await fast()), attempts: 2, baseUrl: `${api.url}/works`, search: 'optimal transport', max: 3, ...extra });
  const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

  it.each(Object.keys(encoders))('reads a %s-compressed answer whose Content-Length counts the compressed bytes', async (encoding) => {
    behave = (_req, res) => {
      const body = encoders[encoding]!(page);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': String(body.length) }).end(body);
    };
    const c = await get();
    expect(c.size).toBe(2);
    expect(api.paths).toHaveLength(1);
  });

  it('reads a compressed answer sent chunked, without Content-Length, in small pieces', async () => {
    behave = async (_req, res) => {
      const body = gzipSync(page);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      for (let i = 0; i < body.length; i += 97) {
        res.write(body.subarray(i, i + 97));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    };
    expect((await get()).size).toBe(2);
  });

  it('tells a compressed body cut short mid-stream from one that ended, retries it, then gives up with a CorpusError', async () => {
    behave = (_req, res) => {
      const body = gzipSync(page);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    };
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/gave up after 2 attempts \(last: body cut short/u);
    expect(api.paths).toHaveLength(2);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    let first = true;
    behave = (_req, res) => {
      if (first) {
        first = false;
        // HTTP dates have whole seconds: two seconds ahead is a wait of one to two seconds.
        return void res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(page);
    };
    const t0 = Date.now();
    expect((await get({ retryBaseMs: 1 })).size).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('refuses an answer larger than maxResponseBytes while it streams, without retrying', async () => {
    behave = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Chunked, no length declared: the cap must act on the bytes, not on a header.
      for (let i = 0; i < 64 && !res.destroyed; i++) res.write(Buffer.alloc(64 << 10, 0x20));
      res.end();
    };
    const err = await get({ maxResponseBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/sent more than the 1048576 bytes allowed$/u);
    expect(api.paths).toHaveLength(1);
    behave = (_req, res) => void res.writeHead(200, { 'content-length': String(8 << 20) }).end();
    await expect(get({ maxResponseBytes: 1 << 20 })).rejects.toThrow(/declares 8388608 bytes, more than the 1048576 allowed/u);
  });

  it('holds a body once while it streams: 250 MiB offered is refused at the 64 MiB default in bounded memory', async () => {
    behave = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const block = Buffer.alloc(1 << 20, 0x20);
      // Bounded: 250 MiB at most, honouring back-pressure, and it stops when the client hangs up.
      for (let i = 0; i < 250 && !res.destroyed; i++) if (!res.write(block)) await new Promise((r) => res.once('drain', r));
      res.end();
    };
    const before = process.memoryUsage().rss;
    const t0 = Date.now();
    const err = await get().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/sent more than the 67108864 bytes allowed$/u);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The body as decoded text once (64 MiB), never the raw chunks, their copy and the text together.
    expect(process.memoryUsage().rss - before).toBeLessThan(400 << 20);
  });

  it('refuses invalid UTF-8 as the readers do, and caches nothing', async () => {
    behave = (_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat([page.subarray(0, 40), Buffer.from([0xc3, 0x28]), page.subarray(40)]));
    const opts = await fast();
    const err = await fetchOpenAlex({ ...opts, baseUrl: `${api.url}/works`, search: 'x', max: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/is not valid UTF-8$/u);
    expect(api.paths).toHaveLength(1);
    expect(await readdir(opts.cache).catch(() => [])).toEqual([]);
  });

  it('follows redirects within the API origin only, unless another origin is allowed', async () => {
    behave = (req, res) => {
      if (req.url!.startsWith('/works')) return void res.writeHead(301, { location: `/moved${req.url!.slice(6)}` }).end();
      if (req.url!.startsWith('/moved')) return void res.writeHead(302, { location: `${other.url}/works` }).end();
    };
    const err = await get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(new RegExp(`redirected to ${other.url}, which is not ${api.url}`, 'u'));
    expect(api.paths).toHaveLength(2);
    expect(other.paths).toHaveLength(0);
    expect((await get({ allowRedirectsTo: [other.url] })).size).toBe(2);
    expect(other.paths).toHaveLength(1);
    await expect(get({ allowRedirectsTo: ['not a url'] })).rejects.toThrow(OptionError);
  });

  it('gives up on a server that drips a byte every 200 ms at the overall deadline', async () => {
    behave = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Bounded: at most 50 bytes (10 s), and it stops as soon as the client hangs up.
      for (let i = 0; i < 50 && !res.destroyed; i++) {
        res.write(' ');
        await new Promise((r) => setTimeout(r, 200));
      }
      res.end();
    };
    const t0 = Date.now();
    const err = await get({ attempts: 1, timeoutSeconds: 1, deadlineSeconds: 1.5 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/gave up after 1 attempts \(last: not done within 1\.5 s\)/u);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('stops when the API hands back a cursor it gave before', async () => {
    const works = JSON.parse(page.toString('utf8')) as { results: unknown[] };
    behave = (req, res) => {
      const cursor = new URL(req.url!, 'http://x').searchParams.get('cursor');
      const body = {
        meta: { count: 1000, next_cursor: 'again' },
        results: works.results.slice(0, 1).map((w) => ({ ...(w as object), id: `https://openalex.org/W${cursor === '*' ? 1 : 2}` })),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const err = await get({ max: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/returned the cursor "again" a second time after 2 works/u);
    expect(api.paths).toHaveLength(2);
  });
});

describe('caches that cannot be used are reported, not passed over in silence', () => {
  let server: Replay;
  beforeAll(async () => {
    server = await replayServer();
  });
  afterAll(() => server.close());

  it('warns about a damaged or unreadable response-cache entry, and about a response it could not cache', async () => {
    const warnings: string[] = [];
    const opts = { ...(await fast()), baseUrl: `${server.url}/openalex`, search: 'copper oxide', max: 5, onWarning: (m: string) => warnings.push(m) };
    await fetchOpenAlex(opts);
    const [entry] = await readdir(opts.cache);
    expect(warnings).toEqual([]);
    await writeFile(join(opts.cache, entry!), '{"url": "cut short');
    expect((await fetchOpenAlex(opts)).size).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`${entry}: the response cache entry is damaged \\(.*\\); fetching again$`, 'u'))]);
    await rm(join(opts.cache, entry!));
    await mkdir(join(opts.cache, entry!));
    warnings.length = 0;
    expect((await fetchOpenAlex(opts)).size).toBe(1);
    expect(warnings).toEqual([
      expect.stringMatching(/: the response cache entry cannot be read \(EISDIR\); fetching again$/u),
      expect.stringMatching(/: the response could not be cached \(.+\); the next run fetches it again$/u),
    ]);
  });

  it('warns at build when the embedding cache cannot be read, naming the file and the reason', async () => {
    const { Atlas } = await import('../../src/index.js');
    const { EmbeddingCache } = await import('../../src/embed/cache.js');
    const { FakeEmbedder, syntheticCorpus } = await import('./synthetic.js');
    const cache = await tempDir();
    const embedder = new FakeEmbedder(16);
    await mkdir(new EmbeddingCache(cache).fileFor(embedder.id));
    const warnings: string[] = [];
    const atlas = await Atlas.build(syntheticCorpus(4).corpus, { embedder, cache, seed: 1, onWarning: (m) => warnings.push(m) });
    expect(warnings.find((w) => w.startsWith('embedding cache:'))).toMatch(/\.emb: cannot be read \(EISDIR\); recomputing every embedding; could not write/u);
    await atlas.dispose();
  });
});
