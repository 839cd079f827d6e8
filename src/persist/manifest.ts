import { z } from 'zod';
import type { LexicalModel } from '../embed/lexical.js';
import { checkModelId } from '../embed/hub.js';
import { MAX_REFERENCES } from '../corpus/corpus.js';
import { AtlasFileError } from '../errors.js';
import { jsonDepth, MAX_META_DEPTH } from '../io/json.js';
import { MIN_FIT_SAMPLE } from '../pipeline/options.js';
import type { StageName, StageSpec } from '../pipeline/stages.js';
import type { EmbedderInfo, KSelection, Paper, Theme, ThemeChanges } from '../types.js';

export const ATLAS_FORMAT = 'paper-atlas';
/** Version 2: stages recorded with their resolved options (version 1 saved only the caller's options). */
export const ATLAS_VERSION = 2;
export const MANIFEST = 'atlas.json';
/** Data files are content-addressed: `<stem>-<16 hex of sha256>.<ext>`. */
export const DATA_FILE = /^[a-z][a-z0-9]*-[0-9a-f]{16}\.[a-z0-9]+$/u;

export interface FileRef {
  name: string;
  bytes: number;
  sha256: string;
}

export type SavedStages = Record<StageName, StageSpec & { state?: Record<string, unknown> }>;

export interface Manifest {
  format: string;
  version: number;
  createdAt: string;
  source: string;
  seed: number;
  /** Absent in atlases saved before sampling existed: they were fitted on every paper. */
  fitSample?: number;
  engine: string;
  embedder: EmbedderInfo;
  dims: number;
  count: number;
  removed: number[];
  stages: SavedStages;
  kSelection: KSelection;
  warnings: string[];
  themes: Theme[];
  assignments: number[];
  coords: [number, number][];
  /** What the last refit changed (atlases saved before refits reported changes have none). */
  changes?: ThemeChanges;
  fittedPapers?: number;
  layoutCoords?: [number, number][];
  papers: string;
  vectors: string;
  lexical?: string;
  /** Every data file of this save, with its size and sha256. */
  files: FileRef[];
  /** The data files of the previous save, kept until the next one so a reader that began then still loads. */
  previous?: string[];
}

const int = z.number().int();
const count = int.min(0);
const text = (max: number) => z.string().max(max);
const fileName = z.string().regex(DATA_FILE);
const object = z.record(z.string(), z.unknown());
const stage = z.object({ id: text(200).min(1), name: text(200).optional(), options: object, state: object.optional() });

const MANIFEST_SCHEMA = z.object({
  format: z.literal(ATLAS_FORMAT),
  version: z.literal(ATLAS_VERSION),
  createdAt: text(100),
  source: text(10_000),
  seed: int.min(0),
  fitSample: int.min(MIN_FIT_SAMPLE).optional(),
  engine: text(200),
  embedder: z.object({
    id: text(500).min(1),
    dims: int.min(1).max(8192),
    kind: z.enum(['transformer', 'lexical', 'custom']),
    resolution: z
      .object({ model: text(200), source: z.enum(['directory', 'package', 'cache', 'hub']), path: text(10_000), tried: z.array(text(10_000)).max(100) })
      .optional(),
    settings: z.object({ pooling: z.literal('mean'), long: z.enum(['chunk', 'truncate']), maxTokens: int.min(8).max(512) }).optional(),
  }),
  dims: int.min(1).max(8192),
  count: int.min(1).max(100_000_000),
  removed: z.array(count),
  stages: z.object({ store: stage, reducer: stage, layout: stage, clusterer: stage, labeller: stage }),
  kSelection: z.object({ k: count, method: text(100), scores: z.array(z.object({ k: count, silhouette: z.number(), inertia: z.number() })).max(100_000) }),
  warnings: z.array(text(100_000)).max(10_000),
  themes: z.array(
    z.object({
      id: count,
      label: text(1000),
      keywords: z.array(text(1000)).max(1000),
      size: count,
      paperIds: z.array(z.string()),
      representative: z.array(z.string()).max(1000),
      parts: z
        .array(z.object({ label: text(1000), keywords: z.array(text(1000)).max(1000), size: count, paperIds: z.array(z.string()) }))
        .max(1000)
        .optional(),
      edited: z
        .object({ label: z.literal(true).optional(), merged: z.literal(true).optional() })
        .strict()
        .optional(),
    }),
  ),
  assignments: z.array(count),
  coords: z.array(z.tuple([z.number().finite(), z.number().finite()])),
  changes: z
    .object({
      kept: z.array(z.object({ id: count, from: count, label: text(1000), overlap: z.number().min(0).max(1) })).max(100_000),
      born: z.array(z.object({ id: count, label: text(1000), size: count, added: count })).max(100_000),
      dissolved: z.array(z.object({ id: count, label: text(1000), size: count })).max(100_000),
      split: z.array(z.object({ from: count, into: z.array(count).max(100_000) })).max(100_000),
      merged: z.array(z.object({ into: count, from: z.array(count).max(100_000) })).max(100_000),
      moved: z.array(z.object({ id: z.string(), from: count, to: count })).max(100_000_000),
      stayed: z.number().min(0).max(1),
      reapplied: z.object({ renamed: z.array(count).max(100_000), merged: z.array(count).max(100_000) }),
    })
    .optional(),
  fittedPapers: count.optional(),
  layoutCoords: z.array(z.tuple([z.number().finite(), z.number().finite()])).optional(),
  papers: fileName,
  vectors: fileName,
  lexical: fileName.optional(),
  files: z.array(z.object({ name: fileName, bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/u) })),
  previous: z.array(fileName).optional(),
});

