import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { parse as parseCsv, CsvError } from 'csv-parse';
import { SaxesParser } from 'saxes';
import StreamJson from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { pipeline } from 'node:stream/promises';
import { CorpusError, OptionError } from '../errors.js';
import { Corpus, CorpusBuilder, type CorpusOptions } from './corpus.js';
import { decodeStream, splitLines, type TextEncoding } from './decode.js';

/** Input formats `readCorpus` understands. */
export type CorpusFormat = 'page' | 'json' | 'jsonl' | 'csv' | 'tsv' | 'atom';
export const CORPUS_FORMATS: readonly CorpusFormat[] = ['page', 'json', 'jsonl', 'csv', 'tsv', 'atom'];

export interface ReadCorpusOptions extends CorpusOptions {
  /** Input format; by default chosen from the file extension, else sniffed from the content. */
  format?: CorpusFormat;
  /** Text encoding when the file has no byte-order mark (default `utf-8`). */
  encoding?: TextEncoding;
  /** For JSON whose papers sit under a key (`{"papers": [...]}`): that key. */
  jsonKey?: string;
}

const EXTENSIONS: Record<string, CorpusFormat> = {
  '.txt': 'page',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xml': 'atom',
  '.atom': 'atom',
};

/** Reads a corpus file of any supported format, streaming it so large files use bounded memory. */
export async function readCorpus(path: string, opts: ReadCorpusOptions = {}): Promise<Corpus> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new CorpusError({ source: path }, `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`, {
      cause: err,
    });
  }
  if (info.isDirectory()) throw new CorpusError({ source: path }, 'is a directory, not a corpus file');
  const format = opts.format ?? EXTENSIONS[extname(path).toLowerCase()];
  return parseCorpus(createReadStream(path, { highWaterMark: 1 << 16 }), {
    ...opts,
    source: opts.source ?? path,
    ...(format ? { format } : {}),
  });
}

/**
 * Parses a corpus from text or bytes already in hand (a string, a Buffer or any async iterable of
 * chunks, such as a fetch body or a file stream).
 */
export async function parseCorpus(
  input: string | Uint8Array | AsyncIterable<Uint8Array | string>,
  opts: ReadCorpusOptions = {},
): Promise<Corpus> {
  const source = opts.source ?? 'input';
  if (opts.format !== undefined && !CORPUS_FORMATS.includes(opts.format)) {
    throw new OptionError('format', `must be one of ${CORPUS_FORMATS.join(', ')}, got "${opts.format}"`);
  }
  const bytes: AsyncIterable<Uint8Array | string> =
    typeof input === 'string' || input instanceof Uint8Array ? Readable.from([input]) : input;
  const text = peekable(decodeStream(bytes, source, opts.encoding));
  const format = opts.format ?? sniffFormat(await text.peek());
  const builder = new CorpusBuilder({ ...opts, source });
  await READERS[format](text, builder, source, opts);
  return builder.finish();
}

/** Guesses the format from the first text of a file. */
export function sniffFormat(head: string): CorpusFormat {
  const start = head.trimStart();
  if (start.startsWith('[')) return 'json';
  if (start.startsWith('{')) return 'jsonl';
  if (start.startsWith('<')) return 'atom';
  const firstLine = (start.split(/\r?\n/u)[0] ?? '').toLowerCase();
  if (firstLine.includes('\t') && /\btitle\b/u.test(firstLine)) return 'tsv';
  if (firstLine.includes(',') && /\btitle\b/u.test(firstLine) && firstLine.length < 500) return 'csv';
  return 'page';
}

/**
 * Runs a parsing pipeline whose last stage feeds records to the builder. A record the builder
 * rejects is rethrown as itself: left to `pipeline`, it would surface as a bare AbortError.
 */
async function runPipeline(
  stages: unknown[],
  builder: CorpusBuilder,
  unpack: (item: unknown) => [unknown, { line?: number }],
): Promise<void> {
  let rejected: CorpusError | undefined;
  const sink = async (items: AsyncIterable<unknown>): Promise<void> => {
    try {
      for await (const item of items) builder.add(...unpack(item));
    } catch (err) {
      if (err instanceof CorpusError) rejected = err;
      throw err;
    }
  };
  try {
    await (pipeline as (...args: unknown[]) => Promise<void>)(...stages, sink);
  } catch (err) {
    throw rejected ?? err;
  }
}

type Reader = (
  text: AsyncIterable<string>,
  builder: CorpusBuilder,
  source: string,
  opts: ReadCorpusOptions,
) => Promise<void>;

const BOILERPLATE = [/^get trending papers in your email inbox/iu, /^subscribe$/iu];
// Listing pages glue the "Subscribe" button label to the first title.
const GLUED_BUTTON = /^Subscribe(?=\p{Lu}|\p{N})/u;
// Titles are short; a "title" this long means the title/abstract pairing slipped.
const MAX_TITLE_CHARS = 600;

/** Papers-listing page text: boilerplate lines, then title and abstract on alternating lines. */
const readPage: Reader = async (text, builder, source) => {
  let title: { text: string; line: number } | undefined;
  let seenPaper = false;
  for await (const { text: raw, line } of splitLines(text, source)) {
    const lineText = raw.trim();
    if (!lineText) continue;
    if (!seenPaper && !title && BOILERPLATE.some((re) => re.test(lineText))) continue;
    if (!title) {
      const t = seenPaper ? lineText : lineText.replace(GLUED_BUTTON, '');
      if (t.length > MAX_TITLE_CHARS) {
        throw new CorpusError(
          { source, line, field: 'title' },
          `expected a title but found ${t.length} characters; are the title and abstract lines out of step?`,
        );
      }
      title = { text: t, line };
      continue;
    }
    builder.add({ title: title.text, abstract: lineText }, { line: title.line });
    seenPaper = true;
    title = undefined;
  }
  if (title) {
    throw new CorpusError(
      { source, line: title.line, field: 'abstract' },
      'title has no abstract line after it (the page has an odd number of paper lines)',
    );
  }
};

