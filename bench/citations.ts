/**
 * Related papers from citations, fused with text, on real papers with real links: CiteSeer
 * (../shared/data/citeseer: 3,186 texts, 4,277 links; see its README), evaluation only, never
 * shipped. `atlas.evaluate` hides 30% of the links (seeds 0-4) and reports recall@10 / nDCG@10 of
 * the text order, the remaining links alone and both, at several citation weights; class P@5 of
 * `related` (the paper's CiteSeer class) with and without the links.
 * Then the cost of the citation signals at scale: a synthetic library of 100k papers citing ~40
 * works each (Zipf-popular, a tenth inside the library): graph build time and memory, score time
 * per query. `--quick`: 10k papers, CiteSeer at one seed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { Atlas, Corpus } from '../src/index.js';
import { CitationGraph } from '../src/pipeline/citations.js';
import type { Paper } from '../src/types.js';
import { percentile, QUICK, ROOT, saveResult, seconds } from './lib.js';

const DATA = join(ROOT, '../shared/data/citeseer');
const WEIGHTS = [0.1, 0.2, 0.3, 0.5, 1];
const rows: Record<string, unknown>[] = [];
const ratios: Record<string, number> = {};
const notes: string[] = [];

/** CiteSeer's texts (id, text, class: three lines each) with each paper's references from the links file (cited TAB citing). */
async function citeseer(withLinks: boolean): Promise<{ corpus: Corpus; classes: Map<string, string> }> {
  const lines = (await readFile(join(DATA, 'citeseer_texts.txt'), 'utf8')).split('\n');
  const records: { id: string; title: string; abstract: string; references?: string[] }[] = [];
  const classes = new Map<string, string>();
  for (let i = 0; i + 2 < lines.length; i += 3) {
    const id = lines[i]!.trim();
    const words = lines[i + 1]!.trim().split(/\s+/u);
    // Title and abstract are run together in the source: the first ten words stand for the title.
    records.push({ id, title: words.slice(0, 10).join(' '), abstract: words.slice(10).join(' ') || words.join(' ') });
    classes.set(id, lines[i + 2]!.trim());
  }
  if (withLinks) {
    const refs = new Map<string, string[]>();
    for (const line of (await readFile(join(DATA, 'citeseer.cites'), 'utf8')).split('\n')) {
      const [cited, citing] = line.trim().split('\t');
      if (!cited || !citing || cited === citing) continue;
      refs.set(citing, [...(refs.get(citing) ?? []), cited]);
    }
    for (const r of records) if (refs.has(r.id)) r.references = refs.get(r.id)!;
  }
  return { corpus: Corpus.from(records, { source: 'citeseer', onDuplicate: 'skip' }), classes };
}

async function classPrecision(atlas: Atlas, classes: Map<string, string>): Promise<number> {
  let sum = 0;
  for (const p of atlas.papers) {
    const near = await atlas.related(p.id, { k: 5 });
    sum += near.filter((n) => classes.get(n.paper.id) === classes.get(p.id)).length / 5;
  }
  return sum / atlas.papers.length;
}

if (existsSync(DATA)) {
  const linked = await citeseer(true);
  const plain = await citeseer(false);
  const atlas = await Atlas.build(linked.corpus, { seed: 42, onWarning: () => undefined });
  const textOnly = await Atlas.build(plain.corpus, { seed: 42, onWarning: () => undefined });
  const seeds = QUICK ? [0] : [0, 1, 2, 3, 4];
  for (const seed of seeds) {
    const t = performance.now();
    const ev = await atlas.evaluate({ heldOut: 0.3, seed, weights: WEIGHTS, maxQueries: 5000 });
    rows.push({
      data: 'citeseer',
      seed,
      links: ev.links,
      hidden: ev.hidden,
      queries: ev.queries,
      text_recall10: +ev.text.recall.toFixed(3),
      links_recall10: +ev.citations.recall.toFixed(3),
      hybrid_recall10: +ev.hybrid.recall.toFixed(3),
      text_ndcg10: +ev.text.ndcg.toFixed(3),
      links_ndcg10: +ev.citations.ndcg.toFixed(3),
      hybrid_ndcg10: +ev.hybrid.ndcg.toFixed(3),
      ...Object.fromEntries(ev.byWeight.map((w) => [`hybrid_recall10_w${w.weight}`, +w.recall.toFixed(3)])),
      seconds: +seconds(t).toFixed(1),
    });
    ratios[`citeseer seed ${seed}: hybrid - text recall@10`] = ev.hybrid.recall - ev.text.recall;
    ratios[`citeseer seed ${seed}: hybrid - links recall@10`] = ev.hybrid.recall - ev.citations.recall;
  }
  const withLinks = await classPrecision(atlas, linked.classes);
  const withoutLinks = await classPrecision(textOnly, plain.classes);
  rows.push({ data: 'citeseer', class_p_at_5_text: +withoutLinks.toFixed(3), class_p_at_5_hybrid: +withLinks.toFixed(3) });
  ratios['citeseer: class P@5 hybrid - text'] = withLinks - withoutLinks;
  await atlas.dispose();
  await textOnly.dispose();
} else notes.push(`CiteSeer not found at ${DATA}: its rows are missing`);

/** A synthetic library: `n` papers citing ~40 works each, drawn Zipf-like from 5n works, a tenth of them papers of the library. */
function syntheticLibrary(n: number): Paper[] {
  const random = seedrandom('citations-bench');
  const works = 5 * n;
  const zipf = (): number => Math.floor(works * random() ** 3);
  return Array.from({ length: n }, (_, i) => {
    const refs = new Set<string>();
    const count = 20 + Math.floor(40 * random());
    while (refs.size < count) {
      const w = zipf();
      refs.add(w % 10 === 0 && w / 10 < n ? `p${w / 10}` : `10.9999/w${w}`);
    }
    return { id: `p${i}`, title: `paper ${i}`, abstract: '', references: [...refs] };
  });
}

for (const n of QUICK ? [10_000] : [10_000, 100_000]) {
  const papers = syntheticLibrary(n);
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let t = performance.now();
  const graph = CitationGraph.of(papers)!;
  const buildS = seconds(t);
  const heapMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  const times: number[] = [];
  for (let q = 0; q < 500; q++) {
    t = performance.now();
    graph.scores([(q * 7919) % n]);
    times.push(performance.now() - t);
  }
  rows.push({
    data: `synthetic ${n}`,
    references: papers.reduce((s, p) => s + p.references!.length, 0),
    in_library_links: graph.links.length,
    build_s: +buildS.toFixed(2),
    heap_mib: +heapMiB.toFixed(0),
    score_ms_p50: +percentile(times, 50).toFixed(2),
    score_ms_p95: +percentile(times, 95).toFixed(2),
  });
}

await saveResult('citations', rows, ratios, [
  'citeseer: ../shared/data/citeseer (XiaoxinHe/TAPE, CiteSeer with raw texts; evaluation only), the first ten words of each text taken as its title',
  "evaluate: 30% of the links hidden per seed; papers that keep a link and lose one are asked about, their remaining links excluded; recall@10 / nDCG@10 of the hidden links; text = the hybrid text order, links = rank 'citations', hybrid = text + weight × citation score (default weight 0.2; hybrid_recall10_w* at other weights)",
  'class_p_at_5: share of the 5 related papers (rank hybrid) in the paper’s CiteSeer class, text-only atlas vs the atlas with every link',
  'synthetic: ~40 references per paper (20-59), Zipf-like popularity over 5n works, a tenth of which are papers of the library; heap growth of the graph build (run with --expose-gc for a clean figure), score time per query paper',
  ...notes,
]);
