import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PaperAtlasError, parseCorpus, readVectorTable, type CorpusFormat } from '../../../src/index.js';
import { mutate } from './mutate.js';

/** What the parent asks: a decoder, the real file it starts from, a seed, how many cases, and a time budget. */
export interface FuzzJob {
  module: string;
  decoder: string;
  file: string;
  format: CorpusFormat | 'parquet';
  seed: string;
  cases: number;
  budgetMs: number;
  tokens: string[];
}

/** One case's outcome: a checked corpus (`ok`), a typed error (`typed`), or anything else (`untyped`, a failure). */
export type FuzzMessage =
  | { type: 'start'; i: number }
  | { type: 'done'; i: number; outcome: 'ok' | 'typed' | 'untyped'; ms: number; detail: string }
  | { type: 'end'; ran: number };

const job = workerData as FuzzJob;
const base = new Uint8Array(await readFile(job.file));
const post = (m: FuzzMessage): void => parentPort!.postMessage(m);
const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-fuzz-'));
// For Parquet, the footer and the page headers after the first data page are where sizes are declared.
const hotspot = job.format === 'parquet' ? { from: Math.max(0, base.length - 2048), to: base.length } : undefined;

async function decode(bytes: Uint8Array): Promise<unknown> {
  if (job.format !== 'parquet') return parseCorpus(bytes, { format: job.format, source: `${job.decoder}-fuzz` });
  const file = join(dir, 'case.parquet');
  await writeFile(file, bytes);
  return readVectorTable(file);
}

const started = performance.now();
let i = 0;
for (; i < job.cases && performance.now() - started < job.budgetMs; i++) {
  const bytes = mutate(base, `${job.seed}:${job.decoder}:${i}`, job.tokens, hotspot);
  post({ type: 'start', i });
  const t0 = performance.now();
  let outcome: 'ok' | 'typed' | 'untyped' = 'ok';
  let detail = '';
  try {
    const result = (await decode(bytes)) as { size?: number };
    detail = `${result.size ?? '?'} papers`;
  } catch (err) {
    outcome = err instanceof PaperAtlasError ? 'typed' : 'untyped';
    detail = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]!.slice(0, 200)}` : String(err);
  }
  post({ type: 'done', i, outcome, ms: performance.now() - t0, detail });
}
await rm(dir, { recursive: true, force: true });
post({ type: 'end', ran: i });
