import { Readable } from 'node:stream';
import StreamJson from 'stream-json';
import Pick from 'stream-json/filters/Pick.js';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import { CorpusError } from '../../errors.js';
import { splitLines } from '../decode.js';
import { detectShape, LIST_KEYS, ShapeError, toRecord, type RecordShape } from '../shapes.js';
import { runPipeline, type Reader, type ReaderContext } from './reader.js';

/**
 * Adds each record to the builder mapped to paper fields by its shape (the first record decides
 * when the format does not); one its shape cannot map is reported as malformed, with its line.
 */
function shaper(ctx: ReaderContext): (record: unknown, line?: number) => void {
  let shape: RecordShape | undefined = ctx.shape;
  return (record, line) => {
    shape ??= detectShape(record);
    let mapped: unknown;
    try {
      mapped = toRecord(record, shape);
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      ctx.builder.malformed({ source: ctx.source, ...(line === undefined ? {} : { line }) }, err.message);
      return;
    }
    ctx.builder.add(mapped, line === undefined ? {} : { line });
  };
}

/** A wrapper object (an API response) holding a list of records, e.g. `{ "meta": ..., "results": [...] }`. */
function wrappedList(value: unknown): unknown[] | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value) || 'title' in value) return undefined;
  for (const key of LIST_KEYS) {
    const list = (value as Record<string, unknown>)[key];
    if (Array.isArray(list)) return list;
  }
  return undefined;
}

/** One JSON value per line; a line holding an API response contributes its list of records. */
export const readJsonl: Reader = async (text, ctx) => {
  const { source } = ctx;
  const shape = shaper(ctx);
  for await (const { text: raw, line } of splitLines(text, source)) {
    if (!raw.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new CorpusError({ source, line }, `invalid JSON: ${(err as Error).message}`, { cause: err });
    }
    for (const record of wrappedList(value) ?? [value]) shape(record, line);
  }
};

/**
 * A JSON array of records, or an object holding one under `jsonKey` (by default the first of
 * `results`, `data`, `items`, `papers`, `records`: the wrappers of API responses and exports).
 * Streamed: memory holds one record at a time.
 */
export const readJson: Reader = async (text, ctx) => {
  const { source, jsonKey } = ctx;
  const shape = shaper(ctx);
  const chunks = text[Symbol.asyncIterator]();
  const head = await chunks.next();
  const top = head.done ? undefined : head.value.trimStart()[0];
  let line = 1;
  async function* counted(): AsyncGenerator<string> {
    for (let next = head; !next.done; next = await chunks.next()) {
      const chunk = next.value;
      yield chunk;
      // Counted after the parser consumed the chunk, so an error reports the line the chunk began on.
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) line++;
    }
  }
  const wanted = (key: unknown): boolean => (jsonKey !== undefined ? key === jsonKey : (LIST_KEYS as readonly unknown[]).includes(key));
  const stages: unknown[] = [Readable.from(counted()), StreamJson.parser()];
  // An array at the top is the list; an object holds it under a key.
  if (top !== '[' || jsonKey !== undefined)
    stages.push(Pick.pick({ filter: (stack: readonly unknown[]) => stack.length === 1 && wanted(stack[0]), once: true }));
  stages.push(StreamArray.streamArray());
  let count = 0;
  try {
    await runPipeline(stages, (item) => {
      count++;
      shape((item as { value: unknown }).value);
    });
  } catch (err) {
    if (err instanceof CorpusError) throw err;
    const msg = (err as Error).message ?? String(err);
    if (/Top-level object should be an array/iu.test(msg))
      throw new CorpusError({ source, line }, listHint(jsonKey), { cause: err, hint: { option: 'jsonKey' } });
    throw new CorpusError({ source, line }, `invalid JSON near line ${line}: ${msg}`, { cause: err });
  }
  if (count === 0 && top === '{') throw new CorpusError({ source }, listHint(jsonKey), { hint: { option: 'jsonKey' } });
};

function listHint(jsonKey: string | undefined): string {
  return jsonKey !== undefined
    ? `holds no list of papers under "${jsonKey}"`
    : `expected a JSON array of papers, or an object holding one under ${LIST_KEYS.join(', ')} (or another key you name)`;
}
