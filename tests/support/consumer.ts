import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './root.js';

const exec = promisify(execFile);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a consumer's command runs in: this one's, without a colour switch that CI
 * runners or a developer's shell may set (FORCE_COLOR makes Node colour console.log's numbers and
 * strings, which would reach the output the tests read).
 */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, ...rest } = process.env;
  return { ...rest, NO_COLOR: '1', ...extra };
}

/** Runs a command, never throwing: the test asserts on the exit code and output. */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: plainEnv(opts.env), maxBuffer: 64 << 20, timeout: opts.timeout ?? 600_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function must(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}) in ${opts.cwd}:\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

/** Packs the repository as `npm publish` would (prepack builds dist/); returns the tarball path. */
export async function packTarball(): Promise<string> {
  const dest = await mkdtemp(join(tmpdir(), 'paper-atlas-pack-'));
  // The prepack build shares stdout with npm's own output (coloured when FORCE_COLOR is set), so the
  // tarball is found in its fresh, otherwise empty destination rather than parsed from that stream.
  await exec('npm', ['pack', '--pack-destination', dest, '--silent'], { cwd: ROOT, maxBuffer: 64 << 20 });
  const tarballs = (await readdir(dest)).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${dest}`);
  return join(dest, tarballs[0]!);
}

/** npm's node-gyp (pnpm 12 ships none) and npm's configured header directory, for pnpm installs here. */
export async function pnpmEnv(): Promise<NodeJS.ProcessEnv> {
  const npmCli = (await exec('npm', ['prefix', '-g'])).stdout.trim();
  const gypBin = join(npmCli, 'lib/node_modules/npm/bin/node-gyp-bin');
  const nodedir = (await exec('npm', ['config', 'get', 'nodedir'])).stdout.trim();
  return { PATH: `${gypBin}:${process.env.PATH}`, ...(nodedir && nodedir !== 'undefined' && nodedir !== 'null' ? { npm_config_nodedir: nodedir } : {}) };
}

/** The fenced shell/yaml/js blocks of a README section, in order. */
export function readmeBlocks(readme: string, lang: string): string[] {
  return [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'gu'))].map((m) => m[1]!);
}

/** The README's runnable JavaScript examples: blocks whose first line is `// file: <name>.mjs`. */
export function readmeExamples(readme: string): { file: string; code: string }[] {
  return readmeBlocks(readme, 'js')
    .map((code) => ({ code, m: /^\/\/ file: (\S+\.mjs)\n/u.exec(code) }))
    .filter((b) => b.m)
    .map((b) => ({ file: b.m![1]!, code: b.code }));
}

/** A fresh project, installed from the tarball exactly as the README's Install section says. */
export async function npmConsumer(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-npm-'));
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const steps = readmeBlocks(readme, 'sh')[0]!
    .split('\n')
    .filter((l) => l.startsWith('npm '));
  for (const step of steps) {
    const args = step
      .split(/\s+/u)
      .slice(1)
      .map((a) => (a === 'paper-atlas' ? tarball : a));
    await must('npm', args, { cwd: dir });
  }
  return dir;
}

export async function pnpmConsumer(tarball: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paper-atlas-pnpm-'));
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const yaml = readmeBlocks(readme, 'yaml')[0]!;
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'pnpm-consumer', private: true }));
  await writeFile(join(dir, 'pnpm-workspace.yaml'), yaml);
  const pnpm = join(ROOT, 'node_modules/pnpm/bin/pnpm.mjs');
  await must(process.execPath, [pnpm, 'add', tarball], { cwd: dir, env: await pnpmEnv() });
  return dir;
}

/** Files in a directory tree, relative paths. */
export async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export async function writeIn(dir: string, file: string, content: string): Promise<string> {
  const path = join(dir, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}
