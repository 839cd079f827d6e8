import { checkOptionsObject, CorpusError, optionKeys, type InputLocation } from '../errors.js';
import { jsonDepth, MAX_META_DEPTH, setData } from '../io/json.js';
import type { Paper, PaperRecord } from '../types.js';
import { normalizeText, shortHash, slugify } from './text.js';

export type { Paper, PaperRecord } from '../types.js';

/** Which record field holds which paper field; each entry lists names tried in order. */
export interface FieldNames {
  id?: string | string[];
  title?: string | string[];
  abstract?: string | string[];
  url?: string | string[];
  doi?: string | string[];
  year?: string | string[];
  authors?: string | string[];
  references?: string | string[];
  citedByCount?: string | string[];
}

/**
 * Names tried by default, first found wins: common spellings, and the column names of reference
 * managers' CSV exports (Zotero: `Key`, `Title`, `Abstract Note`, `Author`, `Publication Year`, `Url`, `DOI`).
 */
export const DEFAULT_FIELDS: Readonly<Required<{ [K in keyof FieldNames]: readonly string[] }>> = {
  id: ['id', 'paper_id', 'paperId', 'Key', 'key'],
  title: ['title', 'Title', 'name'],
  abstract: ['abstract', 'Abstract', 'Abstract Note', 'abstractNote', 'summary', 'description'],
  url: ['url', 'URL', 'Url', 'link', 'pdf_url'],
  doi: ['doi', 'DOI'],
  year: ['year', 'Year', 'Publication Year', 'published', 'date', 'Date', 'publication_date'],
  authors: ['authors', 'Authors', 'author', 'Author'],
  references: ['references', 'References', 'referenced_works', 'cites'],
  citedByCount: ['citedByCount', 'cited_by_count', 'citationCount'],
};

/** A paper citing more works than this is refused (the longest reference lists run to a few thousand). */
export const MAX_REFERENCES = 20_000;
/** Longest reference id accepted, in characters (DOIs run to a few hundred). */
const MAX_REFERENCE_CHARS = 1_000;

/**
 * Records without an abstract (books, web pages and notes exist in every real library):
 * `'skip'` (default) leaves them out, counted and listed in `corpus.warnings`; `'title'` keeps them,
 * embedded from the title alone and marked `missingAbstract`; `'error'` refuses the input. The same
 * policy covers records without a title and malformed entries of BibTeX and RIS files.
 */
export type MissingAbstractPolicy = 'skip' | 'title' | 'error';
export const MISSING_ABSTRACT_POLICIES: readonly MissingAbstractPolicy[] = ['skip', 'title', 'error'];

export interface CorpusOptions {
  /** Label used in error messages and metadata (a file path, or `records`). */
  source?: string;
  /** Field names to read from each record; defaults try the common spellings (see `DEFAULT_FIELDS`). */
  fields?: FieldNames;
  /**
   * What to do with a record whose title and abstract repeat an earlier one:
   * `'skip'` (default) keeps the first and lists the skipped one in `corpus.warnings`; `'error'` throws.
   */
  onDuplicate?: 'skip' | 'error';
  /** Records without an abstract (or title), and malformed entries (default `'skip'`). */
  missingAbstract?: MissingAbstractPolicy;
  /** Strip HTML/JATS markup and decode entities in titles and abstracts (default true). */
  stripMarkup?: boolean;
}

/** Every key of `CorpusOptions`, checked where they are passed. */
export const CORPUS_OPTION_KEYS = optionKeys<CorpusOptions>()('source', 'fields', 'onDuplicate', 'missingAbstract', 'stripMarkup');

/** Something the reader noticed and handled, reported instead of silently dropped. */
export interface CorpusWarning {
  location: InputLocation;
  /** What was done: a record skipped as a duplicate, for lacking an abstract or title, or as malformed. */
  kind: 'duplicate' | 'missing-abstract' | 'missing-title' | 'malformed';
  message: string;
}

type ResolvedFields = Required<{ [K in keyof FieldNames]: string[] }>;

