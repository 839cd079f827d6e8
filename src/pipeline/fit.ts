import type { Clustering } from '../cluster/clusterer.js';
import { Corpus } from '../corpus/corpus.js';
import type { Embedder } from '../embed/embedder.js';
import { StageError } from '../errors.js';
import type { ThemeLabel } from '../label/labeller.js';
import type { Reduction } from '../reduce/reducer.js';
import type { BuildProgress, BuildStage, Paper, StageContext, Theme } from '../types.js';
import { dot, groupCentroids } from '../vector.js';
import type { ThemeFit } from './state.js';
import type { Stages } from './stages.js';

export interface FitInput {
  papers: readonly Paper[];
  vectors: readonly Float32Array[];
  stages: Pick<Stages, 'reducer' | 'layout' | 'clusterer' | 'labeller'>;
  seed: number;
  /** Embeds candidate phrases for the labeller (the atlas's own model). */
  embedder: Embedder;
  /** Compute the 2-D map layout too (build and refit do; sub-themes do not need one). */
  layout: boolean;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: BuildProgress) => void) | undefined;
}

export interface FitResult extends ThemeFit {
  /** The fitted layout, for placing added papers while it is in memory. */
  layoutModel: Reduction | undefined;
}

function context(input: FitInput, stage: BuildStage): StageContext {
  return {
    seed: input.seed,
    ...(input.signal ? { signal: input.signal } : {}),
    onProgress: (done, total) => input.onProgress?.({ stage, done, total }),
  };
}

function checkCoords(stage: string, coords: unknown, n: number, dims?: number): void {
  if (!Array.isArray(coords) || coords.length !== n) throw new StageError(stage, `returned ${Array.isArray(coords) ? coords.length : 'no'} rows of coordinates for ${n} papers`);
  const width = dims ?? (coords[0] as ArrayLike<number> | undefined)?.length ?? 0;
  for (let i = 0; i < n; i++) {
    const row = coords[i] as ArrayLike<number> | undefined;
    if (!row || row.length !== width || width < 1) throw new StageError(stage, `row ${i} has ${row?.length ?? 'no'} coordinates, expected ${width}`);
    for (let d = 0; d < width; d++) if (!Number.isFinite(row[d])) throw new StageError(stage, `row ${i} has a non-finite coordinate`);
  }
}

function checkClustering(stage: string, c: Clustering, n: number): void {
  if (!c || !Number.isInteger(c.k) || c.k < 1) throw new StageError(stage, `returned k = ${c?.k}, expected a positive integer`);
  if (!Array.isArray(c.assignments) || c.assignments.length !== n) throw new StageError(stage, `returned ${c.assignments?.length ?? 'no'} assignments for ${n} papers`);
  c.assignments.forEach((a, i) => {
    if (!Number.isInteger(a) || a < 0 || a >= c.k) throw new StageError(stage, `assigned row ${i} to theme ${a}, outside 0..${c.k - 1}`);
  });
  if (c.names && (!Array.isArray(c.names) || c.names.length !== c.k || c.names.some((s) => typeof s !== 'string'))) {
    throw new StageError(stage, `returned ${c.names.length} theme names for k = ${c.k}`);
  }
}

/** Largest theme first, ties by first member, so theme ids do not depend on a clusterer's internal order. */
function renumberBySize(c: Clustering): Clustering {
  const sizes = new Array<number>(c.k).fill(0);
  const first = new Array<number>(c.k).fill(Infinity);
  c.assignments.forEach((a, i) => {
    sizes[a]!++;
    first[a] = Math.min(first[a]!, i);
  });
  const order = sizes
    .map((_, i) => i)
    .filter((i) => sizes[i]! > 0)
    .sort((a, b) => sizes[b]! - sizes[a]! || first[a]! - first[b]!);
  const map = new Map(order.map((old, i) => [old, i]));
  return {
    ...c,
    k: order.length,
    assignments: c.assignments.map((a) => map.get(a)!),
    ...(c.names ? { names: order.map((old) => c.names![old]!) } : {}),
  };
}

/**
 * The one theme-fitting path shared by build, refit and sub-themes: 2-D layout (optional) →
 * reducer → clusterer → themes renumbered by size → labeller. Every stage's output is checked, so a
 * custom stage that returns the wrong shape fails here with a StageError naming it.
 */
export async function fitThemes(input: FitInput): Promise<FitResult> {
  const { papers, vectors, stages } = input;
  const n = vectors.length;
  let layoutModel: Reduction | undefined;
  let coords: [number, number][] = [];
  if (input.layout) {
    layoutModel = await stages.layout.fit(vectors, context(input, 'layout'));
    checkCoords(`layout ${stages.layout.id}`, layoutModel?.coords, n, 2);
    coords = layoutModel.coords.map((c) => [c[0]!, c[1]!]);
  }
  input.signal?.throwIfAborted();
  const space = await stages.reducer.fit(vectors, context(input, 'reduce'));
  checkCoords(`reducer ${stages.reducer.id}`, space?.coords, n);
  input.signal?.throwIfAborted();
  const raw = await stages.clusterer.cluster(space.coords, { ...context(input, 'cluster'), ids: papers.map((p) => p.id) });
  checkClustering(`clusterer ${stages.clusterer.id}`, raw, n);
  const clustering = renumberBySize(raw);
  input.signal?.throwIfAborted();
  const centroids = groupCentroids(vectors, clustering.assignments, clustering.k);
  const texts = papers.map(Corpus.textOf);
  const labels = await stages.labeller.label(
    { texts, assignments: clustering.assignments, k: clustering.k, centroids, embedder: input.embedder },
    context(input, 'label'),
  );
  checkLabels(`labeller ${stages.labeller.id}`, labels, clustering.k);
  const themes = centroids.map((centroid, t): Theme => {
    const members: number[] = [];
    clustering.assignments.forEach((a, i) => {
      if (a === t) members.push(i);
    });
    const central = [...members].sort((a, b) => dot(vectors[b]!, centroid) - dot(vectors[a]!, centroid) || a - b);
    return {
      id: t,
      label: clustering.names?.[t] ?? labels[t]!.label,
      keywords: labels[t]!.keywords,
      size: members.length,
      paperIds: members.map((r) => papers[r]!.id),
      representative: central.slice(0, 3).map((r) => papers[r]!.id),
    };
  });
  return {
    themes,
    assignments: clustering.assignments,
    centroids,
    kSelection: clustering.selection ?? { k: clustering.k, method: 'given', scores: [] },
    coords,
    layoutModel,
  };
}

function checkLabels(stage: string, labels: ThemeLabel[], k: number): void {
  if (!Array.isArray(labels) || labels.length !== k) throw new StageError(stage, `returned ${Array.isArray(labels) ? labels.length : 'no'} labels for ${k} themes`);
  labels.forEach((l, t) => {
    if (!l || typeof l.label !== 'string' || !l.label.trim()) throw new StageError(stage, `theme ${t} has no label text`);
    if (!Array.isArray(l.keywords) || l.keywords.some((w) => typeof w !== 'string')) throw new StageError(stage, `theme ${t} keywords must be a list of strings`);
  });
}
