import { checkOptionsObject, CorpusError, integerOption, OptionError, optionKeys } from '../../errors.js';
import type { Paper } from '../../types.js';
import { bareDoi, Corpus, parseCount, parseReferences } from '../corpus.js';
import { FETCH_OPTION_KEYS, type FetchOptions } from './http.js';
import { openAlexSession, parseResponse } from './openalex.js';

export interface EnrichOptions extends FetchOptions {
  /** Your e-mail, for OpenAlex's polite pool (recommended). */
  email?: string;
  /** DOIs asked about per request (OpenAlex takes up to 100 values in one filter). [=50] */
  batchSize?: number;
  /** Replace references a paper already lists. [=false: they are kept] */
  overwrite?: boolean;
}

const ENRICH_OPTION_KEYS = [...FETCH_OPTION_KEYS, ...optionKeys<Omit<EnrichOptions, keyof FetchOptions>>()('email', 'batchSize', 'overwrite')];

/** What `enrichCitations` returns: the corpus with references, and which papers OpenAlex did not know. */
export interface EnrichResult {
  corpus: Corpus;
  /** Papers that got references (or a citation count) from OpenAlex. */
  enriched: number;
  /** Ids of papers asked about (they have a DOI or an arXiv id) that OpenAlex did not return. */
  notFound: string[];
  /** Ids of papers with neither a DOI nor an arXiv id: nothing to ask about. */
  noIdentifier: string[];
}

const SELECT = 'id,doi,referenced_works,cited_by_count';

/** The DOI OpenAlex knows a paper by: its own, or arXiv's DataCite DOI for an arXiv id (10.48550/arXiv.<id>). */
function doiOf(p: Paper): string | undefined {
  if (p.doi) return p.doi.toLowerCase();
  const arxiv = [p.meta?.arxivId, p.url, p.id]
    .filter((v): v is string => typeof v === 'string')
    .map((v) => /(?:arxiv\.org\/(?:abs|pdf)\/|^)(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$/iu.exec(v)?.[1])
    .find(Boolean);
  return arxiv ? `10.48550/arxiv.${arxiv}` : undefined;
}

/**
 * References and citation counts from OpenAlex for the papers of a corpus that have a DOI or an
 * arXiv id, asked in batches (one filter of many DOIs per request), with the fetchers' cache,
 * offline mode, politeness, retries, progress and abort. Papers keep every other field; those that
 * already list references keep them unless `overwrite`.
 */
export async function enrichCitations(corpus: Corpus, opts: EnrichOptions = {}): Promise<EnrichResult> {
  checkOptionsObject('options', opts, ENRICH_OPTION_KEYS);
  if (!(corpus instanceof Corpus)) throw new OptionError('corpus', 'must be a Corpus (readCorpus, Corpus.from, fetchOpenAlex, ...)');
  const batchSize = integerOption('batchSize', opts.batchSize ?? 50, 1, 100);
  const source = `openalex:references of ${corpus.source}`;
  const { http, base } = openAlexSession(source, opts);
  const byDoi = new Map<string, number[]>();
  const noIdentifier: string[] = [];
  corpus.papers.forEach((p, i) => {
    if (p.references?.length && !opts.overwrite) return;
    const doi = doiOf(p);
    if (!doi) noIdentifier.push(p.id);
    else byDoi.set(doi, [...(byDoi.get(doi) ?? []), i]);
  });
  const dois = [...byDoi.keys()];
  const found = new Map<number, { references?: string[]; citedByCount?: number }>();
  for (let start = 0; start < dois.length; start += batchSize) {
    const batch = dois.slice(start, start + batchSize);
    const params = new URLSearchParams({ filter: `doi:${batch.join('|')}`, select: SELECT, 'per-page': String(batchSize) });
    if (opts.email) params.set('mailto', opts.email);
    const url = `${base}?${params.toString()}`;
    const page = (await http.get(url, parseResponse)).results;
    page.forEach((work, w) => {
      const loc = { source, record: start + w + 1 };
      if (!work || typeof work !== 'object') throw new CorpusError(loc, `${url}: a result is not a work`);
      const doi = bareDoi((work as { doi?: unknown }).doi)?.toLowerCase();
      for (const row of (doi && byDoi.get(doi)) || []) {
        const references = parseReferences((work as { referenced_works?: unknown }).referenced_works, { ...loc, field: 'referenced_works' });
        const citedByCount = parseCount((work as { cited_by_count?: unknown }).cited_by_count, { ...loc, field: 'cited_by_count' });
        found.set(row, { ...(references?.length ? { references } : {}), ...(citedByCount !== undefined ? { citedByCount } : {}) });
      }
    });
    opts.onProgress?.({ fetched: Math.min(start + batch.length, dois.length), total: dois.length, requests: http.requests });
  }
  const papers = corpus.papers.map((p, i) => {
    const f = found.get(i);
    return f ? { ...p, ...f } : p;
  });
  const notFound = [...byDoi.values()]
    .flat()
    .filter((row) => !found.has(row))
    .map((row) => corpus.papers[row]!.id);
  return { corpus: new Corpus(papers, corpus.source, corpus.warnings), enriched: found.size, notFound, noIdentifier };
}
