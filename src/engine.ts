/**
 * The JavaScript engine this process runs on, as a saved atlas records it: same input, seed and
 * engine version give byte-identical atlases; another engine (Deno's newer V8, Bun) computes the
 * last digits of `Math.exp`/`Math.pow` differently, which UMAP amplifies into other coordinates.
 */
export function engineId(): string {
  const deno = (globalThis as { Deno?: { version?: { deno?: string; v8?: string } } }).Deno;
  if (deno?.version?.deno) return `deno ${deno.version.deno} (v8 ${deno.version.v8 ?? '?'})`;
  const versions = process.versions as NodeJS.ProcessVersions & { bun?: string };
  if (versions.bun) return `bun ${versions.bun}`;
  return `node ${versions.node} (v8 ${versions.v8})`;
}
