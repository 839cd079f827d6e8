import { SaxesParser } from 'saxes';
import { CorpusError } from '../../errors.js';
import type { Reader } from './reader.js';

// Deeper nesting than any real feed: refuse it rather than walk a hostile document.
const MAX_XML_DEPTH = 64;

/** An entry's own element, kept under the record field it fills (the arXiv id from its `<id>`). */
function entryField(entry: Record<string, unknown>, name: string, text: string): void {
  if (name === 'title' || name === 'summary' || name === 'published') entry[name] = text;
  else if (name === 'doi') entry.doi = text.trim();
  else if (name === 'id') {
    entry.arxivId = text.trim().replace(/^https?:\/\/arxiv\.org\/abs\//u, '');
    entry.url ??= text.trim();
  }
}

/** arXiv Atom API responses (`<feed><entry><title><summary><id>...`). */
export const readAtom: Reader = async (text, { builder, source, onFeedField }) => {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  let entry: Record<string, unknown> | undefined;
  let entryLine = 0;
  let authors: string[] = [];
  let alternate = false;
  let buf = '';
  let failure: unknown;
  const local = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

  parser.on('error', (err) => {
    failure ??= new CorpusError({ source, line: parser.line }, `invalid XML: ${err.message}`, { cause: err });
  });
  parser.on('doctype', () => {
    // Entity declarations are how XML bombs expand; abstract feeds never need them.
    failure ??= new CorpusError({ source, line: parser.line }, 'XML with a DOCTYPE is not accepted (entity expansion risk)');
  });
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    stack.push(name);
    if (stack.length > MAX_XML_DEPTH) {
      failure ??= new CorpusError({ source, line: parser.line }, `XML nested deeper than ${MAX_XML_DEPTH} levels`);
    }
    if (name === 'entry') {
      entry = {};
      alternate = false;
      authors = [];
      entryLine = parser.line;
    } else if (entry && name === 'link') {
      const attrs = tag.attributes as Record<string, string>;
      // The first alternate link is the paper's page; it wins over the entry id (which arXiv gives
      // as http:// while its links are https://), whichever comes first.
      if ((attrs.rel ?? 'alternate') === 'alternate' && attrs.href && !alternate) {
        entry.url = attrs.href;
        alternate = true;
      }
    }
    buf = '';
  });
  // Outside entries, text is kept only for the feed's direct children, and only when a caller asks.
  parser.on('text', (t) => {
    if (entry || (onFeedField && stack.length === 2)) buf += t;
  });
  parser.on('cdata', (t) => {
    if (entry) buf += t;
  });
  parser.on('closetag', (tag) => {
    const name = local(tag.name);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (!entry) {
      if (stack.length === 1) onFeedField?.(name, buf);
      buf = '';
      return;
    }
    if (name === 'entry') {
      if (authors.length) entry.authors = authors;
      if (failure === undefined) {
        try {
          builder.add(entry, { line: entryLine });
        } catch (err) {
          failure = err;
        }
      }
      entry = undefined;
    } else if (parent === 'author' && name === 'name') {
      authors.push(buf);
    } else if (parent === 'entry') {
      entryField(entry, name, buf);
    }
    buf = '';
  });

  for await (const chunk of text) {
    parser.write(chunk);
    if (failure) throw failure;
  }
  parser.close();
  if (failure) throw failure;
};
