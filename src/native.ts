import { DependencyError } from './errors.js';

const FIXES: Record<string, string> = {
  'hnswlib-node':
    'it compiles at install time and needs python3, make and a C++ compiler (Debian/Ubuntu: `apt-get install python3 make g++`, macOS: `xcode-select --install`); then run `npm rebuild hnswlib-node`',
  'onnxruntime-node':
    'reinstall it (`npm rebuild onnxruntime-node`, or `npm install` again); it ships prebuilt binaries for Linux, macOS and Windows on x64 and arm64',
  '@resvg/resvg-js':
    'PNG export needs the optional dependencies @resvg/resvg-js (prebuilt for Linux, macOS and Windows) and @expo-google-fonts/inter (the bundled font); they install with paper-atlas unless optional dependencies are omitted: `npm install @resvg/resvg-js @expo-google-fonts/inter`',
  '@lancedb/lancedb':
    'the Lance store needs the optional peer dependencies @lancedb/lancedb and apache-arrow (prebuilt for Linux, macOS and Windows): `npm install @lancedb/lancedb@0.31.0 apache-arrow@18.1.0`',
};

const loaded = new Map<string, Promise<unknown>>();

/**
 * Imports a native dependency on first use, so that importing paper-atlas and reading corpora work
 * on a machine where the binary is missing; the first call that needs it gets a DependencyError
 * naming the fix instead of "Could not locate the bindings file".
 */
export function loadNative<T>(name: 'hnswlib-node' | 'onnxruntime-node' | '@resvg/resvg-js' | '@lancedb/lancedb', load: () => Promise<T>): Promise<T> {
  let p = loaded.get(name) as Promise<T> | undefined;
  if (!p) {
    p = load().catch((err: unknown) => {
      loaded.delete(name);
      throw new DependencyError(name, `could not be loaded (${String((err as Error).message ?? err).split('\n')[0]}); ${FIXES[name]}`, { cause: err });
    });
    loaded.set(name, p);
  }
  return p;
}
