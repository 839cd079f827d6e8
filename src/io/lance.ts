import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { loadNative } from '../native.js';
import { packRows } from '../vector.js';

export type Lance = typeof import('@lancedb/lancedb');
export type Arrow = typeof import('apache-arrow');

export interface LanceModules {
  lance: Lance;
  arrow: Arrow;
}

/**
 * LanceDB and the apache-arrow it uses, loaded on first use (both are optional peer dependencies).
 * LanceDB is a CommonJS package that checks `instanceof` against the apache-arrow it requires
 * itself; importing apache-arrow as ESM here would give a second copy whose tables it rejects. So
 * both come through require, apache-arrow resolved from LanceDB's own location.
 */
export function lanceModules(): Promise<LanceModules> {
  return loadNative('@lancedb/lancedb', async () => {
    const require = createRequire(import.meta.url);
    const lance = require('@lancedb/lancedb') as Lance;
    const arrow = createRequire(require.resolve('@lancedb/lancedb'))('apache-arrow') as Arrow;
    return { lance, arrow };
  });
}

/** Whether a table URI names object storage (`s3://`, `gs://`, …) rather than a local path. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//iu.test(uri);
}

/** A table URI as LanceDB takes it: object-store URIs as given, local paths made absolute. */
export function tableUri(uri: string): string {
  return isRemoteUri(uri) ? uri : resolve(uri);
}

/** A LanceDB error's first line, without the Rust source location it ends in (", /…/builder.rs:179:24 Caused by: …"). */
export function lanceMessage(err: unknown): string {
  return String((err as Error).message ?? err)
    .split('\n')[0]!
    .replace(/,\s*\/\S+\.rs:\d+:\d+.*$/u, '');
}

/** A fixed-size-list column of `type` holding `vectors` (one contiguous float32 buffer). */
export function vectorColumn(
  arrow: Arrow,
  type: import('apache-arrow').FixedSizeList,
  vectors: readonly Float32Array[],
): import('apache-arrow').Data<import('apache-arrow').FixedSizeList> {
  const values = arrow.makeData({ type: new arrow.Float32(), length: vectors.length * type.listSize, data: packRows(vectors, type.listSize) });
  return arrow.makeData({ type, length: vectors.length, child: values });
}
