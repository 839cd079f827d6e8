/**
 * HNSW index: build time, query p50/p99 and recall@10 at 1k/10k/100k × 384, paper-atlas
 * (hnswlib-node) beside Python hnswlib on the same vectors and parameters, and exact search in TS.
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DEFAULT_HNSW_OPTIONS, HnswStore } from '../src/store/hnsw.js';
import { exactSearch } from '../src/store/exact.js';
import { peakRssMiB, peer, percentile, QUICK, saveResult, seconds, syntheticVectors, writeVectors } from './lib.js';

const DIMS = 384;
const K = 10;
const sizes = QUICK ? [1000] : [1000, 10_000, 100_000];
const nQueries = QUICK ? 50 : 200;
const p = DEFAULT_HNSW_OPTIONS;
const dir = await mkdtemp(join(tmpdir(), 'bench-index-'));
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};

for (const n of sizes) {
  const vectors = syntheticVectors(n, DIMS, `index-${n}`);
  let t = performance.now();
  const index = await HnswStore.build(vectors, DIMS, p, 42);
  const build = seconds(t);
  const queryRows = Array.from({ length: nQueries }, (_, i) => Math.floor((i * (n - 1)) / (nQueries - 1)));
  const hnswTimes: number[] = [];
  const exactTimes: number[] = [];
  let hits = 0;
  for (const r of queryRows) {
    const exclude = new Set([r]);
    t = performance.now();
    const got = index.searchSync(vectors[r]!, K, exclude);
    hnswTimes.push(performance.now() - t);
    t = performance.now();
    const truth = exactSearch(vectors, vectors[r]!, K, exclude);
    exactTimes.push(performance.now() - t);
    const set = new Set(truth.map((h) => h.row));
    hits += got.filter((h) => set.has(h.row)).length;
  }
  const file = join(dir, `v${n}.f32`);
  await writeVectors(file, vectors);
  const py = await peer<{ build_s: number; p50_ms: number; p99_ms: number; recall: number }>('hnswlib', [
    file,
    DIMS,
    p.M,
    p.efConstruction,
    p.efSearch,
    K,
    nQueries,
  ]);
  const row = {
    n,
    build_s: +build.toFixed(2),
    py_build_s: +py.build_s.toFixed(2),
    p50_ms: +percentile(hnswTimes, 50).toFixed(3),
    p99_ms: +percentile(hnswTimes, 99).toFixed(3),
    py_p50_ms: +py.p50_ms.toFixed(3),
    py_p99_ms: +py.p99_ms.toFixed(3),
    exact_p50_ms: +percentile(exactTimes, 50).toFixed(3),
    recall: +(hits / (K * queryRows.length)).toFixed(4),
    py_recall: +py.recall.toFixed(4),
    peak_rss_mib: peakRssMiB(),
  };
  rows.push(row);
  ratios[`build_vs_python_hnswlib@${n}`] = build / py.build_s;
  ratios[`query_p50_vs_python_hnswlib@${n}`] = row.p50_ms / py.p50_ms;
  ratios[`exact_over_hnsw_p50@${n}`] = row.exact_p50_ms / row.p50_ms;
}

await saveResult('index', rows, ratios, [
  `params M=${p.M} efConstruction=${p.efConstruction} efSearch=${p.efSearch}, k=${K}, ${nQueries} queries per size, one thread on both sides`,
  'vectors: 50 Gaussian blobs on the unit sphere (deterministic); queries are dataset rows, themselves excluded',
  'query time on the paper-atlas side includes the JS→native call and array conversion that every user call pays',
]);