const readJsonl: Reader = async (text, builder, source) => {
  for await (const { text: raw, line } of splitLines(text, source)) {
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new CorpusError({ source, line }, `invalid JSON: ${(err as Error).message}`, { cause: err });
    }
    builder.add(value, { line });
  }
};

const readJson: Reader = async (text, builder, source, opts) => {
  let line = 1;
  async function* counted(): AsyncGenerator<string> {
    for await (const chunk of text) {
      yield chunk;
      // Counted after the parser consumed the chunk, so an error reports the line the chunk began on.
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) line++;
    }
  }
  const stages: NodeJS.ReadWriteStream[] = [StreamJson.parser()];
  if (opts.jsonKey) stages.push(Pick.pick({ filter: opts.jsonKey }));
  stages.push(StreamArray.streamArray());
  try {
    await runPipeline([Readable.from(counted()), ...stages], builder, (item) => [(item as { value: unknown }).value, {}]);
  } catch (err) {
    if (err instanceof CorpusError) throw err;
    const msg = (err as Error).message ?? String(err);
    const hint = /Top-level object should be an array/iu.test(msg)
      ? 'expected a JSON array of papers (for {"papers": [...]} pass jsonKey "papers")'
      : `invalid JSON near line ${line}: ${msg}`;
    throw new CorpusError({ source, line }, hint, { cause: err });
  }
};

function csvReader(delimiter: ',' | '\t'): Reader {
  return async (text, builder, source) => {
    const parser = parseCsv({
      columns: (header: string[]) => header.map((h) => h.trim()),
      delimiter,
      bom: true,
      skip_empty_lines: true,
      info: true,
      relax_quotes: delimiter === '\t',
      quote: delimiter === '\t' ? null : '"',
      max_record_size: 16 * 1024 * 1024,
    });
    try {
      await runPipeline([Readable.from(text), parser], builder, (row) => {
        const r = row as { record: Record<string, string>; info: { lines: number } };
        return [r.record, { line: r.info.lines }];
      });
    } catch (err) {
      if (err instanceof CsvError) {
        const e = err as CsvError & { lines?: number };
        throw new CorpusError({ source, ...(e.lines ? { line: e.lines } : {}) }, `invalid ${delimiter === ',' ? 'CSV' : 'TSV'}: ${e.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  };
}

// Deeper nesting than any real feed: refuse it rather than walk a hostile document.
const MAX_XML_DEPTH = 64;

/** arXiv Atom API responses (`<feed><entry><title><summary><id>...`). */
const readAtom: Reader = async (text, builder, source) => {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  let entry: Record<string, unknown> | undefined;
  let entryLine = 0;
  let authors: string[] = [];
  let buf = '';
  let failure: unknown;
  const local = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

  parser.on('error', (err) => {
    failure ??= new CorpusError({ source, line: parser.line }, `invalid XML: ${err.message}`, { cause: err });
  });
  parser.on('doctype', () => {
    // Entity declarations are how XML bombs expand; abstract feeds never need them.
    failure ??= new CorpusError({ source, line: parser.line }, 'XML with a DOCTYPE is not accepted (entity expansion risk)');
  });
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    stack.push(name);
    if (stack.length > MAX_XML_DEPTH) {
      failure ??= new CorpusError({ source, line: parser.line }, `XML nested deeper than ${MAX_XML_DEPTH} levels`);
    }
    if (name === 'entry') {
      entry = {};
      authors = [];
      entryLine = parser.line;
    } else if (entry && name === 'link') {
      const attrs = tag.attributes as Record<string, string>;
      if ((attrs.rel ?? 'alternate') === 'alternate' && attrs.href && entry.url === undefined) entry.url = attrs.href;
    }
    buf = '';
  });
  parser.on('text', (t) => {
    if (entry) buf += t;
  });
  parser.on('cdata', (t) => {
    if (entry) buf += t;
  });
  parser.on('closetag', (tag) => {
    const name = local(tag.name);
    stack.pop();
    if (!entry) return;
    const parent = stack[stack.length - 1];
    if (name === 'entry') {
      if (authors.length) entry.authors = authors;
      if (failure === undefined) {
        try {
          builder.add(entry, { line: entryLine });
        } catch (err) {
          failure = err;
        }
      }
      entry = undefined;
    } else if (parent === 'entry' && (name === 'title' || name === 'summary' || name === 'published')) {
      entry[name] = buf;
    } else if (parent === 'entry' && name === 'id') {
      entry.arxivId = buf.trim().replace(/^https?:\/\/arxiv\.org\/abs\//u, '');
      entry.url ??= buf.trim();
    } else if (parent === 'author' && name === 'name') {
      authors.push(buf);
    }
    buf = '';
  });

  for await (const chunk of text) {
    parser.write(chunk);
    if (failure) throw failure;
  }
  parser.close();
  if (failure) throw failure;
};

const READERS: Record<CorpusFormat, Reader> = {
  page: readPage,
  json: readJson,
  jsonl: readJsonl,
  csv: csvReader(','),
  tsv: csvReader('\t'),
  atom: readAtom,
};

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
