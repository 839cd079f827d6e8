import { createRequire } from 'node:module';
import { loadNative } from '../native.js';

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

/** A table URI as LanceDB takes it: object-store URIs as given, local paths made absolute. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//iu.test(uri);
}
