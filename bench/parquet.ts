/**
 * Reading papers with their vectors from Parquet (`readVectorTable`, pure-JavaScript hyparquet)
 * beside the same rows from a Lance table: 200,000 × 384 synthetic vectors (50 blobs) written by
 * pyarrow in row groups of 20,000 and in one row group (pyarrow's default up to ~1M rows). Each read
 * runs in its own process, so its peak RSS is the read's (the process's baseline included).
 * `--quick`: 20,000 rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Corpus, readVectorTable, writeVectorTable } from '../src/index.js';
import { inChild, peakRssMiB, peer, QUICK, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const EMBEDDER = 'synthetic@000000000000+mean+chunk256';

const child = process.argv.indexOf('--child');
if (child !== -1) {
  const t = performance.now();
  const table = await readVectorTable(process.argv[child + 1]!);
  console.log(JSON.stringify({ rows: table.corpus.size, read_s: +seconds(t).toFixed(2), peak_rss_mib: peakRssMiB() }));
  process.exit(0);
}

const n = QUICK ? 20_000 : 200_000;
const dir = await mkdtemp(join(tmpdir(), 'bench-parquet-'));
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
try {
  const vectors = syntheticVectors(n, 384, `parquet-${n}`, 50);
  const raw = join(dir, 'vectors.f32');
  await writeVectors(raw, vectors);
  const read = async (path: string): Promise<{ rows: number; read_s: number; peak_rss_mib: number }> => {
    const r = await inChild<{ rows: number; read_s: number; peak_rss_mib: number }>('parquet', [path], { env: { ...process.env, LANCE_LOG: 'error' } });
    if (r.rows !== n) throw new Error(`${path}: read ${r.rows} rows of ${n}`);
    return r;
  };

  // The same papers as peers.py writes them, into a Lance table.
  const papers = Corpus.from(vectors.map((_, i) => ({ id: `p${i}`, title: `Paper ${i}`, abstract: `Synthetic abstract number ${i}.` }))).papers;
  const lance = join(dir, 'lance');
  await writeVectorTable(lance, papers, { embedder: EMBEDDER, vectors });
  const fromLance = await read(lance);
  rows.push({ source: 'Lance table', row_group: '', ...fromLance });

  for (const group of [n / 10, n]) {
    const file = join(dir, `rg${group}.parquet`);
    await peer('parquet', [raw, 384, file, group, EMBEDDER]);
    const r = await read(file);
    rows.push({ source: 'Parquet (pyarrow, fixed-size float32 list, snappy)', row_group: group, ...r });
    ratios[`parquet_vs_lance_read_s@rowgroup${group}`] = r.read_s / fromLance.read_s;
    ratios[`parquet_vs_lance_peak_rss@rowgroup${group}`] = r.peak_rss_mib / fromLance.peak_rss_mib;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

await saveResult('parquet', rows, ratios, [
  `${n} × 384 synthetic unit vectors in 50 blobs with short titles and abstracts; every row checked as readVectorTable always does (unit length, one dimension, unique ids)`,
  'Parquet written by pyarrow (bench/peers.py parquet), read by hyparquet one row group at a time, so the row group sets the peak; Lance written by writeVectorTable',
  'each read in its own process: peak RSS includes the Node/tsx baseline (~100 MiB)',
]);
