import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { FuzzJob, FuzzMessage } from './support/fuzz/worker.js';
import { ROOT } from './support/root.js';

/**
 * The fuzzing pass over every decoder of untrusted input: seeded mutations of real files (the
 * pyarrow-written Parquet fixture; the reference-manager and API samples in fixtures/samples), each
 * decoded in a worker thread with a 512 MB heap and a per-case deadline. Every outcome must be a
 * checked corpus or a typed PaperAtlasError, within the deadline. A failure names the seed and case
 * number, which regenerate the same bytes (tests/support/fuzz/mutate.ts).
 */

const SEED = 'round-3';
/** Longest a single case may take: far above any sound case here (tens of ms), far below a hang. */
const CASE_DEADLINE_MS = 3000;
const HEAP_MB = 512;

const DECODERS: Omit<FuzzJob, 'module' | 'seed' | 'cases' | 'budgetMs'>[] = [
  { decoder: 'parquet', file: 'fixtures/parquet/papers.parquet', format: 'parquet', tokens: ['\u0000', '\u00ff\u00ff\u00ff\u007f', 'PAR1'] },
  {
    decoder: 'bibtex',
    file: 'fixtures/samples/library.bib',
    format: 'bibtex',
    tokens: ['{', '}', '@string{s = s # s}\n', '"', '#', '@article{x,', "\\'{e}", '%'],
  },
  { decoder: 'ris', file: 'fixtures/samples/library.ris', format: 'ris', tokens: ['\nTY  - JOUR', '\nER  - ', '\nAB  - ', '\r', '\u0000', '  - '] },
  {
    decoder: 'openalex',
    file: 'fixtures/samples/openalex-works.json',
    format: 'openalex',
    tokens: ['[', '{"a":', '999999999999', '"\\u0000"', '{"abstract_inverted_index":{"w":[9007199254740991]}}', ','],
  },
  {
    decoder: 'atom',
    file: 'fixtures/samples/arxiv-api.atom.xml',
    format: 'atom',
    tokens: ['<entry>', '<a>', '<![CDATA[', '&amp;', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '<opensearch:totalResults ', ']]>'],
  },
];

interface Report {
  ran: number;
  outcomes: Record<'ok' | 'typed' | 'untyped', number>;
  failures: string[];
  slowestMs: number;
}

function run(spec: (typeof DECODERS)[number], cases: number, budgetMs: number): Promise<Report> {
  const report: Report = { ran: 0, outcomes: { ok: 0, typed: 0, untyped: 0 }, failures: [], slowestMs: 0 };
  const job: FuzzJob = { ...spec, file: join(ROOT, spec.file), module: new URL('./support/fuzz/worker.ts', import.meta.url).href, seed: SEED, cases, budgetMs };
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./support/fuzz/boot.mjs', import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } });
    let current = -1;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(report);
    };
    worker.on('message', (m: FuzzMessage) => {
      if (m.type === 'start') {
        current = m.i;
        clearTimeout(timer);
        timer = setTimeout(() => {
          report.failures.push(`case ${m.i} (seed ${SEED}): still running after ${CASE_DEADLINE_MS} ms`);
          finish();
        }, CASE_DEADLINE_MS);
      } else if (m.type === 'done') {
        clearTimeout(timer);
        report.outcomes[m.outcome]++;
        report.slowestMs = Math.max(report.slowestMs, m.ms);
        if (m.outcome === 'untyped') report.failures.push(`case ${m.i} (seed ${SEED}): ${m.detail}`);
      } else {
        report.ran = m.ran;
        finish();
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      report.failures.push(`case ${current} (seed ${SEED}): the worker died (${err.code ?? err.name}: ${err.message})`);
      finish();
    });
  });
}

describe('fuzzing the decoders (seeded mutations of real files)', () => {
  it.each(DECODERS.map((d) => [d.decoder, d] as const))(
    '%s: every mutated file decodes to a corpus or a typed error, each within the deadline, in a bounded heap',
    async (_name, spec) => {
      const report = await run(spec, 400, 8000);
      expect(report.failures).toEqual([]);
      // Enough cases ran to mean something, and the mutations reached both outcomes.
      expect(report.ran).toBeGreaterThanOrEqual(60);
      expect(report.outcomes.typed).toBeGreaterThan(0);
      expect(report.outcomes.ok).toBeGreaterThan(0);
      expect(report.slowestMs).toBeLessThan(CASE_DEADLINE_MS);
    },
  );
});
