import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInline, PAGE_BUILD, PAGE_ENTRY } from './build.js';

/** The page script, bundled at build time: tsup.config.ts defines this constant. */
declare const __PAPER_ATLAS_PAGE_SCRIPT__: string | undefined;

let fromSource: string | undefined;

/**
 * The HTML map's script (`page/main.ts` and what it imports, bundled into one minified IIFE). The
 * published build carries it as a string made at build time; run from source (tsx, vitest), it is
 * bundled on first use with esbuild (a development dependency), with the build's own options.
 */
export function pageScript(): string {
  if (typeof __PAPER_ATLAS_PAGE_SCRIPT__ === 'string') return __PAPER_ATLAS_PAGE_SCRIPT__;
  if (fromSource === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const entry = join(dirname(fileURLToPath(import.meta.url)), PAGE_ENTRY);
    fromSource = checkInline(esbuild.buildSync({ ...PAGE_BUILD, entryPoints: [entry] }).outputFiles[0]!.text);
  }
  return fromSource;
}
