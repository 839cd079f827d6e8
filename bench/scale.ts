/**
 * The Lance store at scale: 1M synthetic 384-d unit vectors (50 Gaussian blobs, as the other
 * benches) written to a local Lance table with its IVF_HNSW_SQ index; build time, query p50/p99
 * and recall@10 against exact search on 200 queries, at a few search settings (nprobes / ef). Side
 * by side with the in-memory hnswlib store at 100k (its build alone takes minutes beyond that),
 * where Lance is measured too. Each n runs in this process one after the other; peak RSS is the
 * process's high-water mark after that n.
 * `--quick`: 20k vectors only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as lancedb from '@lancedb/lancedb';
import { join } from 'node:path';
import { DEFAULT_HNSW_OPTIONS, HnswStore } from '../src/store/hnsw.js';
import { exactSearch } from '../src/store/exact.js';
import { DEFAULT_LANCE_OPTIONS, LanceStoreProvider } from '../src/store/lance.js';
import type { VectorStore } from '../src/store/store.js';
import { peakRssMiB, percentile, QUICK, saveResult, seconds, syntheticVectors } from './lib.js';

const DIMS = 384;
const K = 10;
/** Queries per n: exact search over 1M vectors takes about a second each here. */
const queriesFor = (n: number): number => (QUICK ? 50 : n > 200_000 ? 100 : 200);
const sizes = QUICK ? [20_000] : [100_000, 1_000_000];
const HNSW_MAX = 100_000;
const SETTINGS: { nprobes: number; ef: number }[] = QUICK
  ? [{ nprobes: 20, ef: 200 }]
  : [
      { nprobes: 10, ef: 100 },
      { nprobes: 20, ef: 200 },
      { nprobes: 40, ef: 400 },
      { nprobes: 80, ef: 400 },
    ];

const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
const dir = await mkdtemp(join(tmpdir(), 'bench-scale-'));

async function measure(
  store: VectorStore,
  vectors: readonly Float32Array[],
  queryRows: number[],
  truth: Set<number>[],
): Promise<{ p50: number; p99: number; recall: number }> {
  const times: number[] = [];
  let hits = 0;
  // One warm-up query: the first opens index files and caches partitions.
  await store.search(vectors[queryRows[0]!]!, K, { exclude: new Set([queryRows[0]!]) });
  for (const [i, r] of queryRows.entries()) {
    const t = performance.now();
    const got = await store.search(vectors[r]!, K, { exclude: new Set([r]) });
    times.push(performance.now() - t);
    hits += got.filter((h) => truth[i]!.has(h.row)).length;
  }
  return { p50: +percentile(times, 50).toFixed(2), p99: +percentile(times, 99).toFixed(2), recall: +(hits / (K * queryRows.length)).toFixed(4) };
}

/** The table written for this n, through a provider with other search settings (checked as a saved atlas's would be). */
async function reopen(provider: LanceStoreProvider, uri: string, vectors: readonly Float32Array[]): Promise<VectorStore> {
  const table = await (await lancedb.connect(uri)).openTable('papers');
  const version = await table.version();
  table.close();
  const files = { read: () => Promise.reject(new Error('a Lance store has no atlas files')), path: (x: string) => x };
  return provider.load({ version, rows: vectors.length, indexed: true }, files, { dims: DIMS, seed: 42, vectors, removed: [] });
}

for (const n of sizes) {
  let t = performance.now();
  const vectors = syntheticVectors(n, DIMS, `scale-${n}`);
  console.error(`n=${n}: vectors in ${seconds(t)} s`);
  const QUERIES = queriesFor(n);
  const queryRows = Array.from({ length: QUERIES }, (_, i) => Math.floor((i * (n - 1)) / (QUERIES - 1)));
  t = performance.now();
  const truth = queryRows.map((r) => new Set(exactSearch(vectors, vectors[r]!, K, new Set([r])).map((h) => h.row)));
  const exactMs = (performance.now() - t) / QUERIES;
  console.error(`n=${n}: exact search ${exactMs.toFixed(0)} ms per query`);

  for (const setting of SETTINGS) {
    const uri = join(dir, `lance-${n}`);
    const provider = new LanceStoreProvider({ uri, index: 'ivf_hnsw_sq', ...setting });
    t = performance.now();
    // One build per n; later settings reopen the same table through a provider with other search settings.
    const store = setting === SETTINGS[0] ? await provider.build(vectors, { dims: DIMS, seed: 42 }) : await reopen(provider, uri, vectors);
    const buildS = setting === SETTINGS[0] ? seconds(t) : undefined;
    const m = await measure(store, vectors, queryRows, truth);
    store.dispose?.();
    rows.push({
      n,
      store: 'lance ivf_hnsw_sq',
      nprobes: setting.nprobes,
      ef: setting.ef,
      build_s: buildS === undefined ? '' : +buildS.toFixed(1),
      p50_ms: m.p50,
      p99_ms: m.p99,
      recall: m.recall,
      exact_p50_ms: +exactMs.toFixed(1),
      peak_rss_mib: peakRssMiB(),
    });
    console.error(JSON.stringify(rows.at(-1)));
    ratios[`lance_recall@${n}/nprobes${setting.nprobes}`] = m.recall;
    ratios[`lance_p50_ms@${n}/nprobes${setting.nprobes}`] = m.p50;
  }

  if (n <= HNSW_MAX) {
    t = performance.now();
    const store = await HnswStore.build(vectors, DIMS, DEFAULT_HNSW_OPTIONS, 42);
    const buildS = seconds(t);
    const m = await measure(store, vectors, queryRows, truth);
    rows.push({
      n,
      store: 'hnswlib in memory (default)',
      nprobes: '',
      ef: DEFAULT_HNSW_OPTIONS.efSearch,
      build_s: +buildS.toFixed(1),
      p50_ms: m.p50,
      p99_ms: m.p99,
      recall: m.recall,
      exact_p50_ms: +exactMs.toFixed(1),
      peak_rss_mib: peakRssMiB(),
    });
    console.error(JSON.stringify(rows.at(-1)));
    const lance = rows.filter((r) => r.n === n && r.store === 'lance ivf_hnsw_sq');
    const built = lance.find((r) => typeof r.build_s === 'number')!;
    const byDefault = lance.find((r) => r.nprobes === DEFAULT_LANCE_OPTIONS.nprobes) ?? lance[0]!;
    ratios[`lance_build_vs_hnswlib@${n}`] = +(Number(built.build_s) / buildS).toFixed(3);
    ratios[`lance_p50_vs_hnswlib@${n}`] = +(Number(byDefault.p50_ms) / m.p50).toFixed(3);
  }
  await rm(join(dir, `lance-${n}`), { recursive: true, force: true });
}
await rm(dir, { recursive: true, force: true });

await saveResult('scale', rows, ratios, [
  `vectors: ${sizes.join(', ')} × ${DIMS}, 50 Gaussian blobs on the unit sphere (deterministic); ${sizes.map(queriesFor).join(' / ')} queries per n (dataset rows, themselves excluded); recall@${K} against exact search`,
  'lance: a local Lance table (LanceStoreProvider, index ivf_hnsw_sq: IVF partitions = √n, HNSW per partition, 8-bit scalar quantisation, cosine; the best 10·k re-ranked on full vectors); build_s covers writing the table and training the index',
  'hnswlib: the default in-memory store, M 32, efConstruction 200, efSearch 400',
  'query times include the JS → native call and, for Lance, its query planning: what every atlas.related/search pays',
]);