function resolveFields(fields: FieldNames | undefined): ResolvedFields {
  const out = Object.fromEntries(Object.entries(DEFAULT_FIELDS).map(([k, v]) => [k, [...v]])) as ResolvedFields;
  for (const key of Object.keys(DEFAULT_FIELDS) as (keyof FieldNames)[]) {
    const given = fields?.[key];
    if (given !== undefined) out[key] = Array.isArray(given) ? given : [given];
  }
  return out;
}

function pick(record: PaperRecord, names: string[]): [string | undefined, unknown] {
  for (const name of names) {
    if (Object.hasOwn(record, name) && record[name] !== undefined && record[name] !== null && record[name] !== '') {
      return [name, record[name]];
    }
  }
  return [undefined, undefined];
}

function text(value: unknown, loc: InputLocation, stripMarkup: boolean): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new CorpusError(loc, `must be text, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return normalizeText(String(value), { stripMarkup });
}

function parseYear(value: unknown, loc: InputLocation): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^\s*(\d{4})/.exec(String(value));
  const year = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(year) || year < 1000 || year > 2999) {
    throw new CorpusError(loc, `is not a year: ${JSON.stringify(value).slice(0, 40)}`);
  }
  return year;
}

/** "Family, Given" (reference-manager order) → "Given Family"; other forms as they are. */
export function givenFamily(name: string): string {
  const parts = name.split(',').map((p) => p.trim());
  if (parts.length === 2 && parts[0] && parts[1]) return `${parts[1]} ${parts[0]}`;
  if (parts.length === 3 && parts[0] && parts[2]) return `${parts[2]} ${parts[0]} ${parts[1]}`.trim();
  return name.trim();
}

function parseAuthors(value: unknown, loc: InputLocation): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const list = Array.isArray(value)
    ? value.map((a) => (a && typeof a === 'object' && 'name' in a ? (a as { name: unknown }).name : a))
    : String(value).split(/\s*;\s*|\s+and\s+/u);
  const names = list.map((a) => {
    if (typeof a !== 'string') throw new CorpusError(loc, 'must be a list of names');
    return normalizeText(givenFamily(a));
  });
  return names.filter(Boolean);
}

/** A DOI without its resolver prefix (`https://doi.org/`, `doi:`). */
/**
 * A reference list: an array of ids (strings or numbers; objects with a `paperId`, `id` or `doi`, as
 * Semantic Scholar gives them), or one string of ids separated by semicolons or white space. DOIs lose
 * their resolver prefix, OpenAlex work URLs become their id (`W…`); repeats are dropped.
 */
export function parseReferences(value: unknown, loc: InputLocation): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items: unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[;\s]+/u) : [value];
  if (items.length > MAX_REFERENCES) throw new CorpusError(loc, `lists ${items.length} references, more than ${MAX_REFERENCES}`);
  const out = new Set<string>();
  for (const item of items) {
    const raw = isRecordLike(item) ? (item.paperId ?? item.id ?? item.doi ?? item.DOI) : item;
    if (raw === undefined || raw === null || raw === '') continue;
    if (typeof raw !== 'string' && typeof raw !== 'number')
      throw new CorpusError(loc, `holds a reference that is not an id: ${JSON.stringify(raw).slice(0, 80)}`);
    const id = referenceId(String(raw));
    if (!id) continue;
    if (id.length > MAX_REFERENCE_CHARS) throw new CorpusError(loc, `holds a reference id of ${id.length} characters`);
    out.add(id);
  }
  return [...out];
}

/** One reference id as papers are matched by: a bare DOI, an OpenAlex work id, or the id as given. */
export function referenceId(value: string): string {
  const v = normalizeText(value);
  const openalex = /^https?:\/\/openalex\.org\/(W\d+)$/iu.exec(v);
  if (openalex) return openalex[1]!.toUpperCase();
  return bareDoi(v) ?? v;
}

function isRecordLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A count: a non-negative integer (a numeric string will do). */
export function parseCount(value: unknown, loc: InputLocation): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isSafeInteger(n) || n < 0) throw new CorpusError(loc, `must be a count (a whole number ≥ 0), got ${JSON.stringify(value).slice(0, 40)}`);
  return n;
}

