import { Readable } from 'node:stream';
import { defaultCacheDir } from '../../io/cache-dir.js';
import { checkOptionsObject, CorpusError, OptionError, optionKeys } from '../../errors.js';
import { Corpus, CorpusBuilder, type CorpusOptions } from '../corpus.js';
import { readAtom } from '../read/atom.js';
import { FETCH_OPTION_KEYS, requester, type FetchOptions } from './http.js';

export interface ArxivOptions extends FetchOptions, Pick<CorpusOptions, 'missingAbstract' | 'onDuplicate'> {
  /**
   * The search: words are all required (`bilevel optimization` → `all:bilevel AND all:optimization`);
   * a query using arXiv's own fields (`ti:`, `abs:`, `au:`, `cat:`, `all:`) is passed as written.
   */
  query: string;
  /** Papers to fetch at most (default 100; arXiv serves at most 30,000 per query). */
  max?: number;
  /** Results per request (default 100, at most 2,000). */
  pageSize?: number;
}

const ARXIV_OPTION_KEYS = [
  ...FETCH_OPTION_KEYS,
  ...optionKeys<Omit<ArxivOptions, keyof FetchOptions>>()('missingAbstract', 'onDuplicate', 'query', 'max', 'pageSize'),
];

/** arXiv's API and its documented manners: one request every three seconds. */
export const ARXIV_API = 'https://export.arxiv.org/api/query';
const ARXIV_INTERVAL_MS = 3000;

/** The id of an entry arXiv answers a bad query with (`https://arxiv.org/api/errors#...`). */
const ARXIV_ERROR_ID = /^https?:\/\/arxiv\.org\/api\/errors/u;

/** arXiv's explanation in an error answer: the summary of its error entry. */
function arxivError(excerpt: string): string | undefined {
  if (!/arxiv\.org\/api\/errors/u.test(excerpt)) return undefined;
  return /<summary>([^<]{1,500})<\/summary>/u.exec(excerpt)?.[1]?.trim();
}

export function arxivQuery(query: string): string {
  if (/\b(?:ti|au|abs|co|jr|cat|rn|id|all):/u.test(query)) return query;
  const terms = query.match(/"[^"]+"|\S+/gu) ?? [];
  return terms.map((t) => `all:${t}`).join(' AND ');
}

interface Page {
  total: number | undefined;
  records: { record: unknown; line: number | undefined }[];
  malformed: string[];
}

async function parsePage(body: string, source: string): Promise<Page> {
  const records: Page['records'] = [];
  const malformed: string[] = [];
  let total: number | undefined;
  // The total comes from the parsed feed (a regex over the body would be quadratic on a hostile one).
  await readAtom(Readable.from([body]), {
    source,
    onFeedField: (name, text) => {
      if (name === 'totalresults' && /^\s*\d{1,9}\s*$/u.test(text)) total ??= Number(text);
    },
    builder: {
      add: (record, where) => records.push({ record, line: where?.line }),
      malformed: (_loc, problem) => malformed.push(problem),
    },
  });
  return { total, records, malformed };
}

/**
 * Papers from the arXiv API for a search, page by page, as a Corpus (arXiv ids in `meta.arxivId`).
 * Polite by default (3 s between requests, retries with back-off on 429/5xx), cached on disk,
 * abortable; `onProgress` reports papers fetched of the total the API announces.
 */
export async function fetchArxiv(opts: ArxivOptions): Promise<Corpus> {
  checkOptionsObject('options', opts, ARXIV_OPTION_KEYS);
  if (typeof opts.query !== 'string' || !opts.query.trim()) throw new OptionError('query', 'must be non-empty text');
  const max = opts.max ?? 100;
  const pageSize = opts.pageSize ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 30_000) throw new OptionError('max', `must be an integer in [1, 30000], got ${max}`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 2000) throw new OptionError('pageSize', `must be an integer in [1, 2000], got ${pageSize}`);
  const source = `arxiv:${opts.query.trim()}`;
  const http = requester(source, ARXIV_INTERVAL_MS, opts, defaultCacheDir(), arxivError);
  const builder = new CorpusBuilder({
    source,
    ...(opts.missingAbstract ? { missingAbstract: opts.missingAbstract } : {}),
    ...(opts.onDuplicate ? { onDuplicate: opts.onDuplicate } : {}),
  });
  const base = (opts.baseUrl ?? process.env.PAPER_ATLAS_ARXIV_URL ?? ARXIV_API).replace(/\/+$/u, '');
  const search = encodeURIComponent(arxivQuery(opts.query.trim()));
  let total: number | undefined;
  let fetched = 0;
  // Pages advance by what arrived: arXiv may send fewer than asked while more remain.
  for (let start = 0; fetched < max && (total === undefined || start < total); start = fetched) {
    const n = Math.min(pageSize, max - fetched);
    const url = `${base}?search_query=${search}&start=${start}&max_results=${n}&sortBy=relevance&sortOrder=descending`;
    const page = await http.get(url, (body) => {
      if (!/<feed[\s>]/u.test(body)) throw new Error('not an Atom feed');
      return body;
    });
    const parsed = await parsePage(page, source).catch((err: unknown) => {
      throw new CorpusError({ source }, `${url}: ${(err as Error).message}`);
    });
    total ??= parsed.total;
    // arXiv reports a bad query as a feed holding one entry from its errors page.
    const error = parsed.records.find(({ record }) => ARXIV_ERROR_ID.test(String((record as { arxivId?: unknown }).arxivId ?? '')));
    if (error) throw new CorpusError({ source }, `${url}: arXiv says: ${String((error.record as { summary?: unknown }).summary ?? 'error').trim()}`);
    for (const problem of parsed.malformed) builder.malformed({ source }, problem);
    // A server sending more than asked for does not take the corpus past max.
    const kept = parsed.records.slice(0, max - fetched);
    for (const { record, line } of kept) builder.add(record, line === undefined ? {} : { line });
    fetched += kept.length;
    opts.onProgress?.({ fetched, total, requests: http.requests });
    if (!parsed.records.length) break;
  }
  return builder.finish();
}
