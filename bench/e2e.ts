/**
 * End to end: Atlas.build of the bundled corpus with a cold and a warm embedding cache, and of a
 * synthetic corpus of 10k abstracts (1k with --quick), with the time of each stage.
 */
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import seedrandom from 'seedrandom';
import { Atlas, Corpus, loadBundledCorpus, type BuildProgress } from '../src/index.js';
import { peakRssMiB, QUICK, saveResult, seconds } from './lib.js';

const bundled = await loadBundledCorpus();

/** New abstracts stitched from the bundled corpus's sentences: realistic vocabulary and lengths. */
function syntheticCorpus(n: number): Corpus {
  const rng = seedrandom('synthetic-corpus');
  const seg = new Intl.Segmenter('en', { granularity: 'sentence' });
  const sentences = bundled.papers.flatMap((p) => [...seg.segment(p.abstract)].map((s) => s.segment.trim()));
  return Corpus.from(
    Array.from({ length: n }, (_, i) => {
      const base = bundled.papers[Math.floor(rng() * bundled.size)]!;
      const extra = Array.from({ length: 3 + Math.floor(rng() * 4) }, () => sentences[Math.floor(rng() * sentences.length)]);
      return { title: `${base.title} (${i})`, abstract: [...seg.segment(base.abstract)][0]!.segment.trim() + ' ' + extra.join(' ') };
    }),
  );
}

async function timedBuild(corpus: Corpus, cache: string): Promise<Record<string, number>> {
  const stages: Record<string, number> = {};
  let stage = '';
  let last = performance.now();
  const start = last;
  const onProgress = (p: BuildProgress): void => {
    const now = performance.now();
    if (stage) stages[stage] = (stages[stage] ?? 0) + (now - last) / 1000;
    last = now;
    stage = p.stage;
  };
  await Atlas.build(corpus, { seed: 42, cache, onProgress, onWarning: () => undefined });
  stages[stage] = (stages[stage] ?? 0) + (performance.now() - last) / 1000;
  return { total_s: +seconds(start).toFixed(2), ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [`${k}_s`, +v.toFixed(2)])) };
}

const rows: Record<string, unknown>[] = [];
const cache = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
const cold = await timedBuild(bundled, cache);
rows.push({ corpus: 'bundled (194)', cache: 'cold', ...cold, peak_rss_mib: peakRssMiB() });
const warm = await timedBuild(bundled, cache);
rows.push({ corpus: 'bundled (194)', cache: 'warm', ...warm, peak_rss_mib: peakRssMiB() });
const n = QUICK ? 1000 : 10_000;
const synth = await timedBuild(syntheticCorpus(n), cache);
rows.push({ corpus: `synthetic (${n})`, cache: 'cold', ...synth, peak_rss_mib: peakRssMiB() });
await saveResult('e2e', rows, { bundled_cold_over_warm: cold.total_s! / warm.total_s! }, [
  'stage times come from the onProgress callback: embed, index, layout (2-d UMAP and the 5-d clustering UMAP), cluster (k search), label',
  `synthetic abstracts recombine the bundled corpus's sentences (deterministic), so their vocabulary is real`,
]);
