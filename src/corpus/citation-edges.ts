import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { CorpusError } from '../errors.js';
import { Corpus, MAX_REFERENCES, referenceId } from './corpus.js';
import { decodeStream, splitLines } from './decode.js';
import { normalizeText } from './text.js';

/** What `readCitationEdges` returns. */
export interface CitationEdges {
  /** The corpus, each paper's references extended by the edges it is the citing end of. */
  corpus: Corpus;
  /** Edge lines read. */
  edges: number;
  /** Citing ids the corpus does not hold (their edges are left out), at most 100 listed. */
  unknownCiting: string[];
  /** Edges whose citing id the corpus does not hold. */
  unknownEdges: number;
}

/** Longest line of an edge list: two ids and a tab. */
const MAX_EDGE_LINE = 4_096;

/**
 * References from an edge list beside a corpus: one citation per line, `citing<TAB>cited` (ids;
 * the cited end may be any reference id: a paper of the corpus, a DOI, an OpenAlex id), blank
 * lines and `#` comments skipped. Read as a stream; a line that is not two ids is refused with its
 * line number. Citing ids the corpus does not hold are counted and listed, never silently dropped.
 */
export async function readCitationEdges(corpus: Corpus, path: string): Promise<CitationEdges> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new CorpusError({ source: path }, `cannot be read (${err.code ?? err})`, { cause: err });
  });
  if (!info.isFile()) throw new CorpusError({ source: path }, 'is not a regular file');
  const added = new Map<string, string[]>();
  const unknown = new Set<string>();
  let unknownEdges = 0;
  let edges = 0;
  for await (const { text, line } of splitLines(decodeStream(createReadStream(path, { highWaterMark: 1 << 16 }), path), path)) {
    const raw = text.replace(/^\uFEFF/u, '').trim();
    if (!raw || raw.startsWith('#')) continue;
    if (raw.length > MAX_EDGE_LINE) throw new CorpusError({ source: path, line }, `is ${raw.length} characters long; an edge is two ids`);
    const parts = raw.split('\t');
    if (parts.length !== 2 || !parts[0]!.trim() || !parts[1]!.trim())
      throw new CorpusError({ source: path, line }, `must be "citing<TAB>cited", got ${JSON.stringify(raw.slice(0, 80))}`);
    edges++;
    const citing = normalizeText(parts[0]!);
    if (!corpus.get(citing)) {
      unknownEdges++;
      if (unknown.size < 100) unknown.add(citing);
      continue;
    }
    const list = added.get(citing) ?? [];
    if (list.length >= MAX_REFERENCES) throw new CorpusError({ source: path, line }, `gives paper "${citing}" more than ${MAX_REFERENCES} references`);
    list.push(referenceId(parts[1]!));
    added.set(citing, list);
  }
  const papers = corpus.papers.map((p) => {
    const more = added.get(p.id);
    if (!more) return p;
    const references = [...new Set([...(p.references ?? []), ...more])];
    if (references.length > MAX_REFERENCES) throw new CorpusError({ source: path }, `gives paper "${p.id}" more than ${MAX_REFERENCES} references`);
    return { ...p, references };
  });
  return { corpus: new Corpus(papers, corpus.source, corpus.warnings), edges, unknownCiting: [...unknown], unknownEdges };
}
