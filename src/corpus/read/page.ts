import { CorpusError } from '../../errors.js';
import { splitLines } from '../decode.js';
import type { Reader } from './reader.js';

const BOILERPLATE = [/^get trending papers in your email inbox/iu, /^subscribe$/iu];
// Listing pages glue the "Subscribe" button label to the first title.
const GLUED_BUTTON = /^Subscribe(?=\p{Lu}|\p{N})/u;
// Titles are short; a "title" this long means the title/abstract pairing slipped.
const MAX_TITLE_CHARS = 600;

/** Papers-listing page text: boilerplate lines, then title and abstract on alternating lines. */
export const readPage: Reader = async (text, { builder, source }) => {
  let title: { text: string; line: number } | undefined;
  let seenPaper = false;
  for await (const { text: raw, line } of splitLines(text, source)) {
    const lineText = raw.trim();
    if (!lineText) continue;
    if (!seenPaper && !title && BOILERPLATE.some((re) => re.test(lineText))) continue;
    if (!title) {
      const t = seenPaper ? lineText : lineText.replace(GLUED_BUTTON, '');
      if (t.length > MAX_TITLE_CHARS) {
        throw new CorpusError(
          { source, line, field: 'title' },
          `expected a title but found ${t.length} characters; are the title and abstract lines out of step?`,
        );
      }
      title = { text: t, line };
      continue;
    }
    builder.add({ title: title.text, abstract: lineText }, { line: title.line });
    seenPaper = true;
    title = undefined;
  }
  if (title) {
    throw new CorpusError({ source, line: title.line, field: 'abstract' }, 'title has no abstract line after it (the page has an odd number of paper lines)');
  }
};
