/** The CLI's shared flags and their parsers: one place for each flag's syntax and default. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { type CorpusFormat, type FieldNames, type MissingAbstractPolicy, type RankMode, type TransformersEmbedderOptions } from '../index.js';

export const DEFAULT_DIR = 'atlas';
export const ATLAS_OPTION = ['--atlas <dir>', 'saved atlas (default ./atlas, else the bundled corpus)'] as const;

export interface CommonOptions {
  json?: boolean;
  modelDir?: string;
  offline?: boolean;
}

export function version(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export const integer =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/u.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };

export const kOption = (v: string): number | 'auto' => (v === 'auto' ? 'auto' : integer('--k', 1)(v));

/** `2019-2023`, `2019-` or `-2023`, or one year. */
export const yearRange = (v: string): { from?: number; to?: number } => {
  const m = /^\s*(\d{1,4})?\s*(-)?\s*(\d{1,4})?\s*$/u.exec(v);
  if (!m || (!m[1] && !m[3])) throw new InvalidArgumentError(`--years must look like 2019-2023, 2019- or -2023, got "${v}"`);
  const from = m[1] ? Number(m[1]) : undefined;
  const to = m[2] ? (m[3] ? Number(m[3]) : undefined) : from;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
};

export interface FilterFlags {
  rank?: RankMode;
  years?: { from?: number; to?: number };
  theme?: number[];
}

export const FILTER_OPTIONS = {
  rank: [
    '--rank <mode>',
    'order: hybrid (embeddings, feedback, shared words and, where papers list references, citations; default for related), citations (links alone) or cosine (default for search)',
    (v: string) => {
      if (v !== 'hybrid' && v !== 'cosine' && v !== 'citations') throw new InvalidArgumentError(`--rank must be hybrid, citations or cosine, got "${v}"`);
      return v;
    },
  ] as const,
  years: ['--years <range>', 'only papers from these years (2019-2023, 2019-, -2023)', yearRange] as const,
  theme: ['--theme <id>', 'only papers in this theme (repeat for several)', (v: string, prev: number[] = []) => [...prev, integer('--theme', 0)(v)]] as const,
};

export const filters = (o: FilterFlags): { rank?: RankMode; years?: { from?: number; to?: number }; themes?: number[] } => ({
  ...(o.rank ? { rank: o.rank } : {}),
  ...(o.years ? { years: o.years } : {}),
  ...(o.theme ? { themes: o.theme } : {}),
});

export function embedderOptions(o: CommonOptions): TransformersEmbedderOptions {
  return { ...(o.modelDir ? { modelDir: o.modelDir } : {}), ...(o.offline ? { offline: true } : {}) };
}

export interface ReadOptions {
  format?: CorpusFormat;
  field?: FieldNames;
  jsonKey?: string;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
  missingAbstract?: MissingAbstractPolicy;
  max?: number;
  email?: string;
}

export const FIELD_NAMES = ['id', 'title', 'abstract', 'url', 'doi', 'year', 'authors', 'references', 'citedByCount'] as const;

/** `--field title=Title` (repeatable): the column or key holding a paper field. */
export function fieldOption(v: string, previous: FieldNames = {}): FieldNames {
  const m = /^([a-z]+)=(.+)$/u.exec(v);
  if (!m || !(FIELD_NAMES as readonly string[]).includes(m[1]!))
    throw new InvalidArgumentError(`--field takes <${FIELD_NAMES.join('|')}>=<column>, got "${v}"`);
  const key = m[1] as keyof FieldNames;
  const before = previous[key];
  return { ...previous, [key]: [...(before === undefined ? [] : Array.isArray(before) ? before : [before]), m[2]!] };
}

export type BuildOptions = CommonOptions &
  ReadOptions & { seed?: number; k?: number | 'auto'; cache?: boolean; fitSample?: number; lance?: string; vectors?: string; citations?: string };

/** The flags every command that reads or answers from an atlas has. */
export const common = (cmd: Command): Command =>
  cmd
    .option('--json', 'machine-readable JSON on stdout (errors too)')
    .option('--model-dir <dir>', 'local embedding model directory (Hugging Face layout)')
    .option('--offline', 'never use the network (also PAPER_ATLAS_OFFLINE=1)');
