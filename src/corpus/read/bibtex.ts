import type { Creator, Entry } from '@retorquere/bibtex-parser';
import { setData } from '../../io/json.js';
import type { PaperRecord } from '../../types.js';
import type { Reader } from './reader.js';

/**
 * Default longest entry, `@string` macros expanded, in characters. A real entry with its abstract
 * is 1-5 k characters; the parser spends about a second on 64 k and grows faster than linearly
 * beyond (11 s at 250 k, a stack overflow above ~300 k), so a longer entry is skipped unread.
 */
export const DEFAULT_MAX_ENTRY_CHARS = 65_536;

export interface RawEntry {
  type: string;
  text: string;
  line: number;
  /** The entry was longer than the limit: its text was not kept. */
  tooLong?: true;
}

/**
 * Splits BibTeX text into top-level `@type{...}` / `@type(...)` entries as it streams, tracking
 * brace depth, so a 50 MB library is parsed one entry at a time. Text between entries is comment.
 * An entry longer than `maxChars` is scanned to its end without being kept (memory stays bounded).
 */
export async function* bibtexEntries(chunks: AsyncIterable<string>, maxChars = DEFAULT_MAX_ENTRY_CHARS): AsyncGenerator<RawEntry> {
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
          size += i + 1 - from;
          if (size > maxChars) yield { type: type.toLowerCase(), text: '', line: start, tooLong: true };
          else {
            buf.push(chunk.slice(from, i + 1));
            yield { type: type.toLowerCase(), text: buf.join(''), line: start };
          }
          buf = [];
          size = 0;
          state = 'outside';
        }
      }
    }
    if (state !== 'outside') {
      size += chunk.length - from;
      if (size <= maxChars) buf.push(chunk.slice(from));
      else buf = [];
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
export const readBibtex: Reader = async (text, { builder, source, maxEntryChars }) => {
  // Loaded on first use: the parser and its LaTeX grammar are large, and only BibTeX needs them.
  // (Its CommonJS build requires tslib without declaring it; paper-atlas declares it in its stead.)
  const { parse } = await import('@retorquere/bibtex-parser');
  const limit = maxEntryChars ?? DEFAULT_MAX_ENTRY_CHARS;
  const strings = Object.create(null) as Record<string, string>;
  const macros = new Macros();
  for await (const raw of bibtexEntries(text, limit)) {
    const at = { source, line: Math.abs(raw.line) };
    if (raw.line < 0) {
      builder.malformed(at, `@${raw.type} entry is not closed (an unbalanced brace?)`);
      continue;
    }
    if (raw.type === 'comment' || raw.type === 'preamble') continue;
    if (raw.tooLong) {
      builder.malformed(at, `@${raw.type} entry is longer than ${limit} characters (raise maxEntryChars to read it)`);
      continue;
    }
    const { expanded, refused } = macros.scan(raw.text);
    const over =
      expanded > limit
        ? `expands its @string macros to more than ${limit} characters`
        : !macros.withinBudget(raw.text.length, expanded, 4 * limit)
          ? `would take the text its @string macros add past ${4 * limit} characters plus the file's own size`
          : undefined;
    if (over) {
      builder.malformed(at, `@${raw.type} entry ${over} (raise maxEntryChars to read it)`);
      if (raw.type === 'string') macros.refuse(raw.text);
      continue;
    }
    if (refused) {
      builder.malformed(at, `@${raw.type} entry uses the @string macro "${refused}", which was refused`);
      if (raw.type === 'string') macros.refuse(raw.text);
      continue;
    }
    let lib: ReturnType<typeof parse>;
    try {
      lib = parse(raw.text, { ...OPTIONS, strings });
    } catch (err) {
      builder.malformed(at, `@${raw.type} entry could not be parsed (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    if (raw.type === 'string') {
      for (const [k, v] of Object.entries(lib.strings)) {
        setData(strings, k, v);
        macros.define(k, v.length);
      }
      continue;
    }
    const entry = lib.entries[0];
    if (lib.errors.length || !entry || !Object.keys(entry.fields).length) {
      const why = lib.errors[0]?.error.replace(/ at line \d+, column \d+/u, '') ?? 'no fields';
      builder.malformed(at, `@${raw.type} entry could not be parsed (${why})`);
      continue;
    }
    builder.add(toRecord(entry), { line: raw.line });
  }
};

/**
 * The lengths of the `@string` macros defined so far, to bound expansion before the parser does
 * it: `s1 = s0 # s0` … doubles per line, so a 400-byte file could name 100 k characters, and 30-byte
 * entries each naming 64 k would cost the parser a second apiece. Every macro's own value passed
 * the same bounds, so no chain of them can grow past them.
 */
class Macros {
  private lengths = new Map<string, number>();
  private refused = new Set<string>();
  /** Characters of entries read so far, and characters their macros added. */
  private raw = 0;
  private added = 0;
  /**
   * Whether an entry of `raw` characters expanding to `expanded` keeps the text macros add, over
   * the whole file, within `allowance` plus the file's own size (the parser's time grows with the
   * text it builds, so macros may at most double it); counts the entry when it does.
   */
  withinBudget(raw: number, expanded: number, allowance: number): boolean {
    const added = Math.max(0, expanded - raw);
    if (this.added + added > allowance + this.raw + raw) return false;
    this.raw += raw;
    this.added += added;
    return true;
  }
  define(name: string, length: number): void {
    this.lengths.set(name.toLowerCase(), length);
  }
  /** Remembers the name an `@string` entry defines, as refused: entries that use it are refused too. */
  refuse(stringEntry: string): void {
    const name = /^@\s*string\s*[{(]\s*([^\s=,{}()]+)\s*=/iu.exec(stringEntry)?.[1];
    if (name) this.refused.add(name.toLowerCase());
  }
  /**
   * One pass over the entry's bare words: its length with every word that names a macro counted as
   * the macro's value, and the first refused macro it names, if any.
   */
  scan(text: string): { expanded: number; refused: string | undefined } {
    let expanded = text.length;
    let refused: string | undefined;
    if (!this.lengths.size && !this.refused.size) return { expanded, refused };
    for (const m of text.matchAll(/[A-Za-z_][\w:.+/-]*/gu)) {
      const word = m[0].toLowerCase();
      expanded += this.lengths.get(word) ?? 0;
      if (refused === undefined && this.refused.has(word)) refused = m[0];
    }
    return { expanded, refused };
  }
}
