import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { checkOptionsObject, CorpusError, OptionError, optionKeys } from '../errors.js';
import { Corpus, CORPUS_OPTION_KEYS, CorpusBuilder, MISSING_ABSTRACT_POLICIES, type CorpusOptions } from './corpus.js';
import { decodeStream, type TextEncoding } from './decode.js';
import { readAtom } from './read/atom.js';
import { readBibtex } from './read/bibtex.js';
import { csvReader } from './read/csv.js';
import { readJson, readJsonl } from './read/json.js';
import { readPage } from './read/page.js';
import type { Reader } from './read/reader.js';
import { readRis } from './read/ris.js';
import type { RecordShape } from './shapes.js';

/** Input formats `readCorpus` understands. */
export type CorpusFormat = 'bibtex' | 'ris' | 'csl-json' | 'json' | 'jsonl' | 'csv' | 'tsv' | 'openalex' | 'semantic-scholar' | 'atom' | 'page';
export const CORPUS_FORMATS: readonly CorpusFormat[] = [
  'bibtex',
  'ris',
  'csl-json',
  'json',
  'jsonl',
  'csv',
  'tsv',
  'openalex',
  'semantic-scholar',
  'atom',
  'page',
];

export interface ReadCorpusOptions extends CorpusOptions {
  /** Input format; by default chosen from the file extension, else recognised from the content. */
  format?: CorpusFormat;
  /** Text encoding when the file has no byte-order mark (default `utf-8`). */
  encoding?: TextEncoding;
  /** For JSON whose papers sit under a key other than results/data/items/papers/records: that key. */
  jsonKey?: string;
  /**
   * [maxEntryChars=65536] BibTeX: the longest entry read, its `@string` macros expanded; a longer
   * one is reported as malformed. Real entries with abstracts are 1-5 k characters.
   */
  maxEntryChars?: number;
}

const ENCODINGS: readonly TextEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'latin1'];

const EXTENSIONS: Record<string, CorpusFormat> = {
  '.bib': 'bibtex',
  '.bibtex': 'bibtex',
  '.ris': 'ris',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xml': 'atom',
  '.atom': 'atom',
};

/** Reader and, for the JSON sources, the record shape each format means. */
const READERS: Record<CorpusFormat, [Reader, RecordShape?]> = {
  bibtex: [readBibtex],
  ris: [readRis],
  'csl-json': [readJson, 'csl'],
  json: [readJson],
  jsonl: [readJsonl],
  csv: [csvReader(',')],
  tsv: [csvReader('\t')],
  openalex: [readJson, 'openalex'],
  'semantic-scholar': [readJson, 'semantic-scholar'],
  atom: [readAtom],
  page: [readPage],
};

const SUPPORTED =
  'BibTeX (.bib), RIS (.ris), CSL-JSON, JSON, JSONL, CSV/TSV (Zotero exports included), OpenAlex and Semantic Scholar JSON, arXiv Atom (.xml), papers-listing page text (.txt)';

