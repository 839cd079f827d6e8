/**
 * Save and load of large atlases: time and peak memory of `save()` and `load()` at 100k and 1M
 * papers with real-sized abstracts (the bundled abstracts, 1.13 kB on average, ~1.3 kB a JSON line,
 * repeated under unique ids), 384-d vectors. At 1M the papers file is ~1.3 GB: more than the
 * longest string V8 can hold (~512 M characters), so a save or load that holds it as one string fails.
 *
 * The same sizes are run on the implementation before streaming saves (`--before <commit>`, default
 * BEFORE below: a git worktree of that commit in .cache/, with this script copied in), up to the
 * first size it fails at: "today's format at the largest size it manages". The file format is the
 * same on both sides; only how it is written and read differs.
 *
 * The store is a bench stage that keeps no index (exact search, saves nothing), so the rows measure
 * the atlas's own files (papers, vectors, manifest) rather than an index build.
 *
 *   npm run bench -- persist            # 100k and 1M, then the before-commit at 100k, 200k, 400k, 600k
 *   npm run bench -- persist --quick    # 20k, current implementation only
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import seedrandom from 'seedrandom';
import { Atlas, loadBundledCorpus } from '../src/index.js';
import type { Embedder } from '../src/embed/embedder.js';
import { readAtlas, writeAtlas } from '../src/persist/atlas-file.js';
import type { AtlasState } from '../src/pipeline/state.js';
import { exactSearch } from '../src/store/exact.js';
import type { VectorStore, VectorStoreProvider } from '../src/store/store.js';
import { normalizeInPlace } from '../src/vector.js';
import { lastJson, QUICK, ROOT, saveResult } from './lib.js';

/** The last commit whose save joined all papers into one string (and load read them back as one). */
const BEFORE = '9ff0a5f3d0cdcd7c026eb04f44a8da52ca9ebfb2';
const DIMS = 384;
const run = promisify(execFile);

/** A store that keeps the vectors it is given and searches them exactly; it saves no file. */
function exactStore(vectors: readonly Float32Array[]): VectorStore {
  const rows = [...vectors];
  const removed: number[] = [];
  return {
    dims: DIMS,
    get size() {
      return rows.length - removed.length;
    },
    removed,
    async add(v, first) {
      v.forEach((x, i) => (rows[first + i] = x));
    },
    async remove(row) {
      removed.push(row);
    },
    async search(q, k, opts) {
      return exactSearch(rows, q, k, opts?.exclude, new Set(removed));
    },
    async save() {
      return {};
    },
  };
}

const provider: VectorStoreProvider = {
  id: 'bench-exact',
  options: {},
  build: async (vectors) => exactStore(vectors),
  load: async (_state, _files, ctx) => exactStore(ctx.vectors),
};

/** Each text's vector drawn from a generator seeded by the text: deterministic, and no model needed. */
const embedder: Embedder = {
  id: `bench/seeded-by-text@${DIMS}`,
  dims: DIMS,
  async embed(texts) {
    return texts.map((t) => {
      const rng = seedrandom(t);
      return normalizeInPlace(Float32Array.from({ length: DIMS }, () => rng() * 2 - 1));
    });
  },
};

/** The bundled corpus's atlas, grown to n papers: its papers repeated under unique ids, vectors, themes and coordinates with them. */
async function largeState(n: number): Promise<{ state: AtlasState; store: VectorStore }> {
  const atlas = await Atlas.build(await loadBundledCorpus(), { embedder, cache: false, store: provider, seed: 1, onWarning: () => undefined });
  const base = (atlas as unknown as { session: { state: AtlasState } }).session.state;
  const m = base.papers.length;
  const floats = new Float32Array(n * DIMS);
  const papers = new Array<AtlasState['papers'][number]>(n);
  const assignments = new Array<number>(n);
  const coords = new Array<[number, number]>(n);
  const members = base.themes.map(() => [] as string[]);
  for (let i = 0; i < n; i++) {
    const from = i % m;
    // The first copy keeps its id, so each theme's representative papers are still there.
    const id = i < m ? base.papers[from]!.id : `${base.papers[from]!.id}~${Math.floor(i / m)}`;
    papers[i] = { ...base.papers[from]!, id };
    floats.set(base.vectors[from]!, i * DIMS);
    assignments[i] = base.assignments[from]!;
    coords[i] = base.coords[from]!;
    members[assignments[i]!]!.push(id);
  }
  const vectors = Array.from({ length: n }, (_, i) => floats.subarray(i * DIMS, (i + 1) * DIMS));
  const themes = base.themes.map((t, k) => ({ ...t, size: members[k]!.length, paperIds: members[k]! }));
  await atlas.dispose();
  const state: AtlasState = { ...base, papers, vectors, assignments, coords, themes, removed: [] };
  return { state, store: exactStore(vectors) };
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

async function child(what: string, n: number, dir: string): Promise<void> {
  if (what === 'save') {
    const { state, store } = await largeState(n);
    global.gc?.();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    let error: string | undefined;
    await writeAtlas(dir, state, store).catch((err: unknown) => (error = (err as Error).message.split('\n')[0]!.slice(0, 200)));
    const seconds = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ seconds, rssBeforeMiB: mib(before), peakMiB: mib(process.resourceUsage().maxRSS * 1024), error }));
  } else {
    const t0 = performance.now();
    let error: string | undefined;
    let papers = 0;
    await readAtlas(dir, { store: provider })
      .then(({ state }) => (papers = state.papers.length))
      .catch((err: unknown) => (error = (err as Error).message.split('\n')[0]!.slice(0, 200)));
    console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, peakMiB: mib(process.resourceUsage().maxRSS * 1024), papers, error }));
  }
}

