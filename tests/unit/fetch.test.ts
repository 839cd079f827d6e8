import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CorpusError, fetchArxiv, fetchOpenAlex, OptionError } from '../../src/index.js';
import { arxivQuery } from '../../src/corpus/fetch/arxiv.js';
import { replayServer, type Replay } from '../support/replay.js';
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
    const c = await fetchArxiv({ ...(await fast()), intervalMs: 150, baseUrl: `${server.url}/arxiv`, query: 'bilevel optimization', max: 10, pageSize: 2, onProgress: (p) => seen.push(p.fetched) });
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
    const err = await fetchArxiv({ ...(await fast()), attempts: 3, baseUrl: `${server.url}/arxiv`, query: 'bilevel', max: 2, pageSize: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorpusError);
    expect((err as Error).message).toMatch(/^arxiv:bilevel: http:\/\/127\.0\.0\.1:\d+\/arxiv\?search_query=all%3Abilevel.*: gave up after 3 attempts \(last: HTTP 500\)$/u);
  });

  it('treats a server that stops answering like any other failure: retried, then given up', async () => {
    server.faults.push('stall', 'stall');
    const started = Date.now();
    const err = await fetchArxiv({ ...(await fast()), attempts: 2, baseUrl: `${server.url}/arxiv`, query: 'bilevel', max: 2, pageSize: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/gave up after 2 attempts \(last: no response for 1 s\)/u);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('says plainly when a search finds nothing', async () => {
    await expect(fetchArxiv({ ...(await fast()), baseUrl: `${server.url}/arxiv`, query: 'nothing at all' })).rejects.toThrow(/arxiv:nothing at all: contains no papers/u);
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
    await expect(fetchArxiv({ ...(await fast()), retryBaseMs: 5000, baseUrl: `${server.url}/arxiv`, query: 'bilevel', signal: ctrl.signal })).rejects.toThrow('user stop');
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
    expect(c.papers[1]).toMatchObject({ id: 'W4300000001', doi: '10.5555/ot.1', year: 2020, authors: ['Author 1 First', 'Author 1 Last'], meta: { venue: 'NeurIPS' } });
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
    await expect(fetchOpenAlex({ ...(await fast()), baseUrl: `${server.url}/openalex`, search: 'nothing' })).rejects.toThrow(/openalex:search=nothing: contains no papers/u);
  });
});
