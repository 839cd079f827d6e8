import { CorpusError, type FixHint } from '../errors.js';

/** Encodings accepted by the readers; a BOM overrides the choice. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

/** Longest line the line-based readers accept; a longer one is almost surely not a text corpus. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

function detectBom(head: Uint8Array): { encoding?: TextEncoding; skip: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  return { skip: 0 };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Decodes a byte stream to text chunks, strictly: invalid bytes or NULs raise a CorpusError naming
 * the line, instead of turning into U+FFFD and silently changing words.
 */
export async function* decodeStream(bytes: AsyncIterable<Uint8Array | string>, source: string, encoding: TextEncoding = 'utf-8'): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let line = 1;
  const fail = (problem: string, hint?: FixHint): never => {
    throw new CorpusError({ source, line }, problem, hint ? { hint } : {});
  };
  const check = (text: string): string => {
    const nul = text.indexOf('\u0000');
    if (nul !== -1) {
      line += countNewlines(text.slice(0, nul));
      fail(
        encoding.startsWith('utf-16') ? 'contains NUL characters' : 'contains NUL bytes: a binary file, or UTF-16 without a byte-order mark',
        encoding.startsWith('utf-16') ? undefined : { option: 'encoding', value: 'utf-16le' },
      );
    }
    line += countNewlines(text);
    return text;
  };
  for await (const chunk of bytes) {
    if (typeof chunk === 'string') {
      const text = decoder === undefined && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      decoder ??= new TextDecoder('utf-8');
      if (text) yield check(text);
      continue;
    }
    let data = chunk;
    if (decoder === undefined) {
      const bom = detectBom(data);
      const enc = bom.encoding ?? encoding;
      encoding = enc;
      decoder = new TextDecoder(enc === 'latin1' ? 'windows-1252' : enc, { fatal: true, ignoreBOM: true });
      data = data.subarray(bom.skip);
    }
    let text: string;
    try {
      text = decoder.decode(data, { stream: true });
    } catch {
      // Locate the bad bytes: a lenient decode of the same chunk marks them with U+FFFD.
      const lenient = new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding).decode(data);
      const bad = lenient.indexOf('\uFFFD');
      if (bad > 0) line += countNewlines(lenient.slice(0, bad));
      return fail(`is not valid ${encoding} text (invalid byte sequence)`, { option: 'encoding', value: 'latin1' });
    }
    if (text) yield check(text);
  }
  if (decoder) {
    try {
      const rest = decoder.decode();
      if (rest) yield check(rest);
    } catch {
      fail(`ends in the middle of a ${encoding} character (truncated file?)`);
    }
  }
}

/** One line of text with its 1-based line number; `\r\n` and `\r` endings are accepted. */
export interface Line {
  text: string;
  line: number;
}

export async function* splitLines(chunks: AsyncIterable<string>, source: string): AsyncGenerator<Line> {
  // Pieces of the current unfinished line; joined only once a line ends, so long lines stay linear.
  let carry: string[] = [];
  let carried = 0;
  let line = 0;
  for await (let chunk of chunks) {
    if (carry.length && carry[carry.length - 1]!.endsWith('\r')) {
      // A CR at the end of the previous chunk may be the first half of CRLF.
      const piece = carry.pop()!;
      carried -= piece.length;
      chunk = piece + chunk;
    }
    const lastBreak = Math.max(chunk.lastIndexOf('\n'), chunk.endsWith('\r') ? -1 : chunk.lastIndexOf('\r'));
    if (lastBreak === -1) {
      carry.push(chunk);
      carried += chunk.length;
      if (carried > MAX_LINE_CHARS) {
        throw new CorpusError({ source, line: line + 1 }, `line is longer than ${MAX_LINE_CHARS} characters`);
      }
      continue;
    }
    const complete = carry.join('') + chunk.slice(0, lastBreak);
    const rest = chunk.slice(lastBreak + 1);
    carry = rest ? [rest] : [];
    carried = rest.length;
    for (const text of complete.split(/\r\n|\n|\r/u)) yield { text, line: ++line };
  }
  const rest = carry.join('');
  if (rest) {
    const lines = rest.split(/\r\n|\n|\r/u);
    if (lines[lines.length - 1] === '') lines.pop();
    for (const text of lines) yield { text, line: ++line };
  }
}
