import { pipeline } from 'node:stream/promises';
import { CorpusError } from '../../errors.js';
import type { InputLocation } from '../../errors.js';
import type { RecordShape } from '../shapes.js';

/** Where a reader puts records: a CorpusBuilder, or a collector (the fetchers check a page whole first). */
export interface RecordSink {
  add(record: unknown, where?: { line?: number }): unknown;
  malformed(loc: InputLocation, problem: string): void;
}

/** What every reader gets besides the text. */
export interface ReaderContext {
  builder: RecordSink;
  source: string;
  /** For JSON: the key a list of papers sits under. */
  jsonKey?: string | undefined;
  /** For JSON sources: the record shape, when the format fixes it (else the first record decides). */
  shape?: RecordShape | undefined;
  /** For BibTeX: the longest entry read, macros expanded (default `DEFAULT_MAX_ENTRY_CHARS`). */
  maxEntryChars?: number | undefined;
  /** For Atom: the text of a feed-level element outside any entry (`totalresults`, by local name). */
  onFeedField?: ((name: string, text: string) => void) | undefined;
}

/** Reads decoded text chunks into the builder, one record at a time. */
export type Reader = (text: AsyncIterable<string>, ctx: ReaderContext) => Promise<void>;

/**
 * Runs a parsing pipeline whose last stage feeds records to the builder. A record the builder
 * rejects is rethrown as itself: left to `pipeline`, it would surface as a bare AbortError.
 */
export async function runPipeline(stages: unknown[], add: (item: unknown) => void): Promise<void> {
  let rejected: CorpusError | undefined;
  const sink = async (items: AsyncIterable<unknown>): Promise<void> => {
    try {
      for await (const item of items) add(item);
    } catch (err) {
      if (err instanceof CorpusError) rejected = err;
      throw err;
    }
  };
  try {
    await (pipeline as (...args: unknown[]) => Promise<void>)(...stages, sink);
  } catch (err) {
    throw rejected ?? err;
  }
}
