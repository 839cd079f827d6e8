import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import seedrandom from 'seedrandom';
import { Corpus } from '../src/corpus/corpus.js';
import { loadBundledCorpus, readCorpus } from '../src/index.js';
import type { Embedder } from '../src/embed/embedder.js';
import { normalizeInPlace } from '../src/vector.js';
import { writeFileAtomic } from '../src/io/atomic.js';

export const ROOT = join(import.meta.dirname, '..');
export const RESULTS = join(ROOT, 'bench/results');
export const QUICK = process.argv.includes('--quick');
const run = promisify(execFile);

export interface BenchResult {
  name: string;
  quick: boolean;
  date: string;
  machine: { cpus: number; model: string; memGiB: number; node: string };
  rows: Record<string, unknown>[];
  /** Headline ratios: > 1 means paper-atlas is slower / uses more than the peer. */
  ratios: Record<string, number>;
  notes: string[];
}

export async function saveResult(name: string, rows: Record<string, unknown>[], ratios: Record<string, number>, notes: string[]): Promise<BenchResult> {
  const result: BenchResult = {
    name,
    quick: QUICK,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    rows,
    ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
    notes,
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFileAtomic(join(RESULTS, `${name}${QUICK ? '.quick' : ''}.json`), `${JSON.stringify(result, null, 1)}\n`);
  console.log(`\n== ${name} ==`);
  console.table(rows);
  for (const [k, v] of Object.entries(result.ratios)) console.log(`  ${k}: ${v}`);
  for (const n of notes) console.log(`  note: ${n}`);
  return result;
}

/**
 * Seconds per build stage from a progress callback (stages overlap where they run side by side):
 * pass `onProgress` to the run, call `done()` after it.
 */
export function stageTimer(): { onProgress: (p: { stage: string }) => void; done: () => Record<string, number> } {
  const times: Record<string, number> = {};
  let stage = '';
  let last = performance.now();
  const close = (): void => {
    const now = performance.now();
    if (stage) times[`${stage}_s`] = (times[`${stage}_s`] ?? 0) + (now - last) / 1000;
    last = now;
  };
  return {
    onProgress: (p) => {
      if (p.stage === stage) return;
      close();
      stage = p.stage;
    },
    done: () => {
      close();
      stage = '';
      return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, +v.toFixed(2)]));
    },
  };
}

export function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * Unit vectors in `clusters` Gaussian blobs: closer to real embeddings than uniform noise (which has
 * no neighbourhood structure at all), and deterministic for a seed.
 */
export function syntheticVectors(n: number, dims: number, seed: string, clusters = 50, spread = 0.6): Float32Array[] {
  const rng = seedrandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const centers = Array.from({ length: clusters }, () => normalizeInPlace(Float32Array.from({ length: dims }, gauss)));
  return Array.from({ length: n }, () => {
    const c = centers[Math.floor(rng() * clusters)]!;
    return normalizeInPlace(Float32Array.from(c, (x) => x + (spread / Math.sqrt(dims)) * gauss()));
  });
}

export async function writeVectors(file: string, vectors: Float32Array[]): Promise<void> {
  const dims = vectors[0]!.length;
  const flat = new Float32Array(vectors.length * dims);
  vectors.forEach((v, i) => flat.set(v, i * dims));
  await writeFile(file, new Uint8Array(flat.buffer));
}

/**
 * A private virtualenv in `dir` (never a system-wide install) with the pinned `requirements` file,
 * then `noDeps` installed without their dependencies. Returns its python. A marker written only after
 * every install succeeded records what was asked for: a venv left half-built by a failed or killed
 * install, or built from other pins, is removed and built anew instead of being used as it is.
 */
