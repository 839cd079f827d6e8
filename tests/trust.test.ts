import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Atlas, AtlasFileError, Corpus, type AtlasOptions } from '../src/index.js';
import { ROOT } from './support/root.js';
import { tempDir } from './support/helpers.js';
import { FakeEmbedder, syntheticCorpus } from './unit/synthetic.js';

/**
 * Saved atlases as untrusted input and under failure: crafted files (checksums recomputed, as an
 * attacker would), concurrent writers and readers in several processes, a file-size limit and a
 * full disk. Loading crafted atlases runs in a child process, so a native crash or a hang fails the
 * test instead of killing the runner.
 */
const embedder = new FakeEmbedder();
const opts: AtlasOptions = { embedder, cache: false, seed: 5, onWarning: () => undefined };
const { corpus } = syntheticCorpus(12);
let pristine: string;

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

interface Crafted {
  dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: the test rewrites any manifest field, as an attacker would
  m: Record<string, any>;
  file(role: 'papers' | 'vectors' | 'index'): string;
  /** Rewrites a data file and the manifest's size and sha256 for it. */
  rewrite(role: 'papers' | 'vectors' | 'index', data: Buffer): Promise<void>;
  save(): Promise<void>;
}

async function craft(): Promise<Crafted> {
  const dir = await tempDir();
  await cp(pristine, dir, { recursive: true });
  const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8')) as Crafted['m'];
  const nameOf = (role: string): string => (role === 'index' ? m.stages.store.state.file : m[role]);
  const c: Crafted = {
    dir,
    m,
    file: (role) => join(dir, nameOf(role)),
    async rewrite(role, data) {
      await writeFile(c.file(role), data);
      const ref = (m.files as { name: string; bytes: number; sha256: string }[]).find((f) => f.name === nameOf(role))!;
      ref.bytes = data.length;
      ref.sha256 = sha(data);
      await c.save();
    },
    save: () => writeFile(join(dir, 'atlas.json'), JSON.stringify(m)),
  };
  return c;
}

// hnswlib file layout (see src/store/hnsw-file.ts): 96-byte header, then level-0 records.
const HEADER = 96;
const M = 32;

