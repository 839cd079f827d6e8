import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { warnDefault } from '../errors.js';
import type { MimeBundle } from './types.js';

type DisplayWriter = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * The tslab releases whose internals the display below is known to work with: the 1.0 line, whose
 * `dist/jupyter.js` exports `lastWriteDisplayData` (tested with tslab@1.0.22, the newest, in
 * tests/notebook.test.ts). Another major version is not called into: a warning says why.
 */
export const TSLAB_SUPPORTED = { major: 1, minor: 0, tested: '1.0.22' } as const;

/** The version of the tslab package a `dist/jupyter.js` path belongs to, from its package.json. */
function tslabVersion(jupyterJs: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(jupyterJs), '..', 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'tslab' && typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The display function of the tslab kernel this process runs in, if any. tslab is not imported:
 * installed globally (its documented way) it is not resolvable from this package's directory, and a
 * second copy would not be connected to the kernel. The kernel's own copy is already in the module
 * cache, and its `jupyter` module holds the function that sends `display_data` messages, which
 * takes a whole MIME bundle at once (tslab's public `display.*` helpers send one type per message).
 * Only a tslab of the supported line (`TSLAB_SUPPORTED`) is called into.
 */
export function tslabWriter(warn: (message: string) => void = warnDefault): DisplayWriter | undefined {
  let cache: Record<string, { exports?: unknown } | undefined>;
  try {
    cache = createRequire(import.meta.url).cache;
  } catch {
    return undefined;
  }
  for (const [file, mod] of Object.entries(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/u.test(file)) continue;
    const version = tslabVersion(file);
    const [major, minor] = (version ?? '').split('.').map(Number);
    if (major !== TSLAB_SUPPORTED.major || minor !== TSLAB_SUPPORTED.minor) {
      warn(
        `tslab ${version ?? '(version unknown)'} is not a version paper-atlas displays in (tslab ${TSLAB_SUPPORTED.major}.${TSLAB_SUPPORTED.minor}.x, tested with ${TSLAB_SUPPORTED.tested}); write the map to a file instead: await map.write('map.html')`,
      );
      return undefined;
    }
    const writer = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer as DisplayWriter;
  }
  return undefined;
}

/**
 * Shows a MIME bundle in the notebook kernel running this code: Deno's (`Deno.jupyter.display`) or
 * tslab's (global or local install). Outside a notebook it does nothing. Returns nothing, so a cell
 * ending in `await map.display()` prints nothing else.
 */
export async function displayInNotebook(bundle: MimeBundle | Readonly<Record<string, unknown>>): Promise<void> {
  const deno = (globalThis as { Deno?: { jupyter?: { display?: (b: unknown, o?: unknown) => Promise<void> } } }).Deno;
  if (deno?.jupyter?.display) {
    await deno.jupyter.display(bundle, { raw: true });
    return;
  }
  tslabWriter()?.({ data: { ...bundle }, metadata: {}, transient: {} }, false);
}