export function bareDoi(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const doi = value.trim().replace(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:\s*)/iu, '');
  return /^10\.\S+\/\S+$/u.test(doi) ? doi : undefined;
}

/**
 * Validates records one at a time so readers can stream: memory holds the papers, never the file.
 * Ids are assigned here so that every reader shares one id scheme.
 */
export class CorpusBuilder {
  private readonly papers: Paper[] = [];
  private readonly ids = new Set<string>();
  private readonly contentKeys = new Map<string, string>();
  readonly warnings: CorpusWarning[] = [];
  private readonly fields: ResolvedFields;
  private readonly source: string;

  constructor(private readonly opts: CorpusOptions = {}) {
    this.fields = resolveFields(opts.fields);
    this.source = opts.source ?? 'records';
  }

  /** Validates and adds one record; `where` locates it in the source for error messages. Returns undefined when it was skipped. */
  add(record: unknown, where: { line?: number } = {}): Paper | undefined {
    const recordNo = this.papers.length + this.warnings.length + 1;
    const base: InputLocation = { source: this.source, record: recordNo, ...where };
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      throw new CorpusError(base, 'is not an object with title and abstract');
    }
    const rec = record as PaperRecord;
    const f = this.fields;
    const strip = this.opts.stripMarkup ?? true;
    const policy = this.opts.missingAbstract ?? 'skip';
    const [titleKey, rawTitle] = pick(rec, f.title);
    const [abstractKey, rawAbstract] = pick(rec, f.abstract);
    const title = rawTitle === undefined ? '' : text(rawTitle, { ...base, field: titleKey }, strip);
    const abstract = rawAbstract === undefined ? '' : text(rawAbstract, { ...base, field: abstractKey }, strip);
    if (!title) {
      const loc = { ...base, field: titleKey ?? f.title[0] };
      if (policy === 'error') throw new CorpusError(loc, rawTitle === undefined ? 'is missing' : 'is empty');
      return this.skipped(loc, 'missing-title', `skipped: no title${abstract ? ` (abstract "${abstract.slice(0, 60)}...")` : ''}`);
    }
    if (!abstract && policy !== 'title') {
      const loc = { ...base, field: abstractKey ?? f.abstract[0] };
      if (policy === 'error') throw new CorpusError(loc, rawAbstract === undefined ? 'is missing' : 'is empty');
      return this.skipped(loc, 'missing-abstract', `skipped: "${title.slice(0, 100)}" has no abstract`);
    }
    const [idKey, rawId] = pick(rec, f.id);
    const [urlKey, rawUrl] = pick(rec, f.url);
    const [doiKey, rawDoi] = pick(rec, f.doi);
    const [yearKey, rawYear] = pick(rec, f.year);
    const [authorsKey, rawAuthors] = pick(rec, f.authors);
    const [referencesKey, rawReferences] = pick(rec, f.references);
    const [citedKey, rawCited] = pick(rec, f.citedByCount);

    const contentKey = `${title}\u0000${abstract}`;
    const earlier = this.contentKeys.get(contentKey);
    if (earlier !== undefined) {
      if (this.opts.onDuplicate === 'error') {
        throw new CorpusError({ ...base, field: titleKey }, `duplicates paper "${earlier}"`);
      }
      return this.skipped(base, 'duplicate', `skipped: same title and abstract as "${earlier}"`);
    }

