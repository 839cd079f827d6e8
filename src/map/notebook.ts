import { createRequire } from 'node:module';
import type { MimeBundle } from './types.js';

type DisplayWriter = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * The display function of the tslab kernel this process runs in, if any. tslab is not imported:
 * installed globally (its documented way) it is not resolvable from this package's directory, and a
 * second copy would not be connected to the kernel. The kernel's own copy is already in the module
 * cache, and its `jupyter` module holds the function that sends `display_data` messages, which
 * takes a whole MIME bundle at once (tslab's public `display.*` helpers send one type per message).
 */
function tslabWriter(): DisplayWriter | undefined {
  let cache: Record<string, { exports?: unknown } | undefined>;
  try {
    cache = createRequire(import.meta.url).cache;
  } catch {
    return undefined;
  }
  for (const [file, mod] of Object.entries(cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/u.test(file)) continue;
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