export async function ensureVenv(dir: string, requirements: string, noDeps: string[] = []): Promise<string> {
  const python = join(dir, 'bin/python');
  const marker = join(dir, '.paper-atlas-complete');
  const want = createHash('sha256')
    .update(await readFile(requirements))
    .update(noDeps.join('\n'))
    .digest('hex');
  if (existsSync(python) && (await readFile(marker, 'utf8').catch(() => '')) === want) return python;
  const t = performance.now();
  console.error(`creating the Python virtualenv ${relative(ROOT, dir)} from ${relative(ROOT, requirements)}...`);
  await rm(dir, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', dir]);
  // A registry that fails once (a reset connection, a 503) gets one more try, said on stderr.
  const pip = async (args: string[]): Promise<void> => {
    const install = (): Promise<unknown> => run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...args], { maxBuffer: 64 << 20 });
    await install().catch(async (err: unknown) => {
      console.error(
        `pip install failed, retrying once: ${String((err as { stderr?: string }).stderr ?? err)
          .trim()
          .split('\n')
          .slice(-3)
          .join(' | ')}`,
      );
      await new Promise((r) => setTimeout(r, 10_000));
      await install();
    });
  };
  await pip(['-r', requirements]);
  if (noDeps.length) await pip(['--no-deps', ...noDeps]);
  await writeFile(marker, want);
  console.error(`installed in ${seconds(t).toFixed(0)} s`);
  return python;
}

/** The peers' virtualenv, checked once per process. BERTopic without its sentence-transformers/torch dependency: embeddings are passed in. */
let benchVenv: Promise<string> | undefined;
export const benchPython = (): Promise<string> =>
  (benchVenv ??= ensureVenv(join(ROOT, '.cache/venv-bench'), join(ROOT, 'bench/requirements.txt'), ['bertopic==0.17.4']));

/** The JSON line a script printed last (what every peer and child process answers with). */
export function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/**
 * Runs `bench/<name>.ts --child ...args` in a Node process of its own, so its peak RSS is its own,
 * and returns the JSON line it printed last. `node`: flags for that Node; `timeout` in ms (0: none);
 * `cpus`: a CPU list for `taskset -c`.
 */
export async function inChild<T>(
  name: string,
  args: (string | number)[],
  opts: { node?: string[]; env?: NodeJS.ProcessEnv; timeout?: number; cpus?: string } = {},
): Promise<T> {
  const argv = [...(opts.node ?? []), '--import', 'tsx', join(ROOT, `bench/${name}.ts`), '--child', ...args.map(String)];
  // `cpus`: the child and every thread it starts pinned to these CPUs (Linux `taskset`).
  const [command, full] = opts.cpus ? ['taskset', ['-c', opts.cpus, process.execPath, ...argv]] : [process.execPath, argv];
  const { stdout } = await run(command, full, { maxBuffer: 16 << 20, timeout: opts.timeout ?? 0, ...(opts.env ? { env: opts.env } : {}) });
  return lastJson<T>(stdout);
}

/** Runs one command of bench/peers.py and parses its JSON answer. */
export async function peer<T>(command: string, args: (string | number)[]): Promise<T> {
  const python = await benchPython();
  const env = { ...process.env };
  // Threads are pinned alike on both sides for a fair ratio; see bench/README.md.
  const { stdout } = await run(python, [join(ROOT, 'bench/peers.py'), command, ...args.map(String)], { maxBuffer: 256 << 20, env });
  return lastJson<T>(stdout);
}

/**
 * n papers whose embeddings are "cached": synthetic 384-d vectors (Gaussian blobs) served by an
 * embedder that knows them, so a run measures everything after embedding. Candidate label phrases,
 * which the labeller embeds, get a deterministic vector of their own.
 */
