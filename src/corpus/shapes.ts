import { setData } from '../io/json.js';
import type { PaperRecord } from '../types.js';

/**
 * Record shapes of the JSON sources users bring, mapped to paper-atlas's fields (`id`, `title`,
 * `abstract`, `authors` as "Given Family", `year`, `url`, `doi`); what else a record holds stays
 * in `paper.meta` (for the API shapes, the useful part: venue, type, citation count).
 */
export type RecordShape = 'records' | 'csl' | 'openalex' | 'semantic-scholar';

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Guesses a record's shape from its fields (the first record decides for a whole file). */
export function detectShape(r: unknown): RecordShape {
  if (!isObject(r)) return 'records';
  if ('abstract_inverted_index' in r || (typeof r.id === 'string' && /^https:\/\/openalex\.org\/W\d+$/u.test(r.id))) return 'openalex';
  if ('paperId' in r && ('externalIds' in r || 'authors' in r || 'venue' in r)) return 'semantic-scholar';
  const cslAuthors = Array.isArray(r.author) && r.author.some((a) => isObject(a) && ('family' in a || 'literal' in a || 'given' in a));
  if (cslAuthors || isObject(r.issued) || 'container-title' in r || ('type' in r && 'URL' in r)) return 'csl';
  return 'records';
}

/** A record that its shape's rules cannot map (the reader reports it as malformed, with its place). */
export class ShapeError extends Error {}

/**
 * Most words an abstract rebuilt from an inverted index may have: 25× a long abstract (~400
 * words); the longest OpenAlex "abstracts" (full-text fragments) stay well below it.
 */
export const MAX_INVERTED_WORDS = 10_000;

/**
 * Abstract text from OpenAlex's inverted index (word → positions): the words in position order,
 * gaps closed. Work is bounded by the number of positions listed (at most `MAX_INVERTED_WORDS`,
 * else the index is refused), never by how large a position is.
 */
export function invertedAbstract(index: unknown): string | undefined {
  if (!isObject(index)) return undefined;
  const placed: { p: number; word: string }[] = [];
  for (const [word, positions] of Object.entries(index)) {
    if (!Array.isArray(positions)) continue;
    if (placed.length + positions.length > MAX_INVERTED_WORDS) {
      throw new ShapeError(`abstract_inverted_index lists more than ${MAX_INVERTED_WORDS} words`);
    }
    for (const p of positions) if (Number.isSafeInteger(p) && p >= 0) placed.push({ p: p as number, word });
  }
  // A position listed twice keeps the word listed last, as assigning into an array by position did.
  placed.sort((a, b) => a.p - b.p);
  const words: string[] = [];
  for (let i = 0; i < placed.length; i++) if (i + 1 === placed.length || placed[i + 1]!.p !== placed[i]!.p) words.push(placed[i]!.word);
  const text = words.join(' ');
  return text || undefined;
}

function cslName(a: unknown): string | undefined {
  if (typeof a === 'string') return a;
  if (!isObject(a)) return undefined;
  if (typeof a.literal === 'string') return a.literal;
  const parts = [a.given, a['non-dropping-particle'], a.family, a.suffix].filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  return parts.length ? parts.join(' ') : undefined;
}

function cslYear(issued: unknown): number | undefined {
  if (!isObject(issued)) return undefined;
  const parts = issued['date-parts'];
  if (Array.isArray(parts) && Array.isArray(parts[0]) && Number.isInteger(Number(parts[0][0]))) return Number(parts[0][0]);
  const raw = issued.raw ?? issued.literal;
  const m = typeof raw === 'string' ? /\b(\d{4})\b/u.exec(raw) : null;
  return m ? Number(m[1]) : undefined;
}

/** Copies the fields not consumed, as data (a `__proto__` key stays a key). */
function rest(r: Raw, used: readonly string[]): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(r)) if (!used.includes(k)) setData(out, k, v);
  return out;
}

const withDefined = (r: Raw): Raw => {
  const out: Raw = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) setData(out, k, v);
  return out;
};

/** A CSL-JSON item (Zotero, Mendeley, pandoc exports). */
function fromCsl(r: Raw): PaperRecord {
  const authors = Array.isArray(r.author) ? r.author.map(cslName).filter((n): n is string => !!n) : undefined;
  return withDefined({
    ...rest(r, ['id', 'title', 'abstract', 'author', 'issued', 'URL', 'DOI']),
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors,
    year: cslYear(r.issued),
    url: r.URL,
    doi: r.DOI,
  });
}

/** An OpenAlex work (https://docs.openalex.org/api-entities/works). */
function fromOpenAlex(r: Raw): PaperRecord {
  const authors = Array.isArray(r.authorships)
    ? r.authorships
        .map((a) => (isObject(a) && isObject(a.author) && typeof a.author.display_name === 'string' ? a.author.display_name : undefined))
        .filter((n): n is string => !!n)
    : undefined;
  const location = isObject(r.primary_location) ? r.primary_location : {};
  const source = isObject(location.source) ? location.source : {};
  return withDefined({
    id: typeof r.id === 'string' ? r.id.replace(/^https:\/\/openalex\.org\//u, '') : r.id,
    title: r.title ?? r.display_name,
    abstract: invertedAbstract(r.abstract_inverted_index) ?? r.abstract,
    authors,
    year: r.publication_year,
    url: location.landing_page_url ?? r.id,
    doi: r.doi,
    venue: source.display_name,
    type: r.type,
    references: r.referenced_works,
    citedByCount: r.cited_by_count,
  });
}

/** A Semantic Scholar paper (https://api.semanticscholar.org/api-docs/graph). */
function fromSemanticScholar(r: Raw): PaperRecord {
  const ids = isObject(r.externalIds) ? r.externalIds : {};
  return withDefined({
    id: r.paperId,
    title: r.title,
    abstract: r.abstract,
    authors: Array.isArray(r.authors) ? r.authors : undefined,
    year: r.year,
    url: r.url,
    doi: ids.DOI,
    arxivId: ids.ArXiv,
    venue: r.venue,
    references: r.references,
    citedByCount: r.citationCount,
  });
}

/** The record mapped to paper fields, or a `ShapeError` for one its shape's rules cannot map. */
export function toRecord(r: unknown, shape: RecordShape): unknown {
  if (!isObject(r)) return r;
  switch (shape) {
    case 'csl':
      return fromCsl(r);
    case 'openalex':
      return fromOpenAlex(r);
    case 'semantic-scholar':
      return fromSemanticScholar(r);
    default:
      return r;
  }
}

/** The list inside an API response or export wrapper (`results`, `data`, `items`, `papers`, `records`). */
export const LIST_KEYS = ['results', 'data', 'items', 'papers', 'records'] as const;