    const id = this.assignId(rawId, title, abstract, { ...base, field: idKey });
    const paper: {
      -readonly [K in keyof Paper]: Paper[K];
    } = { id, title, abstract };
    if (!abstract) paper.missingAbstract = true;
    if (rawUrl !== undefined && String(rawUrl).trim()) paper.url = String(rawUrl).trim();
    const doi = bareDoi(rawDoi);
    if (doi) paper.doi = doi;
    const year = parseYear(rawYear, { ...base, field: yearKey });
    if (year !== undefined) paper.year = year;
    const authors = parseAuthors(rawAuthors, { ...base, field: authorsKey });
    if (authors?.length) paper.authors = authors;
    const references = parseReferences(rawReferences, { ...base, field: referencesKey });
    if (references?.length) paper.references = references;
    const cited = parseCount(rawCited, { ...base, field: citedKey });
    if (cited !== undefined) paper.citedByCount = cited;
    const used = new Set([idKey, titleKey, abstractKey, urlKey, yearKey, authorsKey, referencesKey, citedKey, ...(doi ? [doiKey] : [])]);
    const meta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (used.has(k) || v === undefined || v === null || v === '') continue;
      if (jsonDepth(v) >= MAX_META_DEPTH) throw new CorpusError({ ...base, field: k }, `is nested deeper than ${MAX_META_DEPTH} levels`);
      // "__proto__" or "constructor" from a record stay plain data.
      setData(meta, k, v);
    }
    if (Object.keys(meta).length) paper.meta = meta;

    this.ids.add(id);
    this.contentKeys.set(contentKey, id);
    this.papers.push(paper);
    return paper;
  }

  /**
   * An entry a reader could not parse (a malformed BibTeX or RIS entry): under the `'error'` policy a
   * CorpusError, else skipped and listed in the warnings.
   */
  malformed(loc: InputLocation, problem: string): void {
    if ((this.opts.missingAbstract ?? 'skip') === 'error') throw new CorpusError(loc, problem);
    this.skipped({ ...loc, record: this.papers.length + this.warnings.length + 1 }, 'malformed', `skipped: ${problem}`);
  }

  private skipped(location: InputLocation, kind: CorpusWarning['kind'], message: string): undefined {
    this.warnings.push({ location, kind, message });
    return undefined;
  }

  private assignId(rawId: unknown, title: string, abstract: string, loc: InputLocation): string {
    if (rawId !== undefined && String(rawId).trim()) {
      const id = normalizeText(String(rawId));
      if (this.ids.has(id)) throw new CorpusError(loc, `duplicate id "${id}"`);
      return id;
    }
    const slug = slugify(title);
    if (!this.ids.has(slug)) return slug;
    // Same title, different abstract: the content hash keeps the id stable whatever the input order.
    let id = `${slug}-${shortHash(`${title}\n${abstract}`, 6)}`;
    for (let n = 2; this.ids.has(id); n++) id = `${slug}-${shortHash(`${title}\n${abstract}`, 6)}-${n}`;
    return id;
  }

  finish(): Corpus {
    if (this.papers.length === 0) {
      const skipped = this.warnings.length
        ? ` (${this.warnings.length} record(s) skipped: ${[...new Set(this.warnings.map((w) => w.kind))].join(', ')}; see missingAbstract)`
        : '';
      throw new CorpusError({ source: this.source }, `contains no papers${skipped}`);
    }
    return new Corpus(this.papers, this.source, this.warnings);
  }
}

/** An ordered set of papers with unique ids. Immutable: `add` on an atlas makes a new one. */
export class Corpus implements Iterable<Paper> {
  private readonly byId: Map<string, number>;

  /** Use `Corpus.from`, `readCorpus` or `loadBundledCorpus`; this constructor trusts its input. */
  constructor(
    readonly papers: readonly Paper[],
    readonly source: string,
    readonly warnings: readonly CorpusWarning[] = [],
  ) {
    this.byId = new Map(papers.map((p, i) => [p.id, i]));
  }

  /** Validates in-memory records (`{ title, abstract, ... }`) into a corpus. */
  static from(records: Iterable<unknown>, opts: CorpusOptions = {}): Corpus {
    checkOptionsObject('options', opts, CORPUS_OPTION_KEYS);
    const b = new CorpusBuilder(opts);
    for (const r of records) b.add(r);
    return b.finish();
  }

  get size(): number {
    return this.papers.length;
  }

  get(id: string): Paper | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.papers[i];
  }

  indexOf(id: string): number {
    return this.byId.get(id) ?? -1;
  }

  [Symbol.iterator](): Iterator<Paper> {
    return this.papers[Symbol.iterator]();
  }

  /** The text a model embeds for a paper. */
  static textOf(p: Paper): string {
    if (!p.abstract) return p.title;
    return /[.?!]$/u.test(p.title) ? `${p.title} ${p.abstract}` : `${p.title}. ${p.abstract}`;
  }

  toJSON(): Paper[] {
    return [...this.papers];
  }
}