/** Every crafted case: a name, how to make it, and what loading must end in. */
const CASES: [string, (c: Crafted) => Promise<void>, RegExp][] = [
  [
    'index header: max_elements below the element count',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeBigUInt64LE(1n, 8);
      await c.rewrite('index', b);
    },
    /index-.*\.hnsw: is not a valid index for this atlas: header max_elements 1/u,
  ],
  [
    'index header: M changed',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeBigUInt64LE(8n, 72);
      await c.rewrite('index', b);
    },
    /header M\/maxM\/maxM0 are 8\/32\/64/u,
  ],
  [
    'index header: entry point past the end',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeUInt32LE(1_000_000, 52);
      await c.rewrite('index', b);
    },
    /entry point 1000000 is not an element/u,
  ],
  [
    'index header: max level raised',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeInt32LE(40, 48);
      await c.rewrite('index', b);
    },
    /entry point \d+ has level \d+, the header's max level is 40/u,
  ],
  [
    'index: a level-0 neighbour id past the end',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeUInt32LE(999_999, HEADER + 4);
      await c.rewrite('index', b);
    },
    /element 0 links to 999999 at level 0, past the last element/u,
  ],
  [
    'index: a link count above maxM0',
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeUInt16LE(65_000, HEADER);
      await c.rewrite('index', b);
    },
    /element 0 has 65000 level-0 links/u,
  ],
  [
    'index: a label beyond the paper list',
    async (c) => {
      const b = await readFile(c.file('index'));
      const dims = c.m.dims as number;
      b.writeBigUInt64LE(5000n, HEADER + 4 + 4 * 2 * M + 4 * dims);
      await c.rewrite('index', b);
    },
    /element 0 has label 5000, expected its row 0/u,
  ],
  [
    "index: a stored vector that is not the atlas's",
    async (c) => {
      const b = await readFile(c.file('index'));
      b.writeFloatLE(0.5, HEADER + 4 + 4 * 2 * M);
      await c.rewrite('index', b);
    },
    /element 0's vector differs from the atlas's vector/u,
  ],
  [
    'index: truncated and re-summed',
    async (c) => {
      const b = await readFile(c.file('index'));
      await c.rewrite('index', b.subarray(0, b.length - 300));
    },
    /is not a valid index for this atlas/u,
  ],
  [
    'index: a delete mark the manifest does not know',
    async (c) => {
      const b = await readFile(c.file('index'));
      b[HEADER + 2] = 1;
      await c.rewrite('index', b);
    },
    /element 0 is marked deleted, the manifest says it is not removed/u,
  ],
  [
    'manifest: a removed row not marked in the index',
    async (c) => {
      const id = JSON.parse((await readFile(c.file('papers'), 'utf8')).split('\n')[3]!).id as string;
      const theme = c.m.themes[c.m.assignments[3]];
      theme.paperIds = theme.paperIds.filter((x: string) => x !== id);
      theme.representative = theme.representative.filter((x: string) => x !== id);
      theme.size = theme.paperIds.length;
      c.m.removed = [3];
      await c.save();
    },
    /element 3 is not marked deleted, the manifest says it is removed/u,
  ],
  [
    'manifest: dims that disagree with the vectors',
    async (c) => {
      c.m.dims = 48;
      c.m.embedder.dims = 48;
      await c.save();
    },
    /vectors-.*\.f32: is \d+ bytes; \d+ vectors of 48 dimensions/u,
  ],
  [
    'manifest: a label that is a number',
    async (c) => {
      c.m.themes[0].label = 42;
      await c.save();
    },
    /atlas\.json: field "themes\[0\]\.label": Invalid input: expected string, received number/u,
  ],
  [
    'manifest: paperIds missing',
    async (c) => {
      delete c.m.themes[1].paperIds;
      await c.save();
    },
    /field "themes\[1\]\.paperIds"/u,
  ],
  [
    'manifest: an assignment naming no theme',
    async (c) => {
      c.m.assignments[0] = 99;
      await c.save();
    },
    /field "assignments\[0\]": names theme 99/u,
  ],
  [
    'manifest: a coordinate that is null',
    async (c) => {
      c.m.coords[2] = [null, 1];
      await c.save();
    },
    /field "coords\[2\]\[0\]"/u,
  ],
  [
    'manifest: a stage with an invalid option',
    async (c) => {
      c.m.stages.clusterer.options.k = 0;
      await c.save();
    },
    /field "stages": option "k": must be an integer/u,
  ],
  [
    'manifest: a model id that is a path',
    async (c) => {
      c.m.embedder.resolution = { model: '../../..', source: 'cache', path: '/', tried: [] };
      await c.save();
    },
    /field "embedder\.resolution\.model": "\.\.\/\.\.\/\.\." is not a model id/u,
  ],
  [
    'manifest: a data file name with a path',
    async (c) => {
      c.m.papers = '../../etc/passwd';
      await c.save();
    },
    /field "papers": Invalid string/u,
  ],
  [
    'papers: a null paper',
    async (c) => {
      const lines = (await readFile(c.file('papers'), 'utf8')).split('\n');
      lines[1] = 'null';
      await c.rewrite('papers', Buffer.from(lines.join('\n')));
    },
    /papers-.*\.jsonl: line 2: is not a paper object/u,
  ],
  [
    'papers: duplicate ids',
    async (c) => {
      const lines = (await readFile(c.file('papers'), 'utf8')).split('\n');
      lines[1] = lines[0]!;
      await c.rewrite('papers', Buffer.from(lines.join('\n')));
    },
    /line 2: duplicate id/u,
  ],
  [
    'papers: meta nested too deep',
    async (c) => {
      const lines = (await readFile(c.file('papers'), 'utf8')).split('\n');
      const p = JSON.parse(lines[0]!);
      p.meta = { deep: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) };
      lines[0] = JSON.stringify(p);
      await c.rewrite('papers', Buffer.from(lines.join('\n')));
    },
    /line 1: field "meta" is nested deeper than 16 levels/u,
  ],
  [
    'a data file replaced by a symlink to /dev/zero',
    async (c) => {
      await rm(c.file('vectors'));
      await symlink('/dev/zero', c.file('vectors'));
    },
    /vectors-.*\.f32: is a symbolic link; a saved atlas holds regular files only/u,
  ],
  [
    'a data file replaced by a FIFO',
    async (c) => {
      await rm(c.file('papers'));
      await new Promise<void>((resolve, reject) => execFile('mkfifo', [c.file('papers')], (err) => (err ? reject(err) : resolve())));
    },
    /papers-.*\.jsonl: is not a regular file/u,
  ],
  [
    'the manifest replaced by a symlink to a file outside the atlas',
    async (c) => {
      await rm(join(c.dir, 'atlas.json'));
      await symlink('/etc/passwd', join(c.dir, 'atlas.json'));
    },
    /atlas\.json: is a symbolic link/u,
  ],
  [
    'the manifest is a directory',
    async (c) => {
      await rm(join(c.dir, 'atlas.json'));
      await mkdir(join(c.dir, 'atlas.json'));
    },
    /atlas\.json: is not a regular file/u,
  ],
];