export function cachedSyntheticCorpus(n: number): { corpus: Corpus; embedder: Embedder; vectors: Float32Array[] } {
  const vectors = syntheticVectors(n, 384, `e2e-${n}`, 50);
  const words = [
    'transport',
    'sinkhorn',
    'bilevel',
    'gradient',
    'preference',
    'reward',
    'graph',
    'message',
    'federated',
    'privacy',
    'sparse',
    'pruning',
    'bayesian',
    'kernel',
    'diffusion',
    'score',
  ];
  const records = vectors.map((_, i) => ({
    id: `p${i}`,
    title: `Paper ${i} on ${words[i % 16]}`,
    abstract: `${words[i % 16]} ${words[(i * 7) % 16]} ${words[(i * 3) % 16]} and ${words[(i * 5) % 16]}`,
  }));
  const corpus = Corpus.from(records);
  const byText = new Map(corpus.papers.map((p, i) => [Corpus.textOf(p), vectors[i]!]));
  const phrase = (t: string): Float32Array => {
    const h = createHash('sha256').update(t).digest();
    const v = Float32Array.from({ length: 384 }, (_, i) => h[i % 32]! - 127.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  return { corpus, vectors, embedder: { id: 'cached-synthetic-384', dims: 384, embed: async (texts) => texts.map((t) => byText.get(t) ?? phrase(t)) } };
}

/** A labelled corpus from fixtures/checkset (or $PAPER_ATLAS_CHECKSETS): see bench/quality.ts. */
export interface CheckSet {
  name: string;
  corpus: () => Promise<Corpus>;
  labels: Map<string, string>;
}

async function labelsOf(file: string): Promise<Map<string, string>> {
  const json = JSON.parse(await readFile(file, 'utf8')) as { themes: Record<string, string[]> };
  return new Map(Object.entries(json.themes).flatMap(([label, ids]) => ids.map((id) => [id, label] as [string, string])));
}

/** Every check set, in name order; `--quick`: the bundled corpus only. */
export async function checkSets(): Promise<CheckSet[]> {
  const sets: CheckSet[] = [];
  const dirs = [join(ROOT, 'fixtures/checkset'), ...(process.env.PAPER_ATLAS_CHECKSETS ?? '').split(':').filter(Boolean)];
  for (const dir of dirs.filter((d) => existsSync(d))) {
    const entries = readdirSync(dir);
    for (const f of entries.filter((f) => f.endsWith('.themes.json')).sort()) {
      const name = f.slice(0, -'.themes.json'.length);
      const file = entries.find((g) => g.startsWith(`${name}.`) && g !== f);
      const corpus = name === 'regularized-optimization' ? loadBundledCorpus : file ? () => readCorpus(join(dir, file)) : undefined;
      if (corpus) sets.push({ name, corpus, labels: await labelsOf(join(dir, f)) });
    }
  }
  return QUICK ? sets.filter((s) => s.name === 'regularized-optimization') : sets;
}

/** What `namingAccuracy` scores: themes with their papers, label and keywords. */
export interface NamedTheme {
  label: string;
  keywords: readonly string[];
  paperIds: readonly string[];
}

/**
 * Naming accuracy against a check set's category names: each theme's label (and, apart, its top
 * three keywords as one phrase) and every category name are embedded with the given model; a theme
 * is named right when the category nearest its name is the one most of its labelled papers belong
 * to. Weighted by the theme's labelled papers; themes with none are left out.
 */
export async function namingAccuracy(
  themes: readonly NamedTheme[],
  labels: Map<string, string>,
  embedder: Embedder,
): Promise<{ label: number; keywords: number; themes: { label: string; papers: number; majority: string; nearest: string }[] }> {
  const categories = [...new Set(labels.values())].sort();
  const catVectors = await embedder.embed(categories);
  const nearest = (v: Float32Array): string => {
    let best = -Infinity;
    let at = 0;
    catVectors.forEach((c, i) => {
      let s = 0;
      for (let d = 0; d < c.length; d++) s += c[d]! * v[d]!;
      if (s > best) [best, at] = [s, i];
    });
    return categories[at]!;
  };
  const names = await embedder.embed(themes.flatMap((t) => [t.label, t.keywords.slice(0, 3).join(', ')]));
  let label = 0;
  let keywords = 0;
  let weight = 0;
  const rows: { label: string; papers: number; majority: string; nearest: string }[] = [];
  themes.forEach((t, i) => {
    const counts = new Map<string, number>();
    for (const id of t.paperIds) {
      const l = labels.get(id);
      if (l !== undefined) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    if (!counts.size) return;
    const n = [...counts.values()].reduce((a, b) => a + b, 0);
    const majority = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    rows.push({ label: t.label, papers: n, majority, nearest: nearest(names[2 * i]!) });
    if (nearest(names[2 * i]!) === majority) label += n;
    if (nearest(names[2 * i + 1]!) === majority) keywords += n;
    weight += n;
  });
  return { label: weight ? label / weight : 0, keywords: weight ? keywords / weight : 0, themes: rows };
}
