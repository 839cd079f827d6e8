import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './root.js';

/** A failure the replay server injects into the next request: a status, a cut-off body, silence, or a redirect. */
export type Fault = 429 | 500 | 503 | 'truncate' | 'stall' | 'redirect';

/**
 * How answers travel. `'recorded'` compresses when the recording says the real server did (OpenAlex:
 * gzip), and otherwise when the client asks (arXiv's headers were not recorded; its pages are served
 * gzip-compressed too); `chunked` drops Content-Length and sends the body in small pieces, as
 * OpenAlex does for some answers.
 */
export interface Delivery {
  compress: 'recorded' | 'never';
  chunked: boolean;
}

export interface Replay {
  url: string;
  /** Every request's path and query, in order, with its time (ms) and the Accept-Encoding it sent. */
  requests: { path: string; at: number; acceptEncoding: string | undefined }[];
  /** Failures for the next requests, served in order before answers resume. */
  faults: Fault[];
  delivery: Delivery;
  close(): Promise<void>;
}

/** A response as recorded from the real API (fixtures/fetch/recorded/README.md says where each came from). */
interface Recording {
  status: number;
  headers: Record<string, string> | null;
  body: string;
}

const recorded = async (name: string): Promise<Recording> =>
  JSON.parse(await readFile(join(ROOT, 'fixtures/fetch/recorded', `${name}.json`), 'utf8')) as Recording;
const handWritten = async (file: string, type: string): Promise<Recording> => ({
  status: 200,
  headers: { 'Content-Type': type },
  body: await readFile(join(ROOT, 'fixtures/fetch', file), 'utf8'),
});

/**
 * What the real API answered to this request: arXiv searches for `testing` page by page (`start` 0,
 * 10, 20: ten entries each, whatever `max_results` asked), an id arXiv calls malformed (HTTP 400 with
 * its error feed), a search with no results; OpenAlex title searches (gzip, with Content-Length) and
 * its 404. The older hand-written pages (`bilevel`, OpenAlex cursors) stay for the paging and cursor
 * cases the recordings do not cover.
 */
async function answerFor(u: URL): Promise<Recording | undefined> {
  const p = u.searchParams;
  if (u.pathname === '/arxiv') {
    const query = p.get('search_query') ?? '';
    // Recorded for `id_list=abc`; served for `search_query=id:abc`, the same bad id as paper-atlas asks for it.
    if (p.get('id_list') === 'abc' || query === 'id:abc') return recorded('arxiv-bad-id-400');
    if (/nothing/u.test(query)) return recorded('arxiv-no-results');
    if (/testing/u.test(query))
      return ['0', '10', '20'].includes(p.get('start') ?? '') ? recorded(`arxiv-testing-start-${p.get('start')}`) : recorded('arxiv-no-results');
    return handWritten(`arxiv-start-${p.get('start')}.xml`, 'application/atom+xml; charset=utf-8').catch(() => undefined);
  }
  if (u.pathname === '/openalex') {
    // A DOI filter (enrichCitations) is answered by the recording holding exactly those works: the
    // recordings answered title filters, and a DOI filter's answer has the same shape (meta, results).
    const dois = /^doi:(.+)$/u.exec(p.get('filter') ?? '')?.[1]?.split('|');
    if (dois) {
      if (dois.includes('10.1063/1.4938384')) return recorded('openalex-title-search-1');
      if (dois.includes('10.1038/s42256-024-00832-8')) return recorded('openalex-title-search-2');
      return handWritten('openalex-empty.json', 'application/json');
    }
    const search = p.get('search') ?? '';
    if (/nothing/u.test(search)) return handWritten('openalex-empty.json', 'application/json');
    if (/missing/u.test(search)) return recorded('openalex-not-found-404');
    if (/copper oxide/u.test(search)) return recorded('openalex-title-search-1');
    if (/language models/u.test(search)) return recorded('openalex-title-search-2');
    return handWritten(p.get('cursor') === '*' ? 'openalex-cursor-star.json' : 'openalex-cursor-2.json', 'application/json');
  }
  return undefined;
}

/**
 * A stand-in for the arXiv and OpenAlex APIs on 127.0.0.1 that answers as they do: recorded real
 * responses, gzip-compressed when the real server compressed (or the client asked), chunked on
 * request, with injectable 429s (Retry-After), 500s, bodies cut off mid-stream, stalls and redirects.
 */
export async function replayServer(delivery: Partial<Delivery> = {}): Promise<Replay> {
  const state: Replay = { url: '', requests: [], faults: [], delivery: { compress: 'recorded', chunked: false, ...delivery }, close: async () => undefined };
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://x');
    const acceptEncoding = req.headers['accept-encoding'];
    state.requests.push({ path: `${u.pathname}${u.search}`, at: Date.now(), acceptEncoding });
    const rec = await answerFor(u);
    if (!rec) return void res.writeHead(404).end('no recording');
    const fault = state.faults.shift();
    if (fault === 'stall') return;
    if (fault === 429 || fault === 500 || fault === 503) {
      res.writeHead(fault, fault === 429 ? { 'retry-after': '0' } : {}).end(fault === 429 ? 'Too Many Requests' : 'Internal Server Error');
      return;
    }
    if (fault === 'redirect') return void res.writeHead(302, { location: `${u.pathname}${u.search}&redirected=1` }).end();
    const recordedEncoding = Object.entries(rec.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-encoding')?.[1];
    const asked = /\bgzip\b/u.test(String(acceptEncoding ?? ''));
    const gzip = state.delivery.compress === 'recorded' && asked && (recordedEncoding === undefined || recordedEncoding === 'gzip');
    const body = gzip ? gzipSync(Buffer.from(rec.body, 'utf8')) : Buffer.from(rec.body, 'utf8');
    const type =
      Object.entries(rec.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ??
      (u.pathname === '/arxiv' ? 'application/atom+xml; charset=utf-8' : 'application/json');
    res.writeHead(rec.status, {
      'content-type': type,
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      ...(state.delivery.chunked ? {} : { 'content-length': String(body.length) }),
    });
    if (fault === 'truncate') {
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    if (!state.delivery.chunked) return void res.end(body);
    for (let i = 0; i < body.length; i += 1024) {
      res.write(body.subarray(i, i + 1024));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  };
  const server: Server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}