/** Loads each directory in one child process; a crash or hang fails the test with the case's name. */
function loadInChild(dirs: string[]): Promise<{ ok: boolean; message?: string; name?: string }[]> {
  const script = `
    import { Atlas } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
    for (const dir of JSON.parse(process.env.PA_DIRS)) {
      process.stderr.write('loading ' + dir + '\\n');
      try {
        const a = await Atlas.load(dir);
        const r = await a.related(a.papers[0].id, { k: 5 });
        const map = await a.map();
        console.log(JSON.stringify({ ok: true, related: r.length, points: map.points.length }));
      } catch (e) {
        console.log(JSON.stringify({ ok: false, name: e.constructor.name, message: String(e.message) }));
      }
    }
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, PA_DIRS: JSON.stringify(dirs) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const results = out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      if (code !== 0 || results.length !== dirs.length) {
        const last = err
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('loading '))
          .at(-1);
        reject(new Error(`the loader died (${signal ?? `exit ${code}`}) at ${last}:\n${err.slice(-2000)}`));
      } else resolve(results);
    });
  });
}

beforeAll(async () => {
  const atlas = await Atlas.build(corpus, opts);
  pristine = await tempDir();
  await atlas.save(pristine);
});

describe('crafted atlases', () => {
  it(`end in a typed error, never a crash or a hang (${CASES.length} cases, in a child process)`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    const dirs: string[] = [];
    for (const [, make] of CASES) {
      const c = await craft();
      await make(c);
      dirs.push(c.dir);
    }
    const untouched = await craft();
    const results = await loadInChild([untouched.dir, ...dirs]);
    expect(results[0]).toMatchObject({ ok: true, related: 5, points: corpus.size });
    CASES.forEach(([name, , expected], i) => {
      const r = results[i + 1]!;
      expect(r.ok, `${name}: loaded`).toBe(false);
      expect(r.name, name).toBe('AtlasFileError');
      expect(r.message, name).toMatch(expected);
    });
  }, 180_000);

  it('never states the size of a file outside the atlas', async () => {
    const c = await craft();
    await rm(c.file('papers'));
    await symlink(join(ROOT, 'fixtures/regularized-optimization.page.txt'), c.file('papers'));
    const err = await Atlas.load(c.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasFileError);
    expect((err as Error).message).not.toMatch(/\d{4,} bytes/u);
  });

  it('keeps "__proto__" in a record as data, in the corpus and through save and load', async () => {
    const records = [{ title: 'A paper on graphs', abstract: 'graph neural networks and message passing', __proto__x: 1 }];
    const hostile = JSON.parse(
      '[{"title":"Prototype","abstract":"optimal transport and sinkhorn iterations","__proto__":{"polluted":true},"constructor":{"prototype":{"bad":1}}}]',
    ) as object[];
    const small = Corpus.from([...records, ...hostile, ...corpus.papers.slice(0, 20).map((p) => ({ title: p.title, abstract: p.abstract }))]);
    const paper = small.papers[1]!;
    expect(Object.getPrototypeOf(paper.meta)).toBe(Object.prototype);
    expect(Object.hasOwn(paper.meta!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const a = await Atlas.build(small, { ...opts, clusterer: { k: 2 } });
    const dir = await tempDir();
    await a.save(dir);
    const loaded = (await Atlas.load(dir)).paper(paper.id);
    expect(Object.getPrototypeOf(loaded.meta)).toBe(Object.prototype);
    expect((loaded.meta as Record<string, unknown>)['__proto__']).toEqual({ polluted: true });
  });
});

/** A script run by `node --import tsx`, with its arguments; resolves to its exit code and output. */
function runScript(code: string, args: string[], shell?: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const file = join(ROOT, `.cache/trust-${process.pid}-${Math.random().toString(36).slice(2)}.mts`);
  return mkdir(join(ROOT, '.cache'), { recursive: true })
    .then(() => writeFile(file, code))
    .then(
      () =>
        new Promise((resolve) => {
          const cmd = [process.execPath, '--import', 'tsx', file, ...args].map((a) => `'${a.replace(/'/gu, "'\\''")}'`).join(' ');
          const child = spawn('bash', ['-c', `${shell ?? ''}exec ${cmd}`], { cwd: ROOT });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.on('exit', (c, signal) => void rm(file, { force: true }).then(() => resolve({ code: c, signal, stdout, stderr })));
        }),
    );
}

