/**
 * `npm run bench [-- --quick] [names...]`: runs the benchmarks one after another, each in its own
 * process, then writes bench/results/summary(.quick).md from their JSON results.
 * `--summary`: runs nothing, only rewrites the summary from the results on disk.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../src/io/atomic.js';
import { QUICK, RESULTS, ROOT, type BenchResult } from './lib.js';

const ALL = [
  'embed',
  'index',
  'kmeans',
  'umap',
  'layout',
  'themes',
  'quality',
  'stability',
  'citations',
  'e2e',
  'scaling',
  'scale',
  'scale-themes',
  'parquet',
  'persist',
  'map',
  'ray',
];
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const names = process.argv.includes('--summary') ? [] : chosen.length ? chosen : ALL;
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
for (const name of names) {
  console.error(`\n### bench/${name}.ts${QUICK ? ' --quick' : ''}`);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, `bench/${name}.ts`), ...(QUICK ? ['--quick'] : [])], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    });
    process.stdout.write(stdout);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string; signal?: string | null };
    if (e.stdout) process.stdout.write(e.stdout);
    const how = e.signal ? `killed by ${e.signal}` : typeof e.code === 'number' ? `exit code ${e.code}` : String(e.code ?? err);
    // The last lines of its stderr, repeated at the very end, where a log's tail shows them.
    const tail = (e.stderr ?? String(err)).trimEnd().split('\n').slice(-25).join('\n');
    failed.push(`bench/${name}.ts failed (${how}):\n${tail}`);
    console.error(failed.at(-1));
  }
}

const lines = [`# Benchmark results${QUICK ? ' (quick smoke pass)' : ''}`, ''];
// The summary covers every result on disk, so re-running one benchmark keeps the others' rows.
for (const name of ALL) {
  let r: BenchResult;
  try {
    r = JSON.parse(await readFile(join(RESULTS, `${name}${QUICK ? '.quick' : ''}.json`), 'utf8')) as BenchResult;
  } catch {
    continue;
  }
  lines.push(`## ${name}`, '', `${r.date}, ${r.machine.cpus} × ${r.machine.model}, Node ${r.machine.node}`, '');
  const cols = [...new Set(r.rows.flatMap((row) => Object.keys(row)))];
  lines.push(`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`);
  for (const row of r.rows) lines.push(`| ${cols.map((c) => String(row[c] ?? '')).join(' | ')} |`);
  lines.push('', ...Object.entries(r.ratios).map(([k, v]) => `- **${k}**: ${v}`), ...r.notes.map((n) => `- ${n}`), '');
}
await writeFileAtomic(join(RESULTS, `summary${QUICK ? '.quick' : ''}.md`), `${lines.join('\n')}\n`);
console.error(`\nwrote ${join(RESULTS, `summary${QUICK ? '.quick' : ''}.md`)}`);
// Benchmarks report; they never fail on timing. A benchmark that crashed is an error, though.
if (failed.length) console.error(`\n${failed.length} benchmark(s) failed:\n\n${failed.join('\n\n')}`);
process.exitCode = failed.length ? 1 : 0;