function where(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./u, '') || '(top level)'
  );
}

/**
 * Checks a parsed manifest's every field for type and shape, and the fields against each other,
 * before anything uses it. Throws an AtlasFileError naming the file and the field.
 */
export function checkManifest(raw: unknown, file: string): Manifest {
  const head = raw as { format?: unknown; version?: unknown } | null;
  if (!head || typeof head !== 'object' || head.format !== ATLAS_FORMAT) throw new AtlasFileError(file, 'is not a paper-atlas manifest');
  if (head.version !== ATLAS_VERSION) {
    throw new AtlasFileError(
      file,
      `is format version ${JSON.stringify(head.version)}; this paper-atlas reads version ${ATLAS_VERSION}: rebuild the atlas (\`paper-atlas build\`; cached embeddings make it quick)`,
    );
  }
  const parsed = MANIFEST_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AtlasFileError(file, `field "${where(issue.path)}": ${issue.message}`);
  }
  // The raw object, not zod's copy: JSON.parse keeps a "__proto__" key as plain data, a copy might not.
  const m = raw as Manifest;
  const bad = (field: string, problem: string): never => {
    throw new AtlasFileError(file, `field "${field}": ${problem}`);
  };
  if (m.embedder.dims !== m.dims) bad('embedder.dims', `is ${m.embedder.dims}, but dims is ${m.dims}`);
  if (m.embedder.resolution) {
    try {
      checkModelId(m.embedder.resolution.model);
    } catch {
      bad('embedder.resolution.model', `${JSON.stringify(m.embedder.resolution.model)} is not a model id of the form org/name`);
    }
  }
  if (m.assignments.length !== m.count) bad('assignments', `has ${m.assignments.length} entries for ${m.count} papers`);
  if (m.coords.length !== m.count) bad('coords', `has ${m.coords.length} entries for ${m.count} papers`);
  m.removed.forEach((r, i) => {
    if (r >= m.count) bad(`removed[${i}]`, `row ${r} is past the last paper`);
    if (i > 0 && r <= m.removed[i - 1]!) bad(`removed[${i}]`, 'rows must be ascending and unique');
  });
  if (m.fittedPapers !== undefined && m.fittedPapers > m.count) bad('fittedPapers', `is ${m.fittedPapers}, more than the ${m.count} papers`);
  if (m.layoutCoords && m.layoutCoords.length !== m.fittedPapers)
    bad('layoutCoords', `has ${m.layoutCoords.length} rows for ${m.fittedPapers ?? 'no'} fitted papers`);
  m.themes.forEach((t, i) => {
    if (t.id !== i) bad(`themes[${i}].id`, `is ${t.id}, expected ${i}`);
    if (t.size !== t.paperIds.length) bad(`themes[${i}].size`, `is ${t.size}, but the theme lists ${t.paperIds.length} papers`);
  });
  m.assignments.forEach((a, i) => {
    if (a >= m.themes.length) bad(`assignments[${i}]`, `names theme ${a}; there are ${m.themes.length}`);
  });
  const names = new Set<string>();
  for (const f of m.files) {
    if (names.has(f.name)) bad('files', `lists ${f.name} twice`);
    names.add(f.name);
  }
  for (const [field, name] of [
    ['papers', m.papers],
    ['vectors', m.vectors],
    ['lexical', m.lexical],
  ] as const) {
    if (name !== undefined && !names.has(name)) bad(field, `names ${name}, which files does not list`);
  }
  return m;
}

