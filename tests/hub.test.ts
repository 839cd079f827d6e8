import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, resolveModel, TransformersEmbedder } from '../src/index.js';
import { missingModelFiles } from '../src/embed/model-store.js';
import { tempDir } from './support/helpers.js';

/**
 * The Hugging Face download path, against a hub this test starts on 127.0.0.1 that serves the
 * installed model's files the way the hub does (`/<org>/<name>/resolve/main/<file>`), and can be
 * told to fail, stall or cut a response short.
 */
let server: Server;
let hub: string;
let modelDir: string;
let mode: 'ok' | 'error' | 'stall' | 'truncate' | 'cdn' = 'ok';
/** A second origin standing for the hub's content host: the hub redirects file requests there, as it does. */
let cdn: Server;
let cdnUrl: string;
const cdnRequests: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  modelDir = (await resolveModel({ offline: true })).path;
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const m = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/u.exec(req.url ?? '');
    const file = m ? join(modelDir, decodeURIComponent(m[1]!)) : undefined;
    if (!file || !existsSync(file)) return void res.writeHead(404).end('not found');
    if (mode === 'error' && file.endsWith('.onnx')) return void res.writeHead(500).end('server error');
    if (mode === 'stall' && file.endsWith('.onnx')) return; // never answers
    if (mode === 'cdn') return void res.writeHead(302, { location: `${cdnUrl}/files/${m![1]}` }).end();
    void stat(file).then((s) => {
      res.writeHead(200, { 'content-length': String(s.size) });
      if (mode === 'truncate' && file.endsWith('.onnx')) {
        createReadStream(file, { start: 0, end: 1_000_000 })
          .on('end', () => res.destroy())
          .pipe(res, { end: false });
      } else {
        createReadStream(file).pipe(res);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hub = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The content host sends JSON gzip-compressed with the compressed Content-Length, and the weights chunked.
  cdn = createServer((req, res) => {
    cdnRequests.push(req.url ?? '');
    const file = join(modelDir, decodeURIComponent((req.url ?? '').replace(/^\/files\//u, '')));
    if (!existsSync(file)) return void res.writeHead(404).end();
    if (file.endsWith('.json') && /gzip/u.test(String(req.headers['accept-encoding']))) {
      const body = gzipSync(readFileSync(file));
      return void res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(body.length) }).end(body);
    }
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', () => r()));
  cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  cdn.closeAllConnections();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => cdn.close(r))]);
});

const opts = async () => ({ cacheDir: await tempDir(), hubUrl: hub, modelPackages: [] as string[], hubTimeoutSeconds: 2 });

describe('model download from a hub', () => {
  it('downloads the model into the cache and embeds exactly as the installed copy', async () => {
    mode = 'ok';
    const o = await opts();
    const res = await resolveModel(o);
    expect(res.source).toBe('hub');
    expect(missingModelFiles(res.path)).toEqual([]);
    expect(requests.some((r) => r.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
    const downloaded = await TransformersEmbedder.create(o);
    const installed = await TransformersEmbedder.create({ offline: true });
    expect(downloaded.id).toBe(installed.id);
    const [a] = await downloaded.embed(['optimal transport']);
    const [b] = await installed.embed(['optimal transport']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    // The second time the cache answers; the hub is not asked again.
    const before = requests.length;
    expect((await resolveModel(o)).source).toBe('cache');
    expect(requests.length).toBe(before);
  });

  it('follows the hub to its content host, reading gzip-compressed and chunked answers whole', async () => {
    mode = 'cdn';
    const o = await opts();
    const res = await resolveModel(o);
    expect(res.source).toBe('hub');
    expect(cdnRequests.some((r) => r.endsWith('/onnx/model_quantized.onnx'))).toBe(true);
    expect(cdnRequests.some((r) => r.endsWith('tokenizer.json'))).toBe(true);
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model_quantized.onnx']) {
      expect(readFileSync(join(res.path, file)).equals(readFileSync(join(modelDir, file))), file).toBe(true);
    }
  });

  it('fails with the URL and status, leaving no directory that looks complete', async () => {
    mode = 'error';
    const o = await opts();
    const err = await resolveModel(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/model_quantized\.onnx: HTTP 500/u);
    expect(missingModelFiles(join(o.cacheDir, 'models/Xenova/all-MiniLM-L6-v2')).length).toBeGreaterThan(0);
  });

  it('gives up on a hub that stops answering, within the timeout', async () => {
    mode = 'stall';
    const started = Date.now();
    const err = await resolveModel(await opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/no response for 2 s/u);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a response cut short', async () => {
    mode = 'truncate';
    const err = await resolveModel(await opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/could not download .*model_quantized\.onnx/u);
  });

  it('never asks the hub offline, and refuses model ids that are paths', async () => {
    mode = 'ok';
    const before = requests.length;
    await expect(resolveModel({ ...(await opts()), offline: true })).rejects.toThrow(/not available offline/u);
    expect(requests.length).toBe(before);
    await expect(resolveModel({ ...(await opts()), model: '../../etc' })).rejects.toThrow(/must be a model id/u);
  });
});
