import type { Creator, Entry } from '@retorquere/bibtex-parser';
import { CorpusError } from '../../errors.js';
import { setData } from '../../io/json.js';
import type { PaperRecord } from '../../types.js';
import type { Reader } from './reader.js';

/** Longest entry accepted; a longer one is a runaway brace, not a reference. */
const MAX_ENTRY_CHARS = 16 * 1024 * 1024;

export interface RawEntry {
  type: string;
  text: string;
  line: number;
}

/**
 * Splits BibTeX text into top-level `@type{...}` / `@type(...)` entries as it streams, tracking
 * brace depth, so a 50 MB library is parsed one entry at a time. Text between entries is comment.
 */
export async function* bibtexEntries(chunks: AsyncIterable<string>, source: string): AsyncGenerator<RawEntry> {
  let line = 1;
  let state: 'outside' | 'type' | 'open' | 'body' = 'outside';
  let type = '';
  let buf: string[] = [];
  let size = 0;
  let depth = 0;
  let opener = '{';
  let start = 0;
  let prev = '\n';
  for await (const chunk of chunks) {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      const atLineStart = prev === '\n';
      prev = c;
      if (c === '\n') line++;
      if (state === 'body' && c === '@' && atLineStart) {
        // An entry never closed, and the next one begins: report the first, go on with the second.
        yield { type: type.toLowerCase(), text: '', line: -start };
        buf = [];
        size = 0;
        state = 'outside';
      }
      if (state === 'outside') {
        if (c === '@') {
          state = 'type';
          type = '';
          start = line;
          from = i;
        }
      } else if (state === 'type') {
        if (/[A-Za-z]/u.test(c)) type += c;
        else if (c === '{' || c === '(') {
          state = 'body';
          opener = c;
          depth = 1;
        } else if (/\s/u.test(c) && type) state = 'open';
        else if (!/\s/u.test(c)) state = 'outside';
      } else if (state === 'open') {
        if (c === '{' || c === '(') {
          state = 'body';
          opener = c;
          depth = 1;
        } else if (!/\s/u.test(c)) state = 'outside';
      } else if (c === '{') {
        depth++;
      } else if (c === '}' || (c === ')' && opener === '(' && depth === 1)) {
        depth--;
        if (depth === 0 || (c === ')' && opener === '(')) {
          buf.push(chunk.slice(from, i + 1));
          yield { type: type.toLowerCase(), text: buf.join(''), line: start };
          buf = [];
          size = 0;
          state = 'outside';
        }
      }
    }
    if (state !== 'outside') {
      const piece = chunk.slice(from);
      buf.push(piece);
      size += piece.length;
      if (size > MAX_ENTRY_CHARS) throw new CorpusError({ source, line: start }, `entry is longer than ${MAX_ENTRY_CHARS} characters (an unbalanced brace?)`);
    }
  }
  if (state === 'body') yield { type: type.toLowerCase(), text: buf.join(''), line: -start };
}

function creatorName(c: Creator): string {
  if (c.name) return c.name;
  return [c.firstName, c.prefix, c.lastName, c.suffix].filter((p) => p && p.trim()).join(' ');
}

/** A parsed entry as a record: citation key as id, names as "Given Family", other fields as meta. */
function toRecord(e: Entry): PaperRecord {
  const f = e.fields as Record<string, unknown>;
  const record: PaperRecord = {};
  setData(record, 'id', e.key);
  setData(record, 'type', e.type);
  for (const [k, v] of Object.entries(f)) {
    if (k === 'author' || k === 'editor') {
      if (Array.isArray(v)) setData(record, k === 'author' ? 'authors' : 'editors', (v as Creator[]).map(creatorName).filter(Boolean));
    } else setData(record, k, v);
  }
  if (record.year === undefined && typeof f.date === 'string') setData(record, 'year', f.date);
  return record;
}

const OPTIONS = { sentenceCase: false, english: false, caseProtection: false, unsupported: 'ignore' } as const;

/**
 * BibTeX and BibLaTeX, parsed with @retorquere/bibtex-parser (the parser of Better BibTeX for
 * Zotero): `@string` macros, `@comment`, braces, LaTeX accents and commands to Unicode, any entry
 * type. Titles keep the casing they were written with. A malformed entry is reported with its line
 * and skipped or refused per the missing-abstract policy.
 */
export const readBibtex: Reader = async (text, { builder, source }) => {
  // Loaded on first use: the parser and its LaTeX grammar are large, and only BibTeX needs them.
  // (Its CommonJS build requires tslib without declaring it; paper-atlas declares it in its stead.)
  const { parse } = await import('@retorquere/bibtex-parser');
  const strings = Object.create(null) as Record<string, string>;
  for await (const raw of bibtexEntries(text, source)) {
    if (raw.line < 0) {
      builder.malformed({ source, line: -raw.line }, `@${raw.type} entry is not closed (an unbalanced brace?)`);
      continue;
    }
    if (raw.type === 'comment' || raw.type === 'preamble') continue;
    let lib;
    try {
      lib = parse(raw.text, { ...OPTIONS, strings });
    } catch (err) {
      builder.malformed({ source, line: raw.line }, `@${raw.type} entry could not be parsed (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    if (raw.type === 'string') {
      for (const [k, v] of Object.entries(lib.strings)) setData(strings, k, v);
      continue;
    }
    const entry = lib.entries[0];
    if (lib.errors.length || !entry || !Object.keys(entry.fields).length) {
      const why = lib.errors[0]?.error.replace(/ at line \d+, column \d+/u, '') ?? 'no fields';
      builder.malformed({ source, line: raw.line }, `@${raw.type} entry could not be parsed (${why})`);
      continue;
    }
    builder.add(toRecord(entry), { line: raw.line });
  }
};