const SAVER = `
  import { Atlas } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
  // Node resets inherited signal dispositions; an application under a file-size limit handles
  // SIGXFSZ itself, so that writes past the limit fail with EFBIG instead of killing it.
  process.on('SIGXFSZ', () => undefined);
  const [from, to, rounds] = process.argv.slice(2);
  const atlas = await Atlas.load(from);
  for (let i = 0; i < Number(rounds); i++) await atlas.save(to);
  console.log('saved', rounds);
`;

/** Builds a 300-paper atlas (short texts, a hashing embedder) and saves it: papers and vectors files are small, the index largest. */
const BUILD_AND_SAVE = `
  import { Atlas, Corpus } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};
  process.on('SIGXFSZ', () => undefined);
  const words = ['transport', 'sinkhorn', 'bilevel', 'hypergradient', 'preference', 'reward', 'federated', 'clients', 'graph', 'message'];
  const records = Array.from({ length: 300 }, (_, i) => ({ title: 'p' + i + ' ' + words[i % 10], abstract: words[i % 10] + ' ' + words[(i * 7) % 10] }));
  const embedder = { id: 'hash96', dims: 96, embed: async (texts) => texts.map((t) => { const v = new Float32Array(96); for (let i = 0; i < t.length; i++) v[(t.charCodeAt(i) * 31 + i) % 96] += 1; const n = Math.hypot(...v); return v.map((x) => x / n); }) };
  const atlas = await Atlas.build(Corpus.from(records), { embedder, cache: false, clusterer: { k: 5 }, onWarning() {} });
  await atlas.save(process.argv[2]);
  console.log('saved');
`;

async function dataFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^[a-z]+-[0-9a-f]{16}\.\w+$/u.test(n)).sort();
}

