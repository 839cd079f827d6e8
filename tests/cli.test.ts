import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Atlas, readCorpus } from '../src/index.js';
import { ROOT, tempDir } from './support/helpers.js';
import { replayServer } from './support/replay.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    // tsx by its path, so the CLI also runs from a directory without node_modules (a user's cwd).
    execFile(
      process.execPath,
      ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(ROOT, 'src/cli.ts'), ...args],
      { cwd, maxBuffer: 32 << 20, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
let atlasDir: string;

beforeAll(async () => {
  dir = await tempDir();
  atlasDir = join(dir, 'atlas');
  const built = await cli(['build', join(ROOT, 'fixtures/regularized-optimization.page.txt'), '--out', atlasDir, '--json', '--recall']);
  expect(built.code, built.stderr).toBe(0);
});

describe('paper-atlas CLI', () => {
  it('has --help for every command', async () => {
    for (const cmd of ['build', 'update', 'info', 'evaluate', 'related', 'search', 'themes', 'map', 'fetch-model', 'demo']) {
      const r = await cli([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`Usage: paper-atlas ${cmd}`, 'u'));
    }
  });

  it('builds, then summarises the saved atlas as JSON, with recall', async () => {
    const r = await cli(['info', atlasDir, '--json', '--recall']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.papers).toBe(194);
    expect(info.embedder.kind).toBe('transformer');
    expect(info.recall.recall).toBeGreaterThanOrEqual(0.99);
    expect(info.themes.length).toBe(info.k.k);
  });

  it('answers related and search from a saved atlas', async () => {
    const rel = JSON.parse((await cli(['related', 'Wasserstein GAN', '--atlas', atlasDir, '--k', '3', '--json'])).stdout);
    expect(rel.paper.id).toBe('wasserstein-gan');
    expect(rel.related).toHaveLength(3);
    const search = await cli(['search', 'bilevel optimization', '--atlas', atlasDir, '--k', '5']);
    expect(search.code).toBe(0);
    expect(search.stdout.split('\n').filter((l) => /bilevel/iu.test(l)).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps the vectors in a LanceDB table with --lance, and answers from it after a reload', async () => {
    const out = join(dir, 'lance-atlas');
    const table = join(dir, 'lance-table');
    const built = await cli(['build', join(ROOT, 'fixtures/regularized-optimization.page.txt'), '--lance', table, '--out', out, '--json'], ROOT, {
      LANCE_LOG: 'error',
    });
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'atlas.json'), 'utf8')).stages.store).toMatchObject({ id: 'lance', options: { uri: table, table: 'papers' } });
    const lance = JSON.parse((await cli(['related', 'Wasserstein GAN', '--atlas', out, '--k', '3', '--json'], ROOT, { LANCE_LOG: 'error' })).stdout);
    const hnsw = JSON.parse((await cli(['related', 'Wasserstein GAN', '--atlas', atlasDir, '--k', '3', '--json'])).stdout);
    expect(lance.related.map((r: { id: string }) => r.id)).toEqual(hnsw.related.map((r: { id: string }) => r.id));
  });

  it('builds from vectors another job wrote with --vectors, refusing them unless made by its own embedder', async () => {
    // pyarrow-written Parquet whose vectors name another embedder than the CLI's all-MiniLM-L6-v2.
    const other = await cli(['build', '--vectors', join(ROOT, 'fixtures/parquet/parts'), '--out', join(dir, 'from-vectors')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/read .*fixtures\/parquet\/parts: 24 papers/u);
    expect(other.stderr).toMatch(
      /the vectors were made by fixture\/unit-vectors@000000000000\+mean\+chunk256, but this atlas embeds queries and new papers with Xenova\/all-MiniLM-L6-v2@/u,
    );
    const both = await cli(['build', join(ROOT, 'fixtures/regularized-optimization.page.txt'), '--vectors', join(ROOT, 'fixtures/parquet/parts'), '--json']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout).error.message).toMatch(/option "--vectors": replaces the input file/u);
  });

  it('accepts seed 0 like the API, and refuses more themes than papers', async () => {
    const small = join(dir, 'small.jsonl');
    const page = await readFile(join(ROOT, 'fixtures/corpus/regularized-optimization.json'), 'utf8');
    await writeFile(
      small,
      (JSON.parse(page) as object[])
        .slice(0, 24)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const k50 = await cli(['build', small, '--out', join(dir, 'small'), '--k', '50']);
    expect(k50.code).toBe(2);
    expect(k50.stderr).toMatch(/option "k": is 50, but there are only 24 papers/u);
    const seed0 = await cli(['build', small, '--out', join(dir, 'small'), '--k', '3', '--seed', '0', '--json']);
    expect(seed0.code, seed0.stderr).toBe(0);
    expect(JSON.parse(seed0.stdout).seed).toBe(0);
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/u);
  });

  it('re-clusters with --k and writes maps in every format', async () => {
    const themes = JSON.parse((await cli(['themes', '--atlas', atlasDir, '--k', '6', '--json'])).stdout);
    expect(themes.themes).toHaveLength(6);
    // Every format holds every paper of the atlas, and the six themes.
    const counts: Record<string, (text: string) => number> = {
      svg: (text) =>
        (
          text
            .split('<g class="points"')[1]!
            .split('</g>')[0]!
            .match(/<circle /gu) ?? []
        ).length,
      html: (text) =>
        (JSON.parse(text.match(/<script type="application\/json" class="pa-data">([\s\S]*?)<\/script>/u)![1]!) as { related: unknown[] }).related.length,
      vega: (text) => (JSON.parse(text) as { layer: { data?: { values: unknown[] } }[] }).layer[0]!.data!.values.length,
    };
    for (const format of ['svg', 'html', 'vega']) {
      const out = join(dir, `m.${format}`);
      const r = await cli(['map', '--atlas', atlasDir, '--format', format, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(counts[format]!(await readFile(out, 'utf8')), format).toBe(194);
      expect(JSON.parse((await cli(['map', '--atlas', atlasDir, '--format', format, '--out', out, '--json'])).stdout)).toMatchObject({ points: 194 });
    }
    // --related sets how many related papers each point carries in the page's data.
    const related = async (n: string): Promise<number[][]> => {
      const out = join(dir, `r${n}.html`);
      const r = await cli(['map', '--atlas', atlasDir, '--related', n, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse((await readFile(out, 'utf8')).match(/<script type="application\/json" class="pa-data">([\s\S]*?)<\/script>/u)![1]!).related;
    };
    expect((await related('0')).every((r) => r.length === 0)).toBe(true);
    expect((await related('2')).every((r) => r.length === 2)).toBe(true);
    const bad = await cli(['map', '--atlas', atlasDir, '--related', '-1']);
    expect(bad.code).toBe(2);
  });

  it('prints text from a saved atlas without terminal escape sequences', async () => {
    const hostile = join(dir, 'hostile');
    await cp(atlasDir, hostile, { recursive: true });
    const m = JSON.parse(await readFile(join(hostile, 'atlas.json'), 'utf8'));
    const file = join(hostile, m.papers);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const first = JSON.parse(lines[0]!);
    // Escape sequences, then a line break and a line separator that would start forged lines, and
    // invisible characters (a right-to-left override, a zero-width space).
    first.title = 'Evil \u001b[31mred\u001b[0m \u001b]0;owned\u0007title \u009b2J\n 2. 1.000  Forged result  [forged]\u2028forged too \u202egnp.exe\u200b';
    lines[0] = JSON.stringify(first);
    const bytes = Buffer.from(lines.join('\n'));
    await writeFile(file, bytes);
    const ref = m.files.find((f: { name: string }) => f.name === m.papers);
    ref.bytes = bytes.length;
    ref.sha256 = createHash('sha256').update(bytes).digest('hex');
    m.themes[0].label = 'theme \u001b[2Jcleared\n99  forged theme (999)';
    await writeFile(join(hostile, 'atlas.json'), JSON.stringify(m));
    for (const args of [
      ['related', first.id, '--atlas', hostile, '--k', '2'],
      ['search', 'optimal transport', '--atlas', hostile, '--k', '200'],
      ['info', hostile],
      ['themes', '--atlas', hostile],
    ]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, args[0]).not.toMatch(/[\u001b\u0007\u009b]/u);
    }
    const related = (await cli(['related', first.id, '--atlas', hostile, '--k', '2'])).stdout;
    expect(related).toMatch(/^Related to: Evil \[31mred\[0m \]0;ownedtitle 2J {2}2\. 1\.000 {2}Forged result {2}\[forged\] forged too gnp\.exe$/mu);
    // One line per record whatever the data: the heading and the two results.
    expect(related.trimEnd().split('\n')).toHaveLength(3);
    expect(related).not.toMatch(/[\u2028\u202e\u200b]/u);
    const themes = (await cli(['themes', '--atlas', hostile])).stdout;
    expect(themes.trimEnd().split('\n')).toHaveLength(3 * m.themes.length);
    expect(themes).not.toMatch(/^99 {2}forged/mu);
    expect(themes).toMatch(/cleared 99 {2}forged theme \(999\)/u);
  });

  it('reports a file-system problem as one line and exit code 2', async () => {
    const r = await cli(['build', join(ROOT, 'fixtures/corpus/regularized-optimization.json'), '--out', '/dev/null/atlas']);
    expect(r.code).toBe(2);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^(warning|read) /u.test(l)),
    ).toEqual([expect.stringMatching(/^error: \/dev\/null\/atlas: cannot be created \(a file is in the way of the directory\)$/u)]);
  });

  it('reads a reference-manager export, says what it found and skipped, and maps columns with --field', async () => {
    const bib = await cli(['build', join(ROOT, 'fixtures/samples/library.bib'), '--out', join(dir, 'bib'), '--k', '2']);
    expect(bib.code, bib.stderr).toBe(0);
    expect(bib.stderr).toMatch(
      /read .*library\.bib: 4 papers; skipped 1 without an abstract, 1 malformed\n {2}.*library\.bib, line 36, record 4: skipped: "Convex Optimization" has no abstract\n {2}.*line 43.*@misc entry is not closed/u,
    );
    const german = join(dir, 'deutsch.csv');
    await writeFile(
      german,
      'Titel,Zusammenfassung,Jahr\n"Optimal transport","Sinkhorn scaling for entropic optimal transport.",2020\n"Bilevel learning","Hypergradients through implicit differentiation.",2021\n"Preference learning","Reward models from human preferences.",2022\n',
    );
    const mapped = await cli([
      'build',
      german,
      '--out',
      join(dir, 'de'),
      '--field',
      'title=Titel',
      '--field',
      'abstract=Zusammenfassung',
      '--field',
      'year=Jahr',
      '--k',
      '2',
      '--json',
    ]);
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout).papers).toBe(3);
    const strict = await cli(['build', join(ROOT, 'fixtures/samples/zotero-export.csv'), '--out', join(dir, 'z'), '--missing-abstract', 'error']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/zotero-export\.csv, line 6, record 5, field "abstract": is missing/u);
    const nested = join(dir, 'nested.json');
    await writeFile(nested, '{"mine": [{"title": "A", "abstract": "b"}]}');
    const key = await cli(['build', nested, '--out', join(dir, 'n')]);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/nested\.json: expected a JSON array of papers.*; use --json-key <key>$/mu);
    const unknown = join(dir, 'notes.md');
    await writeFile(unknown, '# my notes\nnothing here\n');
    const fmt = await cli(['build', unknown, '--out', join(dir, 'u')]);
    expect(fmt.stderr).toMatch(/notes\.md: is in no format paper-atlas recognises\. Supported: .*; use --format <bibtex\|ris\|/u);
  });

  /** The Zotero sample (eight papers with a title, each with a year, two kept by their title alone), built once. */
  let dated: Promise<string> | undefined;
  const datedAtlas = (): Promise<string> =>
    (dated ??= (async () => {
      const out = join(dir, 'dated');
      const r = await cli(['build', join(ROOT, 'fixtures/samples/zotero-export.csv'), '--missing-abstract', 'title', '--k', '2', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      return out;
    })());

  it('updates a saved atlas with new papers: refits on request, keeps theme ids, reports the changes, and skips papers it holds', async () => {
    const copy = join(dir, 'growing-atlas');
    await cp(atlasDir, copy, { recursive: true });
    const before = await Atlas.load(copy);
    const themes = before.themes.map((t) => t.paperIds);
    await before.dispose();
    const bib = join(ROOT, 'fixtures/samples/library.bib');
    const r = await cli(['update', bib, '--atlas', copy, '--refit', 'always', '--missing-abstract', 'title', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    // The other entries are papers of the bundled corpus: skipped, not refused.
    const read = await readCorpus(bib, { missingAbstract: 'title' });
    expect(out.added).toEqual(['muller2022']);
    expect(out.skippedKnown).toBe(read.size - 1);
    expect(out.refit).toBe(true);
    expect(out.reason).toBe("refit: 'always'");
    expect(out.changes.kept.length).toBeGreaterThan(themes.length / 2);
    // The saved atlas holds the papers and the change report; kept themes kept their ids.
    const after = await Atlas.load(copy);
    expect(after.papers).toHaveLength(195);
    expect(after.changes).toEqual(out.changes);
    for (const k of out.changes.kept as { id: number; from: number }[]) expect(k.id).toBe(k.from);
    await after.dispose();
    // The same file again: every paper is known, nothing is added or refitted.
    const again = await cli(['update', bib, '--atlas', copy, '--missing-abstract', 'title']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^added 0 papers; not refitted: no papers were added$/mu);
  }, 300_000);

  it('draws themes over time (SVG and Vega-Lite), counting every paper once', async () => {
    const atlas = await datedAtlas();
    const svg = join(dir, 'tl.svg');
    const r = await cli(['timeline', '--atlas', atlas, '--bin', '5', '--out', svg, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as { source: string; file: string; periods: string[]; themes: { counts: number[] }[]; undated: number };
    expect(t.file).toBe(svg);
    expect(t.source).toMatch(/zotero-export\.csv$/u);
    // Years 2004 … 2025 in five-year bins, every paper in one of them.
    expect(t.periods[0]).toMatch(/^2004–2008$/u);
    expect(t.periods.at(-1)).toBe('2024–2025'); // the last bin ends at the latest year
    expect(t.undated).toBe(0);
    expect(t.themes.reduce((n, th) => n + th.counts.reduce((a, b) => a + b, 0), 0)).toBe(8);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg /u);
    const json = join(dir, 'tl.json');
    expect((await cli(['timeline', '--atlas', atlas, '--out', json])).code).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8')).$schema).toMatch(/vega-lite/u);
  });

  it('merges themes under a label, renames one, lists outliers, and saves the edits', async () => {
    const edited = join(dir, 'edited');
    await cp(atlasDir, edited, { recursive: true });
    const before = JSON.parse((await cli(['themes', '--atlas', edited, '--json'])).stdout) as { themes: { id: number; label: string; size: number }[] };
    const [a, b] = before.themes;
    const merged = await cli(['themes', '--atlas', edited, '--merge', `${a!.id},${b!.id}`, '--label', 'merged by hand', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const afterMerge = JSON.parse(merged.stdout) as { themes: { id: number; label: string; size: number }[] };
    expect(afterMerge.themes).toHaveLength(before.themes.length - 1);
    expect(afterMerge.themes.find((t) => t.label === 'merged by hand')?.size).toBe(a!.size + b!.size);
    const target = afterMerge.themes.at(-1)!;
    const renamed = await cli(['themes', '--atlas', edited, '--rename', `${target.id}=sparse training`, '--outliers', '--json']);
    expect(renamed.code, renamed.stderr).toBe(0);
    const out = JSON.parse(renamed.stdout) as { themes: { id: number; label: string }[]; outliers: { id: string; theme: number; score: number }[] };
    expect(out.themes.find((t) => t.id === target.id)!.label).toBe('sparse training');
    expect(out.outliers.length).toBeGreaterThan(0);
    expect(out.outliers.every((o) => out.themes.some((t) => t.id === o.theme))).toBe(true);
    // Saved: a fresh process reads the edits back.
    const again = JSON.parse((await cli(['themes', '--atlas', edited, '--json'])).stdout) as { themes: { label: string }[] };
    expect(again.themes.map((t) => t.label)).toEqual(out.themes.map((t) => t.label));
    const text = (await cli(['themes', '--atlas', edited, '--outliers'])).stdout;
    expect(text).toMatch(/^outliers \(\d+\): papers far from their theme's centre$/mu);
  });

  it('filters related and search by years, theme and rank', async () => {
    const dated = await datedAtlas();
    const years = JSON.parse((await cli(['search', 'optimization', '--atlas', dated, '--k', '9', '--years', '2021-2023', '--json'])).stdout) as {
      results: { id: string }[];
    };
    const saved = await Atlas.load(dated);
    const inRange = saved.papers.filter((p) => p.year !== undefined && p.year >= 2021 && p.year <= 2023).map((p) => p.id);
    await saved.dispose();
    // 2021, 2023, 2023, 2023: exactly those papers, in some order.
    expect(inRange).toHaveLength(4);
    expect(years.results.map((r) => r.id).sort()).toEqual([...inRange].sort());
    const themes = JSON.parse((await cli(['themes', '--atlas', atlasDir, '--json'])).stdout) as { themes: { id: number; paperIds: string[] }[] };
    const one = themes.themes[1]!;
    const inTheme = JSON.parse((await cli(['related', 'Wasserstein GAN', '--atlas', atlasDir, '--theme', String(one.id), '--k', '5', '--json'])).stdout) as {
      related: { id: string }[];
    };
    expect(inTheme.related.length).toBeGreaterThan(0);
    expect(inTheme.related.every((r) => one.paperIds.includes(r.id))).toBe(true);
    const cosine = JSON.parse((await cli(['related', 'Wasserstein GAN', '--atlas', atlasDir, '--rank', 'cosine', '--k', '5', '--json'])).stdout) as {
      related: { score: number; cosine: number }[];
    };
    expect(cosine.related.every((r) => r.score === r.cosine)).toBe(true);
    expect((await cli(['related', 'Wasserstein GAN', '--atlas', atlasDir, '--rank', 'bm25'])).code).toBe(2);
  });

  it('reads references from a JSON export and measures, on the library itself, how well each order finds its links', async () => {
    // The bundled corpus's hand-labelled papers, each citing the next two of its check-set theme
    // (the links a library of related work has), and a review outside the library per theme.
    const check = JSON.parse(await readFile(join(ROOT, 'fixtures/checkset/regularized-optimization.themes.json'), 'utf8')) as {
      themes: Record<string, string[]>;
    };
    const bundled = JSON.parse(await readFile(join(ROOT, 'fixtures/corpus/regularized-optimization.json'), 'utf8')) as { id: string }[];
    const byId = new Map(bundled.map((p) => [p.id, p]));
    const records = Object.entries(check.themes).flatMap(([theme, ids]) =>
      ids.map((id, i) => ({ ...byId.get(id)!, references: [ids[(i + 1) % ids.length], ids[(i + 2) % ids.length], `10.5555/review-${theme.length}`] })),
    );
    // The first theme's references in the records, every other one's in an edge list beside them.
    const [firstTheme] = Object.values(check.themes);
    const inRecords = (id: string): boolean => firstTheme!.includes(id);
    await writeFile(join(dir, 'linked.json'), JSON.stringify(records.map((r) => (inRecords(r.id) ? r : { ...r, references: undefined }))));
    const edges = records.filter((r) => !inRecords(r.id)).flatMap((r) => r.references.map((ref) => `${r.id}\t${ref}`));
    await writeFile(join(dir, 'edges.tsv'), ['# citing\tcited', ...edges, 'not-in-library\t10.1/x', ''].join('\n'));
    const linked = join(dir, 'linked-atlas');
    const built = await cli(['build', join(dir, 'linked.json'), '--citations', join(dir, 'edges.tsv'), '--out', linked]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toMatch(new RegExp(`${edges.length + 1} citations; 1 from papers not in the library left out \\(not-in-library\\)`, 'u'));
    const r = await cli(['evaluate', linked, '--json', '--seed', '1']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    const pairs = new Set(records.flatMap((x) => x.references.slice(0, 2).map((y) => [x.id, y].sort().join(' '))));
    expect(e.links).toBe(pairs.size);
    expect(e.queries).toBeGreaterThan(5);
    expect(e.hybrid.recall).toBeGreaterThanOrEqual(e.text.recall);
    const text = await cli(['evaluate', linked, '--held-out', '0.5']);
    expect(text.stdout).toMatch(/^hybrid +recall@10 0\.\d{3}/mu);
    expect(text.stdout).toMatch(/best order here: --rank (hybrid|citations)/u);
    expect((await cli(['evaluate', linked, '--held-out', '2'])).code).toBe(2);
    // By citations alone, the first paper's nearest are the two it cites and the two citing it.
    const cites = await cli(['related', records[0]!.id, '--atlas', linked, '--rank', 'citations', '--k', '4', '--json']);
    expect(cites.code, cites.stderr).toBe(0);
    const linkedTo = [...records[0]!.references.slice(0, 2), ...records.filter((x) => x.references.slice(0, 2).includes(records[0]!.id)).map((x) => x.id)];
    expect(
      JSON.parse(cites.stdout)
        .related.map((n: { id: string }) => n.id)
        .sort(),
    ).toEqual(linkedTo.sort());
  });

  it('explains each related paper against the paper asked about that it is closest to', async () => {
    const r = await cli([
      'related',
      'Wasserstein GAN',
      'Accelerating Sinkhorn Algorithm with Sparse Newton Iterations',
      '--atlas',
      atlasDir,
      '--k',
      '4',
      '--why',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { papers: { id: string }[]; related: { id: string; why: { against: string; score: number } }[] };
    const ids = out.papers.map((p) => p.id);
    // The paper each result is explained against is, of the two asked about, the closer to it.
    const saved = await Atlas.load(atlasDir);
    const cos = (a: string, b: string): number => saved.vectorOf(a).reduce((sum, x, d) => sum + x * saved.vectorOf(b)[d]!, 0);
    for (const row of out.related) {
      const closer = cos(row.id, ids[0]!) >= cos(row.id, ids[1]!) ? ids[0]! : ids[1]!;
      expect(row.why.against, row.id).toBe(closer);
    }
    await saved.dispose();
    const text = (
      await cli(['related', 'Wasserstein GAN', 'Accelerating Sinkhorn Algorithm with Sparse Newton Iterations', '--atlas', atlasDir, '--k', '2', '--why'])
    ).stdout;
    expect(text).toMatch(/^ {6}vs: (Wasserstein GAN|Accelerating Sinkhorn Algorithm with Sparse Newton Iterations)$/mu);
  });

  it('refuses flags that would do nothing, with exit code 2', async () => {
    const refused = async (args: string[], message: RegExp): Promise<void> => {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await refused(['themes', '--atlas', atlasDir, '--label', 'x'], /--label.*names the theme --merge makes/u);
    await refused(
      ['build', '--vectors', join(ROOT, 'fixtures/parquet/papers.parquet'), '--field', 'title=T', '--out', join(dir, 'v')],
      /--field.*applies to an input file only; --vectors tables have fixed columns/u,
    );
    await refused(
      ['build', '--vectors', join(ROOT, 'fixtures/parquet/papers.parquet'), '--format', 'json', '--out', join(dir, 'v')],
      /--format.*applies to an input file only/u,
    );
    await refused(
      ['build', join(ROOT, 'fixtures/samples/library.bib'), '--max', '10', '--out', join(dir, 'v')],
      /--max.*applies to arxiv: and openalex: sources only/u,
    );
    await refused(['build', 'arxiv:bilevel', '--email', 'me@example.org', '--out', join(dir, 'v')], /--email.*applies to openalex: sources only/u);
  });

  it('says on stderr, also under --json, when it answers from the bundled demo corpus, and names the source', async () => {
    const empty = await tempDir();
    const r = await cli(['search', 'optimal transport', '--k', '2', '--json'], empty);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^note: no atlas in \.\/atlas; answering from the bundled demo corpus/mu);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'paper-atlas:regularized-optimization', results: [expect.anything(), expect.anything()] });
    const own = JSON.parse((await cli(['search', 'optimal transport', '--k', '2', '--atlas', atlasDir, '--json'])).stdout) as { source: string };
    expect(own.source).toMatch(/regularized-optimization\.page\.txt$/u);
  });

  it('runs the demo: builds the bundled corpus, saves it and writes its map', async () => {
    const cwd = await tempDir();
    const r = await cli(['demo', '--json'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { papers: number; map: string; svg: string; atlas: string };
    expect(out.papers).toBe(194);
    expect(out.map).toBe(join(cwd, 'paper-atlas-demo/map.html'));
    expect(await readFile(out.map, 'utf8')).toMatch(/Regularized optimization in ML: 194 papers/u);
    expect(JSON.parse((await cli(['info', out.atlas, '--json'])).stdout).papers).toBe(194);
  });

  it('builds an atlas from an arXiv search (against a local replay of the API)', async () => {
    const server = await replayServer();
    try {
      const r = await cli(['build', 'arxiv:bilevel optimization', '--max', '5', '--out', join(dir, 'arxiv'), '--k', '2', '--json'], ROOT, {
        PAPER_ATLAS_ARXIV_URL: `${server.url}/arxiv`,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ papers: 5, source: 'arxiv:bilevel optimization' });
      expect(r.stderr).toMatch(/read arxiv:bilevel optimization: 5 papers/u);
    } finally {
      await server.close();
    }
  });

  it('exits 2 on bad input, with a message naming the problem', async () => {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"title": "A", "abstract": "x"}\n{"title": "B"\n');
    const r = await cli(['build', bad, '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl, line 2: invalid JSON/u);
    const unknown = await cli(['related', 'no such paper title at all', '--atlas', atlasDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No paper matches/u);
    const missing = await cli(['info', join(dir, 'nothing-here')]);
    expect(missing.code).toBe(2);
    const badFlag = await cli(['related', 'x', '--k', 'zero']);
    expect(badFlag.code).toBe(2);
    const json = await cli(['related', 'no such paper title at all', '--atlas', atlasDir, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'E_UNKNOWN_PAPER', message: expect.stringMatching(/No paper matches/u) } });
    expect(json.stderr).not.toMatch(/\n\s+at /u);
    const usage = await cli(['related', 'x', '--k', 'zero', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error.code).toBe('E_USAGE');
  });
});