/** The format a file name says, if its extension is one of ours (`.csl.json` is CSL-JSON). */
export function formatOfName(path: string): CorpusFormat | undefined {
  if (/\.csl\.json$/iu.test(basename(path))) return 'csl-json';
  return EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Recognises the format from the first text of a file, or says it cannot (undefined): text that is
 * none of the structured formats is not taken for page text unless the file is `.txt`.
 */
export function sniffFormat(head: string): CorpusFormat | undefined {
  const start = head.replace(/^\uFEFF/u, '').trimStart();
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) {
    const firstLine = start.split(/\r?\n/u)[0]!;
    try {
      JSON.parse(firstLine);
      return 'jsonl';
    } catch {
      return 'json';
    }
  }
  if (start.startsWith('<')) return 'atom';
  if (/^(?:%[^\n]*\n\s*)*@\s*[A-Za-z]+\s*[{(]/u.test(start)) return 'bibtex';
  if (/^TY {2}- /mu.test(start.slice(0, 4096))) return 'ris';
  const firstLine = (start.split(/\r?\n/u)[0] ?? '').toLowerCase();
  if (firstLine.includes('\t') && /\btitle\b/u.test(firstLine)) return 'tsv';
  if (firstLine.includes(',') && /\btitle\b/u.test(firstLine) && firstLine.length < 10_000) return 'csv';
  return undefined;
}

/** Reads a corpus file of any supported format, streaming it so large files use bounded memory. */
export async function readCorpus(path: string, opts: ReadCorpusOptions = {}): Promise<Corpus> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    throw new CorpusError({ source: path }, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
  }
  if (info.isDirectory()) throw new CorpusError({ source: path }, 'is a directory, not a corpus file');
  if (!info.isFile()) throw new CorpusError({ source: path }, 'is not a regular file (a FIFO or device?)');
  const byName = formatOfName(path);
  const isText = extname(path).toLowerCase() === '.txt';
  const format = opts.format ?? byName;
  // A .txt file may hold any of the text formats (some RIS exports are .txt); else it is page text.
  return parseInput(
    createReadStream(path, { highWaterMark: 1 << 16 }),
    { ...opts, source: opts.source ?? path, ...(format ? { format } : {}) },
    isText ? 'page' : undefined,
  );
}

const READ_OPTION_KEYS = [
  ...CORPUS_OPTION_KEYS,
  ...optionKeys<Omit<ReadCorpusOptions, keyof CorpusOptions>>()('format', 'encoding', 'jsonKey', 'maxEntryChars'),
];

function checkOptions(opts: ReadCorpusOptions): void {
  checkOptionsObject('options', opts, READ_OPTION_KEYS);
  if (opts.format !== undefined && !CORPUS_FORMATS.includes(opts.format)) {
    throw new OptionError('format', `must be one of ${CORPUS_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  if (opts.encoding !== undefined && !ENCODINGS.includes(opts.encoding))
    throw new OptionError('encoding', `must be one of ${ENCODINGS.join(', ')}, got "${opts.encoding}"`);
  if (opts.missingAbstract !== undefined && !MISSING_ABSTRACT_POLICIES.includes(opts.missingAbstract)) {
    throw new OptionError('missingAbstract', `must be one of ${MISSING_ABSTRACT_POLICIES.join(', ')}, got "${opts.missingAbstract}"`);
  }
  if (opts.maxEntryChars !== undefined && (!Number.isSafeInteger(opts.maxEntryChars) || opts.maxEntryChars < 1))
    throw new OptionError('maxEntryChars', `must be a positive integer, got ${opts.maxEntryChars}`);
  if (opts.onDuplicate !== undefined && opts.onDuplicate !== 'skip' && opts.onDuplicate !== 'error')
    throw new OptionError('onDuplicate', `must be "skip" or "error", got "${opts.onDuplicate}"`);
}

/**
 * Parses a corpus from text or bytes already in hand (a string, a Buffer or any async iterable of
 * chunks, such as a fetch body or a file stream).
 */
export function parseCorpus(input: string | Uint8Array | AsyncIterable<Uint8Array | string>, opts: ReadCorpusOptions = {}): Promise<Corpus> {
  return parseInput(input, opts, undefined);
}

async function parseInput(
  input: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  opts: ReadCorpusOptions,
  fallback: CorpusFormat | undefined,
): Promise<Corpus> {
  checkOptions(opts);
  const source = opts.source ?? 'input';
  const bytes: AsyncIterable<Uint8Array | string> = typeof input === 'string' || input instanceof Uint8Array ? Readable.from([input]) : input;
  const text = peekable(decodeStream(bytes, source, opts.encoding));
  const format = opts.format ?? sniffFormat(await text.peek()) ?? fallback;
  if (!format) {
    throw new CorpusError({ source }, `is in no format paper-atlas recognises. Supported: ${SUPPORTED}`, { hint: { option: 'format' } });
  }
  const builder = new CorpusBuilder({ ...opts, source });
  const [reader, shape] = READERS[format];
  await reader(text, { builder, source, jsonKey: opts.jsonKey, shape, maxEntryChars: opts.maxEntryChars });
  return builder.finish();
}

interface Peekable<T> extends AsyncIterable<T> {
  peek(): Promise<string>;
}

/** Lets the sniffer look at the first chunk without losing it for the reader. */
function peekable(source: AsyncGenerator<string>): Peekable<string> {
  let first: IteratorResult<string> | undefined;
  return {
    async peek() {
      first ??= await source.next();
      return first.done ? '' : first.value;
    },
    async *[Symbol.asyncIterator]() {
      first ??= await source.next();
      if (!first.done) yield first.value;
      yield* { [Symbol.asyncIterator]: () => source };
    },
  };
}
