import { setData } from '../../io/json.js';
import type { PaperRecord } from '../../types.js';
import { splitLines } from '../decode.js';
import type { Reader } from './reader.js';

// `TY  - JOUR`: a two-character tag, two spaces, a dash, a space (or nothing, as `ER  -`).
const TAG = /^([A-Z][A-Z0-9])  -(?: (.*))?$/u;

/** RIS tags and the paper fields they fill; repeated tags collect (authors, keywords). */
const FIELDS: Record<string, string> = {
  TI: 'title',
  T1: 'title',
  CT: 'title',
  AB: 'abstract',
  N2: 'abstract',
  PY: 'year',
  Y1: 'year',
  DA: 'date',
  UR: 'url',
  L2: 'url',
  DO: 'doi',
  ID: 'id',
  T2: 'container',
  JO: 'container',
  JF: 'container',
  BT: 'container',
  KW: 'keywords',
  TY: 'type',
  AU: 'authors',
  A1: 'authors',
  A2: 'editors',
  ED: 'editors',
};
const LISTS = new Set(['authors', 'editors', 'keywords']);

/**
 * RIS (Zotero, EndNote, Mendeley, publisher exports), line by line: `TY` opens a record, `ER`
 * closes it; a line without a tag continues the previous value. Written here rather than taken from
 * a library: RIS is a flat tag-per-line format, and the maintained parsers (citation-js) come with a
 * whole citation framework and its network dependencies. Malformed input (a tag outside a record,
 * a record never closed) is reported with its line and skipped or refused per the policy.
 */
export const readRis: Reader = async (text, { builder, source }) => {
  let record: PaperRecord | undefined;
  let start = 0;
  let last: string | undefined;
  const set = (field: string, value: string): void => {
    const r = record!;
    if (LISTS.has(field)) {
      const list = (r[field] as string[] | undefined) ?? [];
      list.push(value);
      setData(r, field, list);
    } else if (r[field] === undefined) setData(r, field, value);
    else if (field === 'abstract') setData(r, field, `${r[field] as string} ${value}`);
  };
  for await (const { text: raw, line } of splitLines(text, source)) {
    const m = TAG.exec(raw.replace(/^\uFEFF/u, '').trimEnd());
    if (!m) {
      // A continuation of a wrapped value (an abstract over several lines).
      if (record && last && raw.trim()) {
        const r = record;
        const prev = r[last];
        if (typeof prev === 'string') setData(r, last, `${prev} ${raw.trim()}`);
      }
      continue;
    }
    const [, tag, value = ''] = m as unknown as [string, string, string | undefined];
    if (tag === 'TY') {
      if (record) builder.malformed({ source, line: start }, 'RIS record has no ER line before the next TY');
      record = {};
      start = line;
    } else if (!record) {
      builder.malformed({ source, line }, `RIS tag ${tag} outside a record (no TY line before it)`);
      continue;
    }
    if (tag === 'ER') {
      const r = record;
      if (r.year === undefined && typeof r.date === 'string') setData(r, 'year', r.date);
      builder.add(r, { line: start });
      record = undefined;
      last = undefined;
      continue;
    }
    const field = FIELDS[tag] ?? tag;
    if (value.trim()) set(field, value.trim());
    last = LISTS.has(field) ? undefined : field;
  }
  if (record) builder.malformed({ source, line: start }, 'RIS record has no ER line before the end of the file');
};