describe('concurrent writers and readers', () => {
  let a: string;
  let b: string;
  let sizes: Set<number>;

  beforeAll(async () => {
    a = pristine;
    b = await tempDir();
    const other = await Atlas.build(syntheticCorpus(8, 'other').corpus, opts);
    await other.save(b);
    sizes = new Set([corpus.size, other.papers.length]);
  });

  it('two processes saving different atlases into one directory, read meanwhile: it always loads as one of them', async () => {
    const dir = await tempDir();
    const writers = Promise.all([runScript(SAVER, [a, dir, '20']), runScript(SAVER, [b, dir, '20'])]);
    let done = false;
    void writers.then(() => (done = true));
    const seen: number[] = [];
    const failures: string[] = [];
    while (!done) {
      try {
        const loaded = await Atlas.load(dir);
        seen.push(loaded.papers.length);
        expect(await loaded.related(loaded.papers[0]!.id, { k: 3 })).toHaveLength(3);
        await loaded.dispose();
      } catch (err) {
        // Before the first save lands there is nothing to load yet.
        if (!/is missing: not a saved atlas|no such directory/u.test((err as Error).message)) failures.push((err as Error).message);
      }
    }
    const results = await writers;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((n) => sizes.has(n))).toBe(true);
    const final = await Atlas.load(dir);
    expect(sizes.has(final.papers.length)).toBe(true);
    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith('.tmp') || n.startsWith('.paper-atlas'))).toEqual([]);
    // The current save's files and the previous one's, nothing else.
    const m = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8')) as { files: { name: string }[]; previous: string[] };
    expect(await dataFiles(dir)).toEqual([...new Set([...m.files.map((f) => f.name), ...m.previous])].sort());
  }, 240_000);

  it('saves racing add() and remove() in one process: every save loads, and shows the calls made before it', async () => {
    const dir = await tempDir();
    const atlas = await Atlas.load(a, { embedder });
    for (let i = 0; i < 6; i++) {
      const first = atlas.save(dir);
      const added = atlas.add([{ title: `Sinkhorn transport plan ${i}`, abstract: `optimal transport with sinkhorn iterations, round ${i}` }]);
      const removed = atlas.remove(atlas.papers[i]!.id);
      const second = atlas.save(dir);
      const twice = atlas.add([{ title: `Sinkhorn transport plan ${i}`, abstract: `optimal transport with sinkhorn iterations, round ${i}` }]);
      await Promise.all([first, added, removed, second]);
      await expect(twice).rejects.toThrow(/duplicates paper/u);
      const loaded = await Atlas.load(dir);
      expect(loaded.papers.length).toBe(atlas.papers.length);
      expect(loaded.papers.map((p) => p.id)).toEqual(atlas.papers.map((p) => p.id));
    }
  });

  it('two atlases saved into one directory at once by one process take turns', async () => {
    const dir = await tempDir();
    const [x, y] = await Promise.all([Atlas.load(a), Atlas.load(b)]);
    for (let i = 0; i < 4; i++) {
      await Promise.all([x.save(dir), y.save(dir)]);
      expect(sizes.has((await Atlas.load(dir)).papers.length)).toBe(true);
    }
  });
});

