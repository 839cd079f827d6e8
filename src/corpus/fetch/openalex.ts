import { defaultCacheDir } from '../../io/cache-dir.js';
import { checkOptionsObject, CorpusError, OptionError, optionKeys } from '../../errors.js';
import { Corpus, CorpusBuilder, type CorpusOptions } from '../corpus.js';
import { ShapeError, toRecord } from '../shapes.js';
import { FETCH_OPTION_KEYS, requester, type FetchOptions } from './http.js';

export interface OpenAlexOptions extends FetchOptions, Pick<CorpusOptions, 'missingAbstract' | 'onDuplicate'> {
  /** Full-text search over titles and abstracts. */
  search?: string;
  /** An OpenAlex filter, e.g. `concepts.id:C41008148,publication_year:>2020`. */
  filter?: string;
  /** Works to fetch at most (default 200). */
  max?: number;
  /** Your e-mail, for OpenAlex's polite pool (faster and more reliable; recommended). */
  email?: string;
  /** Results per request (default 200, OpenAlex's largest). */
  pageSize?: number;
}

const OPENALEX_OPTION_KEYS = [
  ...FETCH_OPTION_KEYS,
  ...optionKeys<Omit<OpenAlexOptions, keyof FetchOptions>>()('missingAbstract', 'onDuplicate', 'search', 'filter', 'max', 'email', 'pageSize'),
];

/** OpenAlex's works API; its documented limit is ten requests a second. */
export const OPENALEX_API = 'https://api.openalex.org/works';
const OPENALEX_INTERVAL_MS = 100;
const SELECT = [
  'id',
  'doi',
  'title',
  'display_name',
  'publication_year',
  'abstract_inverted_index',
  'authorships',
  'primary_location',
  'type',
  'cited_by_count',
  'referenced_works',
];

interface Response {
  meta: { count?: number; next_cursor?: string | null };
  results: unknown[];
}

/** OpenAlex's explanation in an error answer: `{"error": ..., "message": ...}` (an HTML 404 has none). */
export function openAlexError(excerpt: string): string | undefined {
  try {
    const e = JSON.parse(excerpt) as { error?: unknown; message?: unknown };
    const text = [e.error, e.message].filter((x): x is string => typeof x === 'string').join(': ');
    return text ? text.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}

/** What every OpenAlex call shares: the e-mail checked, a polite requester, and the API's base URL. */
export function openAlexSession(source: string, opts: FetchOptions & { email?: string }): { http: ReturnType<typeof requester>; base: string } {
  if (opts.email !== undefined && !/^[^\s@]+@[^\s@]+$/u.test(opts.email))
    throw new OptionError('email', `must be an e-mail address, got ${JSON.stringify(opts.email)}`);
  return {
    http: requester(source, OPENALEX_INTERVAL_MS, opts, defaultCacheDir(), openAlexError),
    base: (opts.baseUrl ?? process.env.PAPER_ATLAS_OPENALEX_URL ?? OPENALEX_API).replace(/\/+$/u, ''),
  };
}

export function parseResponse(body: string): Response {
  const r = JSON.parse(body) as Response;
  if (!r || typeof r !== 'object' || !Array.isArray(r.results) || !r.meta || typeof r.meta !== 'object') throw new Error('not an OpenAlex list response');
  return r;
}

/**
 * Works from OpenAlex for a search or filter, cursor-paged, as a Corpus: abstracts rebuilt from
 * OpenAlex's inverted index, authors, year, DOI, landing-page URL, venue. Polite by default (your
 * e-mail in `mailto`, ten requests a second at most, retries with back-off), cached, abortable.
 */
export async function fetchOpenAlex(opts: OpenAlexOptions): Promise<Corpus> {
  checkOptionsObject('options', opts, OPENALEX_OPTION_KEYS);
  const search = opts.search?.trim();
  const filter = opts.filter?.trim();
  if (!search && !filter) throw new OptionError('search', 'give a search or a filter (or both)');
  const max = opts.max ?? 200;
  const pageSize = opts.pageSize ?? 200;
  if (!Number.isInteger(max) || max < 1 || max > 1_000_000) throw new OptionError('max', `must be an integer in [1, 1000000], got ${max}`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) throw new OptionError('pageSize', `must be an integer in [1, 200], got ${pageSize}`);
  const source = `openalex:${[search ? `search=${search}` : '', filter ? `filter=${filter}` : ''].filter(Boolean).join('&')}`;
  const { http, base } = openAlexSession(source, opts);
  const builder = new CorpusBuilder({
    source,
    ...(opts.missingAbstract ? { missingAbstract: opts.missingAbstract } : {}),
    ...(opts.onDuplicate ? { onDuplicate: opts.onDuplicate } : {}),
  });
  const params = new URLSearchParams();
  if (search) params.set('search', search);
  if (filter) params.set('filter', filter);
  params.set('select', SELECT.join(','));
  if (opts.email) params.set('mailto', opts.email);
  let cursor: string | null | undefined = '*';
  let fetched = 0;
  // A cursor the API hands back twice would page forever (or until max): it is refused instead.
  const seen = new Set<string>();
  while (cursor && fetched < max) {
    if (seen.has(cursor))
      throw new CorpusError(
        { source },
        `the API returned the cursor ${JSON.stringify(cursor.slice(0, 80))} a second time after ${fetched} works; stopped instead of paging in a loop`,
      );
    seen.add(cursor);
    params.set('per-page', String(Math.min(pageSize, max - fetched)));
    params.set('cursor', cursor);
    const url = `${base}?${params.toString()}`;
    const page = await http.get(url, parseResponse);
    page.results.slice(0, max - fetched).forEach((work, i) => {
      try {
        builder.add(toRecord(work, 'openalex'));
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        builder.malformed({ source, record: fetched + i + 1 }, err.message);
      }
    });
    fetched += page.results.length;
    opts.onProgress?.({ fetched: Math.min(fetched, max), total: page.meta.count, requests: http.requests });
    const next = page.results.length ? page.meta.next_cursor : null;
    if (next !== null && next !== undefined && typeof next !== 'string') throw new CorpusError({ source }, `${url}: meta.next_cursor is not a string`);
    cursor = next;
  }
  return builder.finish();
}
