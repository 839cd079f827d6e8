import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * A real headless Chromium for the map tests, found without downloading anything at test time:
 * a system Chromium when there is one (`PAPER_ATLAS_CHROMIUM`, then the usual paths), else the one
 * that ships inside the `@sparticuz/chromium` npm package (a devDependency), unpacked once.
 *
 * No security-disabling flags: Chromium's sandbox stays on. It refuses to run as root, so under root
 * (CI) the browser is started as the unprivileged user `nobody` (setpriv), with a profile directory
 * that user owns; pages are served to it from world-readable files.
 */

const SYSTEM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const NOBODY = 65534;
const isRoot = (): boolean => process.getuid?.() === 0;

/** The `@sparticuz/chromium` package directory (its exports map hides package.json). */
function packageRoot(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
}

function bundledVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where the npm package's Chromium is unpacked: world-readable, so `nobody` can run it. */
export function bundledDir(): string {
  return join(tmpdir(), `paper-atlas-chromium-${bundledVersion()}`);
}

export function systemChromium(): string | undefined {
  const given = process.env.PAPER_ATLAS_CHROMIUM;
  if (given) return given;
  return SYSTEM.find((p) => existsSync(p));
}

/**
 * Unpacks the npm package's Chromium (brotli-compressed binary, fonts, SwiftShader) into
 * `bundledDir()`, atomically: into a temporary directory first, renamed into place when complete.
 * Run once, from the global setup.
 */
export async function unpackBundledChromium(): Promise<string> {
  const dir = bundledDir();
  if (existsSync(join(dir, 'chromium'))) return dir;
  const tmp = await mkdtemp(`${dir}.tmp-`);
  const saved = process.env.TMPDIR;
  try {
    // The package unpacks into os.tmpdir(); point that at our directory for the duration.
    process.env.TMPDIR = tmp;
    const { inflate } = (await import('@sparticuz/chromium')) as unknown as { inflate: (file: string) => Promise<string> };
    const bin = join(packageRoot(), 'bin');
    await Promise.all(['chromium.br', 'fonts.tar.br', 'swiftshader.tar.br'].map((f) => inflate(join(bin, f))));
    await chmod(tmp, 0o755);
    await chmod(join(tmp, 'chromium'), 0o755);
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      if (!existsSync(join(dir, 'chromium'))) throw err; // another run won the race: use its copy
    });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Shared libraries the browser binary needs that this machine lacks (empty when it can run). */
export function missingLibraries(binary: string): string[] {
  try {
    const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
    return out
      .split('\n')
      .filter((l) => l.includes('not found'))
      .map((l) => l.trim().split(' ')[0]!);
  } catch {
    return [];
  }
}

export interface TestBrowser {
  /** Which browser runs: `system <path>` or `@sparticuz/chromium <version>`. */
  readonly description: string;
  /** Opens HTML in a new page (written to a file the browser user can read). */
  open(html: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const system = systemChromium();
  const dir = system ? undefined : await unpackBundledChromium();
  const binary = system ?? join(dir!, 'chromium');
  const missing = missingLibraries(binary);
  if (missing.length) {
    throw new Error(
      `the test browser (${binary}) needs shared libraries this machine lacks: ${missing.join(', ')} (Debian/Ubuntu: apt-get install libnss3 libnspr4 libexpat1)`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), 'paper-atlas-browser-'));
  await chmod(work, 0o755);
  const profile = join(work, 'profile');
  const pages = join(work, 'pages');
  await mkdir(profile);
  await mkdir(pages);
  await mkdir(join(work, 'fontconfig'));
  // Where the page's downloads land (the selection export): the browser's user must own it.
  const downloads = join(work, 'downloads');
  await mkdir(downloads);
  await chmod(pages, 0o755);
  // A font configuration of our own: the machine's fonts plus the Open Sans that ships with the
  // npm Chromium. Without any font Blink has no last-resort font and its renderer aborts.
  const fonts = join(work, 'fonts.conf');
  const fontDirs = ['/usr/share/fonts', '/usr/local/share/fonts', ...(dir ? [join(dir, 'fonts/fonts')] : [])];
  await writeFile(
    fonts,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n${fontDirs.map((d) => `  <dir>${d}</dir>\n`).join('')}  <cachedir>${join(work, 'fontconfig')}</cachedir>\n</fontconfig>\n`,
    { mode: 0o644 },
  );
  let executable = binary;
  const env = [`HOME=${work}`, `FONTCONFIG_FILE=${fonts}`];
  if (isRoot()) {
    await chown(profile, NOBODY, NOBODY);
    await chown(join(work, 'fontconfig'), NOBODY, NOBODY);
    await chown(downloads, NOBODY, NOBODY);
    executable = join(work, 'chromium-as-nobody.sh');
    await writeFile(executable, `#!/bin/sh\nexec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups env ${env.join(' ')} "${binary}" "$@"\n`, {
      mode: 0o755,
    });
  } else {
    executable = join(work, 'chromium.sh');
    await writeFile(executable, `#!/bin/sh\nexec env ${env.join(' ')} "${binary}" "$@"\n`, { mode: 0o755 });
  }
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    // Playwright turns the sandbox off unless asked: keep it on.
    chromiumSandbox: true,
    acceptDownloads: true,
    downloadsPath: downloads,
    // Only flags that keep a test machine quiet: no update checks, no background network.
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-gpu', '--font-render-hinting=none'],
  });
  let n = 0;
  return {
    description: system ? `system ${system}` : `@sparticuz/chromium ${bundledVersion()}`,
    async open(html, viewport = { width: 1400, height: 900 }) {
      const file = join(pages, `page-${n++}.html`);
      await writeFile(file, html, { mode: 0o644 });
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      await page.goto(`file://${file}`);
      return page;
    },
    async close() {
      await context.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
