import { decodeHTML } from 'entities';
import { createHash } from 'node:crypto';

/**
 * Markup that real abstract sources embed (arXiv, Crossref JATS, publisher pages). Only these names
 * are stripped: a generic `<...>` pattern would eat inequalities such as `x<y and z>w` in math text.
 */
const MARKUP_TAG =
  /<\/?(?:(?:jats|mml):[a-z][\w-]*|p|i|b|u|em|strong|sub|sup|br|span|div|a|tt|code|small|big|font|math|mi|mo|mn|msub|msup|mrow|inline-formula|italic|bold|sc|title|abstract|sec)(?:\s[^<>]*)?\/?>/giu;

const INLINE_TAG = /^<\/?(?:(?:jats|mml):)?(?:i|b|u|em|strong|sub|sup|span|a|tt|code|small|big|font|mi|mo|mn|msub|msup|mrow|inline-formula|italic|bold|sc)\b/iu;

// C0/C1 control characters except tab/newline/CR, which whitespace collapsing handles.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/gu;

export interface NormalizeOptions {
  /** Strip known HTML/JATS tags and decode entities (default true). */
  stripMarkup?: boolean;
}

/**
 * Canonical form of a title or abstract: NFC, markup removed, control characters dropped, runs of
 * whitespace collapsed to one space. Words themselves are never altered.
 */
export function normalizeText(raw: string, opts: NormalizeOptions = {}): string {
  let s = raw;
  if (opts.stripMarkup ?? true) {
    // Strip tags before decoding entities, so an escaped `&lt;b&gt;` stays literal text.
    // Inline tags (<i>, <sub>, ...) vanish without a trace; block tags (<p>, <br>, ...) separate words.
    s = decodeHTML(s.replace(MARKUP_TAG, (tag) => (INLINE_TAG.test(tag) ? '' : ' ')));
  }
  return s.replace(CONTROL, '').normalize('NFC').replace(/\s+/gu, ' ').trim();
}

const MAX_SLUG = 64;

/** URL-safe, human-readable id from a title: lower-case letters and digits of any script, dashes between. */
export function slugify(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let slug = '';
  for (const w of words) {
    const next = slug ? `${slug}-${w}` : w;
    if (next.length > MAX_SLUG) {
      if (!slug) slug = w.slice(0, MAX_SLUG);
      break;
    }
    slug = next;
  }
  return slug || 'paper';
}

/** Short content hash used to disambiguate ids and key caches. */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
