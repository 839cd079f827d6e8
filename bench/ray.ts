/**
 * The Ray Data embedding recipe (bench/ray/embed.py) against paper-atlas's own embedder, on every
 * paper of the bundled corpus: truncate and chunk at the default 256-token window, and chunk at
 * 128 (where many more abstracts are cut into windows), and chunk 256 once more written as Parquet
 * part files. For each, the recipe runs on a local Ray cluster (2 workers × 1 onnxruntime thread)
 * and writes a Lance table (or the Parquet files); this script reads it back with
 * `readVectorTable`, checks the embedder id and the row order, and compares every vector with
 * paper-atlas's (cosine ≥ 0.9999 on every paper, else it fails). Then an atlas is built from the
 * table (`precomputed`), which embeds nothing.
 * Ray and its peers live in .cache/venv-ray (bench/ray/requirements.txt, ~1.1 GB installed).
 * `--quick`: skipped (installing Ray does not fit CI's time); the full bench runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Atlas, Corpus, loadBundledCorpus, readVectorTable, TransformersEmbedder } from '../src/index.js';
import { dot } from '../src/vector.js';
import { ensureVenv, lastJson, QUICK, ROOT, saveResult, seconds } from './lib.js';

const run = promisify(execFile);
const PARITY = 0.9999;
const SETTINGS = [
  { long: 'truncate', maxTokens: 256, format: 'lance' },
  { long: 'chunk', maxTokens: 256, format: 'lance' },
  { long: 'chunk', maxTokens: 128, format: 'lance' },
  // The same job writing Parquet part files (Ray's own writer) instead of a Lance table.
  { long: 'chunk', maxTokens: 256, format: 'parquet' },
] as const;

if (QUICK) {
  await saveResult('ray', [], {}, ['skipped in --quick: installing Ray Data (~1.1 GB) does not fit CI; `npm run bench ray` runs the parity check']);
  process.exit(0);
}

const python = await ensureVenv(join(ROOT, '.cache/venv-ray'), join(ROOT, 'bench/ray/requirements.txt'));

const corpus = await loadBundledCorpus();
const texts = corpus.papers.map(Corpus.textOf);
const input = join(ROOT, 'fixtures/corpus/regularized-optimization.json');
const dir = await mkdtemp(join(tmpdir(), 'bench-ray-'));
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
const failures: string[] = [];
try {
  for (const s of SETTINGS) {
    const name = `${s.long}${s.maxTokens}${s.format === 'parquet' ? ' parquet' : ''}`;
    const embedder = await TransformersEmbedder.create({ offline: true, long: s.long, maxTokens: s.maxTokens, threads: 2 });
    let t = performance.now();
    const ours = await embedder.embed(texts);
    const nodeTime = seconds(t);
    const cut = texts.filter((x) => embedder.countTokens(x) > s.maxTokens - 2).length;

    const out = join(dir, name.replace(' ', '-'));
    t = performance.now();
    const { stdout } = await run(
      python,
      [
        join(ROOT, 'bench/ray/embed.py'),
        '--input',
        input,
        '--model-dir',
        embedder.resolution.path,
        '--out',
        out,
        '--long',
        s.long,
        '--max-tokens',
        String(s.maxTokens),
        '--format',
        s.format,
        '--workers',
        '2',
        '--threads',
        '1',
      ],
      { maxBuffer: 64 << 20, env: { ...process.env, LANCE_LOG: 'error', RAY_DEDUP_LOGS: '0' } },
    );
    const rayTime = seconds(t);
    const report = lastJson<{ embedder: string; rows: number }>(stdout);

    const table = await readVectorTable(out);
    const sameOrder = table.corpus.papers.every((p, i) => p.id === corpus.papers[i]!.id);
    const byId = new Map(table.corpus.papers.map((p, i) => [p.id, table.vectors[i]!]));
    const cosines = corpus.papers.map((p, i) => {
      const v = byId.get(p.id);
      return v ? dot(v, ours[i]!) : -1;
    });
    const min = Math.min(...cosines);
    const worst = corpus.papers[cosines.indexOf(min)]!.id;
    t = performance.now();
    const atlas = await Atlas.build(table.corpus, { precomputed: table, embedder, cache: false });
    const atlasTime = seconds(t);
    rows.push({
      setting: name,
      format: s.format,
      papers: corpus.size,
      cutIntoWindows: s.long === 'chunk' ? cut : 0,
      truncated: s.long === 'truncate' ? cut : 0,
      rows: report.rows,
      idMatches: table.embedder === embedder.id,
      sameOrder,
      minCosine: Number(min.toFixed(7)),
      meanCosine: Number((cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(7)),
      worstPaper: worst,
      below: cosines.filter((c) => c < PARITY).length,
      raySeconds: +rayTime.toFixed(1),
      nodeEmbedSeconds: +nodeTime.toFixed(1),
      atlasFromTableSeconds: +atlasTime.toFixed(1),
      themes: atlas.themes.length,
    });
    ratios[`ray/node embed time, ${name} (incl. Ray start-up)`] = Number((rayTime / nodeTime).toFixed(2));
    if (table.embedder !== embedder.id) failures.push(`${name}: table says ${table.embedder}, paper-atlas ${embedder.id}`);
    if (min < PARITY) failures.push(`${name}: ${rows.at(-1)!.below} papers below cosine ${PARITY} (worst ${worst}: ${min})`);
    if (!sameOrder || report.rows !== corpus.size) failures.push(`${name}: rows out of order or missing`);
    await atlas.dispose();
    await embedder.dispose();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

await saveResult('ray', rows, ratios, [
  'bench/ray/embed.py on a local Ray cluster (2 workers × 1 onnxruntime thread), same int8 ONNX file and tokenizer.json; paper-atlas embeds with 2 threads in one session',
  `parity: cosine ≥ ${PARITY} on every paper, embedder id equal, rows in input order — ${failures.length ? `FAILED: ${failures.join('; ')}` : 'passed in every setting'}`,
  'Ray times include starting the local cluster and the workers (~15-20 s); at 194 papers they measure overhead, not throughput',
]);
if (failures.length) {
  console.error(failures.join('\n'));
  process.exitCode = 1;
}