/** Checks every paper of a saved atlas: shape, unique ids, `meta` a plain object no deeper than allowed. */
export function checkPapers(values: unknown[], file: string): Paper[] {
  const ids = new Set<string>();
  values.forEach((v, i) => {
    const at = `line ${i + 1}`;
    const bad = (problem: string): never => {
      throw new AtlasFileError(file, `${at}: ${problem}`);
    };
    if (!v || typeof v !== 'object' || Array.isArray(v)) bad('is not a paper object');
    const p = v as Record<string, unknown>;
    if (typeof p.id !== 'string' || !p.id || p.id.length > 1000) bad('field "id" must be a non-empty string');
    if (ids.has(p.id as string)) bad(`duplicate id ${JSON.stringify(p.id)}`);
    ids.add(p.id as string);
    if (typeof p.title !== 'string') bad('field "title" must be text');
    if (typeof p.abstract !== 'string') bad('field "abstract" must be text');
    if (p.url !== undefined && typeof p.url !== 'string') bad('field "url" must be text');
    if (p.year !== undefined && !Number.isInteger(p.year)) bad('field "year" must be an integer');
    if (p.authors !== undefined && !(Array.isArray(p.authors) && p.authors.every((a) => typeof a === 'string'))) bad('field "authors" must be a list of names');
    // Optional since references were read (atlases saved before have none).
    if (
      p.references !== undefined &&
      !(Array.isArray(p.references) && p.references.length <= MAX_REFERENCES && p.references.every((r) => typeof r === 'string'))
    )
      bad(`field "references" must be a list of at most ${MAX_REFERENCES} ids`);
    if (p.citedByCount !== undefined && !(Number.isSafeInteger(p.citedByCount) && (p.citedByCount as number) >= 0)) bad('field "citedByCount" must be a count');
    if (p.meta !== undefined) {
      if (!p.meta || typeof p.meta !== 'object' || Array.isArray(p.meta)) bad('field "meta" must be an object');
      if (jsonDepth(p.meta) > MAX_META_DEPTH) bad(`field "meta" is nested deeper than ${MAX_META_DEPTH} levels`);
    }
  });
  return values as Paper[];
}

/** Checks the saved themes against the papers: each live paper in exactly its assigned theme. */
export function checkThemes(m: Manifest, papers: readonly Paper[], file: string): void {
  const removed = new Set(m.removed);
  const members = m.themes.map(() => new Set<string>());
  papers.forEach((p, i) => {
    if (!removed.has(i)) members[m.assignments[i]!]!.add(p.id);
  });
  m.themes.forEach((t, i) => {
    const listed = new Set(t.paperIds);
    if (listed.size !== t.paperIds.length || listed.size !== members[i]!.size || [...listed].some((id) => !members[i]!.has(id))) {
      throw new AtlasFileError(file, `field "themes[${i}].paperIds": does not match the papers assigned to theme ${i}`);
    }
    if (t.representative.some((id) => !listed.has(id))) throw new AtlasFileError(file, `field "themes[${i}].representative": names a paper outside the theme`);
    // Parts: each a group of the theme's own papers, no paper in two.
    const inPart = new Set<string>();
    t.parts?.forEach((q, j) => {
      if (q.size !== q.paperIds.length)
        throw new AtlasFileError(file, `field "themes[${i}].parts[${j}].size": is ${q.size}, but the part lists ${q.paperIds.length} papers`);
      for (const id of q.paperIds) {
        if (!listed.has(id) || inPart.has(id))
          throw new AtlasFileError(file, `field "themes[${i}].parts[${j}].paperIds": names a paper outside the theme or in another part`);
        inPart.add(id);
      }
    });
  });
}

/** Checks a saved lexical embedder before it is used to embed anything. */
export function checkLexicalModel(raw: unknown, file: string): LexicalModel {
  const m = raw as LexicalModel;
  const ok =
    m &&
    Array.isArray(m.terms) &&
    m.terms.every((t) => typeof t === 'string') &&
    Array.isArray(m.idf) &&
    m.idf.length === m.terms.length &&
    m.idf.every(Number.isFinite) &&
    Number.isInteger(m.dims) &&
    m.dims >= 1 &&
    m.dims <= 8192 &&
    Array.isArray(m.components) &&
    m.components.length === m.terms.length * m.dims &&
    m.components.every(Number.isFinite);
  if (!ok) throw new AtlasFileError(file, 'is not a valid lexical embedder (terms, idf, dims, components)');
  return m;
}
