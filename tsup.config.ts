import { buildSync } from 'esbuild';
import { resolve } from 'node:path';
import { defineConfig } from 'tsup';
import { checkInline, PAGE_BUILD, PAGE_ENTRY } from './src/map/page/build.js';

// The HTML map's page script (src/map/page/), bundled once and carried by the library as a string.
const pageScript = checkInline(buildSync({ ...PAGE_BUILD, entryPoints: [resolve('src/map/page', PAGE_ENTRY)] }).outputFiles[0]!.text);

export default defineConfig([
  {
    // The UMAP worker is its own entry: it is started with `new Worker(new URL('./umap-worker.js', ...))`.
    entry: { index: 'src/index.ts', 'umap-worker': 'src/reduce/umap-worker.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    // CJS consumers need import.meta.url (model and fixture paths) to keep working.
    shims: true,
    target: 'node20',
    // ESM-only helpers (d3's shapes; hyparquet, its decompressors and theirs, all pure JavaScript),
    // bundled so that require() consumers on Node 20 can load the CJS build.
    noExternal: ['d3-shape', 'd3-path', 'hyparquet', 'hyparquet-compressors', 'fzstd', 'hysnappy', 'linear-sum-assignment', 'ml-spectra-processing'],
    // Optional dependencies are loaded at run time when present (tsup bundles only what it must).
    external: ['@resvg/resvg-js', '@expo-google-fonts/inter'],
    define: { __PAPER_ATLAS_PAGE_SCRIPT__: JSON.stringify(pageScript) },
  },
  {
    // The CLI imports the library bundle at run time instead of carrying a second copy of it: every
    // import of src/index.ts (from src/cli/ and its commands) becomes `./index.js`, beside dist/cli.js.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    shims: true,
    target: 'node20',
    esbuildPlugins: [
      {
        name: 'cli-imports-the-library-bundle',
        setup(build) {
          const library = resolve('src/index.ts');
          build.onResolve({ filter: /(^|\/)index\.js$/ }, (args) =>
            resolve(args.resolveDir, args.path.replace(/\.js$/u, '.ts')) === library ? { path: './index.js', external: true } : undefined,
          );
        },
      },
    ],
    banner: { js: '#!/usr/bin/env node' },
    define: { __PAPER_ATLAS_PAGE_SCRIPT__: JSON.stringify(pageScript) },
  },
]);