/** A worktree of `commit` with this script copied in and the packages linked, for the before-rows. */
async function beforeTree(commit: string): Promise<string> {
  const tree = join(ROOT, '.cache/persist-before', commit.slice(0, 12));
  if (!existsSync(join(tree, 'src'))) {
    await rm(tree, { recursive: true, force: true });
    await mkdir(join(ROOT, '.cache/persist-before'), { recursive: true });
    await run('git', ['-C', ROOT, 'worktree', 'add', '--detach', '--force', tree, commit]);
    await symlink(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  }
  await cp(join(ROOT, 'bench/persist.ts'), join(tree, 'bench/persist.ts'));
  return tree;
}

async function measure(root: string, n: number, impl: string): Promise<Record<string, unknown>[]> {
  const dir = join(ROOT, '.cache/persist-atlas', `${impl}-${n}`);
  await rm(dir, { recursive: true, force: true });
  const go = async (what: string): Promise<Record<string, unknown>> => {
    const argv = ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', join(root, 'bench/persist.ts'), '--child', what, String(n), dir];
    try {
      return lastJson((await run(process.execPath, argv, { cwd: root, maxBuffer: 16 << 20 })).stdout);
    } catch (err) {
      const e = err as { stderr?: string; signal?: string };
      return { error: `${e.signal ?? 'exit'}: ${(e.stderr ?? '').trim().split('\n').slice(-1)[0]?.slice(0, 200)}` };
    }
  };
  const save = await go('save');
  const load = save.error ? { error: 'not run: the save failed' } : await go('load');
  await rm(dir, { recursive: true, force: true });
  const row = (op: string, r: Record<string, unknown>): Record<string, unknown> => ({
    impl,
    papers: n,
    op,
    seconds: typeof r.seconds === 'number' ? Number(r.seconds.toFixed(1)) : '',
    peak_rss_mib: r.peakMiB ?? '',
    rss_before_mib: r.rssBeforeMiB ?? '',
    error: r.error ?? '',
  });
  return [row('save', save), row('load', load)];
}

if (process.argv.includes('--child')) {
  const [what, n, dir] = process.argv.slice(process.argv.indexOf('--child') + 1);
  await child(what!, Number(n), dir!);
} else {
  const rows: Record<string, unknown>[] = [];
  for (const n of QUICK ? [20_000] : [100_000, 1_000_000]) rows.push(...(await measure(ROOT, n, 'streaming')));
  if (!QUICK) {
    const commit =
      process.argv[process.argv.indexOf('--before') + 1] && process.argv.includes('--before') ? process.argv[process.argv.indexOf('--before') + 1]! : BEFORE;
    const tree = await beforeTree(commit);
    for (const n of [100_000, 200_000, 400_000, 600_000]) {
      const r = await measure(tree, n, `before ${commit.slice(0, 7)}`);
      rows.push(...r);
      if (r.some((x) => x.error)) break;
    }
  }
  const at = (impl: string, n: number, op: string): Record<string, unknown> | undefined =>
    rows.find((r) => String(r.impl).startsWith(impl) && r.papers === n && r.op === op);
  const ratio = (op: string, field: string): number => Number(at('streaming', 100_000, op)?.[field]) / Number(at('before', 100_000, op)?.[field]);
  const ratios: Record<string, number> = QUICK
    ? {}
    : {
        save_seconds_100k_vs_before: ratio('save', 'seconds'),
        load_seconds_100k_vs_before: ratio('load', 'seconds'),
        load_peak_100k_vs_before: ratio('load', 'peak_rss_mib'),
      };
  await saveResult('persist', rows, ratios, [
    'papers: the bundled abstracts (1.13 kB on average) repeated under unique ids; 384-d vectors; a store that saves no index',
    'peak_rss_mib: the whole child process (for save, including the atlas it built first: rss_before_mib)',
    `before: the implementation at ${BEFORE.slice(0, 7)} (one string for the papers file, one buffer for the vectors), run on the same sizes until it fails`,
  ]);
}