describe('failing disks and foreign directories', () => {
  it('under a file-size limit the save fails with an AtlasFileError, the previous atlas stays, a retry without the limit succeeds', async () => {
    const dir = await tempDir();
    const small = await Atlas.build(syntheticCorpus(4, 'small').corpus, opts);
    await small.save(dir);
    const before = await dataFiles(dir);
    // bash counts 1024-byte blocks: 150 KB. The papers (~23 KB) and vectors (~115 KB) fit, the HNSW index (~195 KB)
    // does not, and hnswlib's writer reports no error: only the structure check sees the short file.
    const limited = await runScript(BUILD_AND_SAVE, [dir], 'ulimit -f 150; ');
    expect(limited.code).not.toBe(0);
    expect(limited.stderr).toMatch(/AtlasFileError: .*could not save the atlas \(a file could not be written whole.*previous atlas there is intact/u);
    expect(await dataFiles(dir)).toEqual(before);
    expect((await Atlas.load(dir)).papers.length).toBe(small.papers.length);
    const retry = await runScript(BUILD_AND_SAVE, [dir]);
    expect(retry.code, retry.stderr).toBe(0);
    expect((await Atlas.load(dir)).papers.length).toBe(300);
  });

  it('on a full disk the save fails cleanly, and succeeds once space is freed', async () => {
    const sizeOf = async (dir: string): Promise<number> => {
      let total = 0;
      for (const n of await dataFiles(dir)) total += (await readFile(join(dir, n))).length;
      return total;
    };
    const small = await Atlas.build(syntheticCorpus(4, 'small').corpus, opts);
    const probe = await tempDir();
    await small.save(probe);
    const smallBytes = await sizeOf(probe);
    const bigBytes = await sizeOf(pristine);
    const mount = await tempDir();
    const size = Math.ceil((smallBytes + bigBytes + 256 * 1024) / 4096) * 4096;
    const mounted = await new Promise<boolean>((resolve) => execFile('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], (err) => resolve(!err)));
    if (!mounted) {
      // No tmpfs here (no privilege to mount): a store whose save fails midway stands in for the full disk.
      const dir = await tempDir();
      await small.save(dir);
      const before = await dataFiles(dir);
      const broken = await Atlas.load(pristine);
      (broken as unknown as { session: { store: { save: () => Promise<never> } } }).session.store.save = async () => {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      };
      await expect(broken.save(dir)).rejects.toThrow(/no space left on the device.*previous atlas there is intact/u);
      expect(await dataFiles(dir)).toEqual(before);
      return;
    }
    try {
      const dir = join(mount, 'atlas');
      await small.save(dir);
      await writeFile(join(mount, 'ballast'), Buffer.alloc(Math.ceil(bigBytes / 2) + 200 * 1024));
      const before = await dataFiles(dir);
      const big = await Atlas.load(pristine);
      const err = await big.save(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AtlasFileError);
      expect((err as Error).message).toMatch(/no space left on the device.*previous atlas there is intact/u);
      expect(await dataFiles(dir)).toEqual(before);
      expect((await Atlas.load(dir)).papers.length).toBe(small.papers.length);
      await rm(join(mount, 'ballast'));
      await big.save(dir);
      expect((await Atlas.load(dir)).papers.length).toBe(corpus.size);
    } finally {
      await new Promise((resolve) => execFile('umount', [mount], resolve));
    }
  });

  it('a save removes the temp files of saves that died (data files, manifest, journal), and no others', async () => {
    const dir = await tempDir();
    const atlas = await Atlas.load(pristine);
    await atlas.save(dir);
    const child = spawn(process.execPath, ['-e', '']);
    const dead = child.pid!;
    await new Promise((r) => child.once('exit', r));
    const orphans = [
      `.atlas.json.${dead}.0badc0de.tmp`,
      `..paper-atlas-journal.json.${dead}.0badc0de.tmp`,
      `.papers-0123456789abcdef.jsonl.${dead}.0badc0de.tmp`,
    ];
    const kept = [`.atlas.json.${process.pid}.0badc0de.tmp`, `.notes.txt.${dead}.0badc0de.tmp`, `.atlas.json.${dead}.tmp`];
    for (const n of [...orphans, ...kept]) await writeFile(join(dir, n), 'partial');
    await atlas.save(dir);
    const names = await readdir(dir);
    for (const n of orphans) expect(names, n).not.toContain(n);
    for (const n of kept) expect(names, n).toContain(n);
    expect((await Atlas.load(dir)).papers.length).toBe(corpus.size);
  });

  it("refuses to replace an atlas.json that is not a paper-atlas manifest, and never deletes the user's own files", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'atlas.json'), '{"my": "notes"}');
    const atlas = await Atlas.load(pristine);
    await expect(atlas.save(dir)).rejects.toThrow(/atlas\.json: exists and is not a paper-atlas manifest; it was left alone/u);
    expect(await readFile(join(dir, 'atlas.json'), 'utf8')).toBe('{"my": "notes"}');
    expect(await readdir(dir)).toEqual(['atlas.json']);
    const mine = await tempDir();
    const own = ['papers-0123456789abcdef.jsonl', 'index-fedcba9876543210.hnsw', 'notes.txt', '.vectors-0123456789abcdef.f32.1.deadbeef.tmp'];
    for (const n of own) await writeFile(join(mine, n), 'mine');
    for (let i = 0; i < 3; i++) await atlas.save(mine);
    for (const n of own) expect(await readFile(join(mine, n), 'utf8')).toBe('mine');
  });
});
