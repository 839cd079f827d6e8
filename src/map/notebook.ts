import type { MimeBundle } from './types.js';

/** Shows a MIME bundle in a Deno (`Deno.jupyter`) or tslab Jupyter kernel; does nothing elsewhere. */
export async function displayInNotebook(bundle: MimeBundle): Promise<MimeBundle> {
  const deno = (globalThis as { Deno?: { jupyter?: { display?: (b: unknown, o?: unknown) => Promise<void> } } }).Deno;
  if (deno?.jupyter?.display) {
    await deno.jupyter.display(bundle, { raw: true });
    return bundle;
  }
  try {
    // tslab is optional and only present inside its kernel; the indirection keeps bundlers from resolving it.
    const name = 'tslab';
    const tslab = (await import(name)) as { display: { html(s: string): void } };
    tslab.display.html(bundle['text/html']);
  } catch {
    // Outside a notebook there is nothing to show; the bundle is still returned.
  }
  return bundle;
}
