import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './root.js';

/** A failure the replay server injects into the next request: a status, a cut-off body, or silence. */
export type Fault = 429 | 500 | 503 | 'truncate' | 'stall';

export interface Replay {
  url: string;
  /** Every request's path and query, in order, with its time (ms). */
  requests: { path: string; at: number }[];
  /** Failures for the next requests, served in order before answers resume. */
  faults: Fault[];
  close(): Promise<void>;
}

/**
 * A stand-in for the arXiv and OpenAlex APIs on 127.0.0.1, answering from recorded responses in
 * fixtures/fetch/ (arXiv pages by `start`, OpenAlex pages by `cursor`; a query about nothing gets
 * the empty response), with injectable 429s (with Retry-After), 500s, truncated bodies and stalls.
 */
export async function replayServer(): Promise<Replay> {
  const state: Replay = { url: '', requests: [], faults: [], close: async () => undefined };
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ path: `${u.pathname}${u.search}`, at: Date.now() });
    let file: string;
    let type: string;
    if (u.pathname === '/arxiv') {
      const nothing = /nothing/u.test(u.searchParams.get('search_query') ?? '');
      file = nothing ? 'arxiv-empty.xml' : `arxiv-start-${u.searchParams.get('start')}.xml`;
      type = 'application/atom+xml; charset=utf-8';
    } else if (u.pathname === '/openalex') {
      const nothing = /nothing/u.test(u.searchParams.get('search') ?? '');
      const cursor = u.searchParams.get('cursor');
      file = nothing ? 'openalex-empty.json' : cursor === '*' ? 'openalex-cursor-star.json' : 'openalex-cursor-2.json';
      type = 'application/json';
    } else {
      res.writeHead(404).end();
      return;
    }
    const body = await readFile(join(ROOT, 'fixtures/fetch', file)).catch(() => undefined);
    if (!body) {
      res.writeHead(404).end('no recording');
      return;
    }
    const fault = state.faults.shift();
    if (fault === 'stall') return;
    if (fault === 429 || fault === 500 || fault === 503) {
      res.writeHead(fault, fault === 429 ? { 'retry-after': '0' } : {}).end(fault === 429 ? 'Too Many Requests' : 'Internal Server Error');
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
    if (fault === 'truncate') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      res.destroy();
      return;
    }
    res.end(body);
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
