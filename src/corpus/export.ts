/**
 * A selection of papers as text a reference manager reads: BibTeX, CSL-JSON, or a plain id list.
 * Pure functions over plain records, shared by `atlas.export` (Node) and the HTML map's page script
 * (browser), so a selection downloaded from the map and one exported in a notebook are the same
 * bytes. Every field comes from the papers' own data; a paper without id or DOI still exports its
 * title, authors and year.
 */

import { checkOptionsObject, OptionError } from '../errors.js';
import type { Paper } from '../types.js';

/** The fields a paper exports (only those it has). */
export interface ExportRecord {
  id: string;
  title: string;
  authors?: readonly string[];
  year?: number;
  doi?: string;
  /** An http(s) address; other schemes are left out. */
  url?: string;
  /** Journal, conference or server, where the source named one. */
  venue?: string;
  /** Only when asked for (`atlas.export(ids, format, { abstracts: true })`). */
  abstract?: string;
}

export type ExportFormat = 'bibtex' | 'csl-json' | 'ids';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['bibtex', 'csl-json', 'ids'];

/** File name extension and MIME type per format, for downloads. */
export const EXPORT_FILES: Record<ExportFormat, { extension: string; type: string }> = {
  bibtex: { extension: 'bib', type: 'application/x-bibtex' },
  'csl-json': { extension: 'json', type: 'application/vnd.citationstyles.csl+json' },
  ids: { extension: 'txt', type: 'text/plain' },
};

export function exportRecords(records: readonly ExportRecord[], format: ExportFormat): string {
  if (format === 'bibtex') return toBibtex(records);
  if (format === 'csl-json') return `${JSON.stringify(records.map(toCsl), null, 2)}\n`;
  return records.map((r) => `${r.id}\n`).join('');
}

/** The address when it is http(s): other schemes (javascript:, data:, file:) are never linked or exported. */
export const httpUrl = (url: string | undefined): string | undefined => (url && /^https?:\/\//iu.test(url) ? url : undefined);

/** A CSL-JSON item: names split at the last space ("Given Family"), names of one word kept whole. */
function toCsl(r: ExportRecord): Record<string, unknown> {
  const url = httpUrl(r.url);
  return {
    id: r.id,
    type: r.venue ? 'article-journal' : 'article',
    title: r.title,
    ...(r.authors?.length
      ? {
          author: r.authors.map((name) => {
            const cut = name.lastIndexOf(' ');
            return cut > 0 ? { family: name.slice(cut + 1), given: name.slice(0, cut) } : { literal: name };
          }),
        }
      : {}),
    ...(r.year !== undefined ? { issued: { 'date-parts': [[r.year]] } } : {}),
    ...(r.venue ? { 'container-title': r.venue } : {}),
    ...(r.doi ? { DOI: r.doi } : {}),
    ...(url ? { URL: url } : {}),
    ...(r.abstract ? { abstract: r.abstract } : {}),
  };
}

/** Characters LaTeX reads as commands, written so that BibTeX readers give them back as text. */
const LATEX: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
};
/** LaTeX also joins "--" into a dash and "``" / "''" into quotes: an empty group between keeps them apart. */
const latex = (text: string): string => text.replace(/[\\{}&%$#_^~]/gu, (c) => LATEX[c]!).replace(/([-`'])(?=\1)|([?!])(?=`)/gu, '$1$2{}');
/** Verbatim fields (DOI, URL) are not LaTeX; only braces would unbalance the entry. */
const verbatim = (text: string): string => text.replace(/[{}]/gu, (c) => (c === '{' ? '%7B' : '%7D'));

/** Characters a citation key may hold in every BibTeX reader. */
const KEY_SAFE = /^[A-Za-z0-9_:.+/-]+$/u;

/**
 * Citation keys: the paper's id where it is a valid key (so the file reads back to the same ids),
 * otherwise first author's family name, year and first title word ("smith2021sparse"), with a
 * letter added when two papers would share one.
 */
function citationKeys(records: readonly ExportRecord[]): string[] {
  const taken = new Set<string>();
  return records.map((r) => {
    let base = r.id;
    if (!KEY_SAFE.test(base)) {
      const ascii = (s: string | undefined): string =>
        (s ?? '')
          .normalize('NFKD')
          .replace(/[^A-Za-z0-9]/gu, '')
          .toLowerCase();
      const family = ascii(r.authors?.[0]?.split(' ').pop());
      const word = ascii(r.title.split(/\s+/u).find((w) => ascii(w).length > 3));
      base = `${family || 'paper'}${r.year ?? ''}${word}`;
    }
    let key = base;
    for (let n = 0; taken.has(key); n++) key = `${base}${n < 26 ? String.fromCharCode(97 + n) : n}`;
    taken.add(key);
    return key;
  });
}

function toBibtex(records: readonly ExportRecord[]): string {
  const keys = citationKeys(records);
  return records
    .map((r, i) => {
      const url = httpUrl(r.url);
      const fields: [string, string][] = [
        // Double braces keep the title's own capitals.
        ['title', `{${latex(r.title)}}`],
        ...(r.authors?.length ? [['author', r.authors.map((a) => (/\sand\s/iu.test(a) ? `{${latex(a)}}` : latex(a))).join(' and ')] as [string, string]] : []),
        ...(r.year !== undefined ? [['year', String(r.year)] as [string, string]] : []),
        ...(r.venue ? [['journal', latex(r.venue)] as [string, string]] : []),
        ...(r.doi ? [['doi', verbatim(r.doi)] as [string, string]] : []),
        ...(url ? [['url', verbatim(url)] as [string, string]] : []),
        ...(r.abstract ? [['abstract', latex(r.abstract)] as [string, string]] : []),
      ];
      return `@${r.venue ? 'article' : 'misc'}{${keys[i]},\n${fields.map(([k, v]) => `  ${k} = {${v}},\n`).join('')}}\n`;
    })
    .join('\n');
}

/** Where sources name a paper's venue, in the order looked at. */
const VENUE_FIELDS = ['venue', 'journal', 'container-title', 'booktitle', 'journaltitle'];

/** A paper's export fields: its own, with the venue from the first of `VENUE_FIELDS` its record had as text. */
export function exportRecord(paper: Paper, abstract = false): ExportRecord {
  const venue = VENUE_FIELDS.map((f) => paper.meta?.[f]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const url = httpUrl(paper.url);
  return {
    id: paper.id,
    title: paper.title,
    ...(paper.authors?.length ? { authors: paper.authors } : {}),
    ...(paper.year !== undefined ? { year: paper.year } : {}),
    ...(paper.doi ? { doi: paper.doi } : {}),
    ...(url ? { url } : {}),
    ...(venue ? { venue: venue.trim() } : {}),
    ...(abstract && paper.abstract ? { abstract: paper.abstract } : {}),
  };
}

/** Checks `atlas.export`'s arguments; returns the ids. */
export function checkExport(ids: unknown, format: unknown, opts: unknown): readonly string[] {
  checkOptionsObject('export options', opts, ['abstracts']);
  if (!EXPORT_FORMATS.includes(format as ExportFormat))
    throw new OptionError('format', `must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new OptionError('ids', 'must be a list of paper ids or titles');
  return ids as string[];
}

/** Papers as export text (`atlas.export`). */
export function exportPapers(papers: readonly Paper[], format: ExportFormat, abstracts: boolean): string {
  return exportRecords(
    papers.map((p) => exportRecord(p, abstracts)),
    format,
  );
}
