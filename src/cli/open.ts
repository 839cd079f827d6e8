/** Where the CLI's papers come from: a file, a fetch, a vector table, a saved atlas or the demo corpus. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Atlas,
  fetchArxiv,
  fetchOpenAlex,
  loadBundledCorpus,
  OptionError,
  readCitationEdges,
  readCorpus,
  readVectorTable,
  type AtlasOptions,
  type Corpus,
} from '../index.js';
import { type BuildOptions, type CommonOptions, DEFAULT_DIR, embedderOptions, type ReadOptions } from './args.js';
import { progressReporter, readReport, SKIP_WORDS, warn } from './output.js';
import { line, oneLine, terminalText } from './text.js';

/** Reads a file, or fetches `arxiv:<query>` / `openalex:<search>` (`openalex:filter=<filter>`). */
export async function readInput(input: string, o: CommonOptions & ReadOptions): Promise<Corpus> {
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

/** Flags of `build` that apply to some inputs only: each refused where it would do nothing. */
export function checkInputFlags(input: string | undefined, o: BuildOptions): void {
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

export async function buildFrom(input: string | undefined, o: BuildOptions): Promise<Atlas> {
  checkInputFlags(input, o);
  const onProgress = (p: { read: number; total: number }): void => {
    if (!o.json && process.stderr.isTTY) process.stderr.write(`\rread ${p.read} of ${p.total} rows   `);
  };
  const table = o.vectors ? await readVectorTable(o.vectors, { onProgress, ...(o.missingAbstract ? { missingAbstract: o.missingAbstract } : {}) }) : undefined;
  let corpus = table ? table.corpus : input ? await readInput(input, o) : await loadBundledCorpus();
  if (o.citations) {
    const edges = await readCitationEdges(corpus, o.citations);
    corpus = edges.corpus;
    process.stderr.write(
      line`read ${o.citations}: ${edges.edges} citations${edges.unknownEdges ? `; ${edges.unknownEdges} from papers not in the library left out (${edges.unknownCiting.slice(0, 3).join(', ')}${edges.unknownCiting.length > 3 ? ', ...' : ''})` : ''}\n`,
    );
  }
  if (input || table) {
    const r = readReport(corpus);
    const skips = Object.entries(r.skipped).map(([kind, n]) => `${n} ${SKIP_WORDS[kind] ?? kind}`);
    process.stderr.write(`${o.json ? '' : '\r'}read ${oneLine(corpus.source)}: ${r.papers} papers${skips.length ? `; skipped ${skips.join(', ')}` : ''}\n`);
    for (const e of r.examples) process.stderr.write(`  ${terminalText(e)}\n`);
    if (corpus.warnings.length > r.examples.length) process.stderr.write(`  ... and ${corpus.warnings.length - r.examples.length} more\n`);
  }
  const progress = progressReporter(!o.json);
  const opts: AtlasOptions = {
    // Defaults are the library's own: a flag left out passes nothing.
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    embedder: embedderOptions(o),
    ...(o.k !== undefined ? { clusterer: { k: o.k } } : {}),
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
export async function openAtlas(dir: string | undefined, o: CommonOptions): Promise<Atlas> {
  const target = dir ?? DEFAULT_DIR;
  if (dir || existsSync(resolve(target, 'atlas.json'))) return Atlas.load(target, { embedder: embedderOptions(o), onWarning: warn });
  // Said on stderr under --json too: answers from the demo corpus must never pass for the user's own.
  process.stderr.write(
    `note: no atlas in ./${DEFAULT_DIR}; answering from the bundled demo corpus (build yours with \`paper-atlas build <input>\`, or pass --atlas <dir>)\n`,
  );
  return buildFrom(undefined, o);
}
