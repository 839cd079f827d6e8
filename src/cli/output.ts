/** How the CLI reports: progress bars, results as text or JSON, warnings, what reading found. */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { Atlas, type BuildProgress, type Corpus, type Explanation, type Neighbor } from '../index.js';
import { line, oneLine, terminalText } from './text.js';

export function progressReporter(enabled: boolean): { onProgress: (p: BuildProgress) => void; stop: () => void } {
  if (!enabled || !process.stderr.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  const bars = new MultiBar(
    { format: ' {stage} [{bar}] {value}/{total} {rate}', stream: process.stderr, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const byStage = new Map<string, SingleBar>();
  return {
    onProgress: (p) => {
      let bar = byStage.get(p.stage);
      if (!bar) {
        bar = bars.create(p.total, 0, { stage: p.stage.padEnd(7), rate: '' });
        byStage.set(p.stage, bar);
      }
      bar.setTotal(p.total);
      bar.update(p.done, { rate: p.rate ? `${p.rate.toFixed(1)} papers/s` : '' });
    },
    stop: () => bars.stop(),
  };
}

export function print(json: boolean | undefined, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${terminalText(text()).replace(/\r/gu, '')}\n`);
}

export const warn = (m: string): void => void process.stderr.write(`warning: ${oneLine(m)}\n`);

/** What reading found, once, before the build: papers, and every record left out and why. */
export function readReport(corpus: Corpus): { papers: number; skipped: Record<string, number>; examples: string[] } {
  const skipped: Record<string, number> = {};
  for (const w of corpus.warnings) skipped[w.kind] = (skipped[w.kind] ?? 0) + 1;
  const examples = corpus.warnings
    .slice(0, 10)
    .map((w) => line`${w.location.source}${w.location.line ? `, line ${w.location.line}` : ''}, record ${w.location.record}: ${w.message}`);
  return { papers: corpus.size, skipped, examples };
}

export const SKIP_WORDS: Record<string, string> = {
  'missing-abstract': 'without an abstract',
  'missing-title': 'without a title',
  malformed: 'malformed',
  duplicate: 'duplicates',
};

export function summary(atlas: Atlas): Record<string, unknown> {
  const e = atlas.embedder;
  return {
    source: atlas.source,
    papers: atlas.papers.length,
    createdAt: atlas.createdAt,
    seed: atlas.seed,
    fitSample: atlas.fitSample,
    embedder: { id: e.id, kind: e.kind, dims: e.dims, ...(e.resolution ? { from: `${e.resolution.source} ${e.resolution.path}` } : {}) },
    stages: Object.fromEntries(Object.entries(atlas.stages).map(([name, s]) => [name, { id: s.id, options: s.options }])),
    k: atlas.kSelection,
    themes: atlas.themes.map((t) => ({ id: t.id, label: t.label, size: t.size, keywords: t.keywords.slice(0, 5) })),
    warnings: atlas.warnings,
  };
}

export function summaryText(atlas: Atlas): string {
  const e = atlas.embedder;
  return [
    line`${atlas.papers.length} papers from ${atlas.source}`,
    `embedder: ${e.id} (${e.kind}, ${e.dims} dims${e.resolution ? `, from ${e.resolution.source} ${e.resolution.path}` : ''})`,
    `stages: ${Object.entries(atlas.stages)
      .map(([name, s]) => `${name} ${s.id}`)
      .join(', ')}`,
    `store: ${Object.entries(atlas.stages.store.options)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')}`,
    `themes: ${atlas.themes.length} (k ${atlas.kSelection.method === 'given' ? 'given' : `chosen by ${atlas.kSelection.method}`}${atlas.papers.length > atlas.fitSample ? `; layout and themes fitted on a sample of ${atlas.fitSample} papers` : ''})`,
    ...atlas.themes.map((t) => line`  ${String(t.id).padStart(2)}  ${t.label} (${t.size}): ${t.keywords.slice(0, 5).join(', ')}`),
    ...atlas.warnings.map((w) => line`warning: ${w.split('\n')[0]}`),
  ].join('\n');
}

export const recallText = (r: { recall: number; worst: number; queries: number } | undefined): string =>
  r ? `recall@10: ${(r.recall * 100).toFixed(2)}% over ${r.queries} queries (worst ${(r.worst * 100).toFixed(0)}%)\n` : '';

export const neighborRows = (rows: Neighbor[]): unknown[] =>
  rows.map((n) => ({ id: n.paper.id, title: n.paper.title, score: Number(n.score.toFixed(4)), cosine: Number(n.cosine.toFixed(4)) }));
/** Results with why each is related; `titleOf` names the paper each was compared with, when several were asked about. */
export function explainedText(rows: Neighbor[], why: (Explanation & { against: string })[], titleOf?: (id: string) => string): string {
  if (!rows.length) return '(no results)';
  return rows
    .map((n, i) => {
      const w = why[i]!;
      const lines = [line`${String(i + 1).padStart(2)}. ${n.score.toFixed(3)}  ${n.paper.title}  [${n.paper.id}]`];
      if (titleOf) lines.push(line`      vs: ${titleOf(w.against)}`);
      if (w.phrases.length) lines.push(line`      shared: ${w.phrases.join(', ')}`);
      const best = w.sentences[0];
      if (best) lines.push(line`      "${clip(best.a)}"`, line`   ~  "${clip(best.b)}"  (${best.score.toFixed(2)})`);
      return lines.join('\n');
    })
    .join('\n');
}

export const clip = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export const neighborText = (rows: Neighbor[]): string =>
  rows.map((n, i) => line`${String(i + 1).padStart(2)}. ${n.score.toFixed(3)}  ${n.paper.title}  [${n.paper.id}]`).join('\n') || '(no results)';
