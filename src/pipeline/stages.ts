import { GivenThemes } from '../cluster/given.js';
import type { Clusterer } from '../cluster/clusterer.js';
import { KMeansClusterer, type KMeansOptions } from '../cluster/kmeans.js';
import { OptionError, StageError } from '../errors.js';
import { CTfidfStep } from '../label/ctfidf.js';
import { DefaultLabeller, type LabelOptions } from '../label/default.js';
import { ChainLabeller, type Labeller, type LabelStep } from '../label/labeller.js';
import { AcronymStep, GenericPhraseFilter, MmrStep, PhraseLabelStep, UniqueLabelStep } from '../label/steps.js';
import { IdentityReducer } from '../reduce/identity.js';
import type { Reducer } from '../reduce/reducer.js';
import { DEFAULT_LAYOUT_OPTIONS, DEFAULT_REDUCER_OPTIONS, UmapReducer, type UmapOptions } from '../reduce/umap.js';
import { HnswStoreProvider, type HnswOptions } from '../store/hnsw.js';
import { LanceStoreProvider, type LanceOptions, type StorageOptions } from '../store/lance.js';
import type { VectorStoreProvider } from '../store/store.js';
import type { Json, JsonObject, Stage } from '../types.js';

/** The swappable stages of an atlas. */
export interface Stages {
  /** Vector store for related papers and search (default: in-memory HNSW). */
  store: VectorStoreProvider;
  /** The space themes are clustered in (default: 5-d UMAP). */
  reducer: Reducer;
  /** The 2-D map (default: 2-d UMAP); must return two coordinates per paper. */
  layout: Reducer;
  /** Themes (default: k-means, k chosen by silhouette). */
  clusterer: Clusterer;
  /** Theme names and keywords (default: c-TF-IDF → generic filter → MMR → acronyms → unique labels). */
  labeller: Labeller;
}

export type StageName = keyof Stages;
export const STAGE_NAMES: readonly StageName[] = ['store', 'reducer', 'layout', 'clusterer', 'labeller'];

/** Each stage as an instance, or the options of the built-in one. */
/** The in-memory HNSW store (the default), by its parameters. */
export type HnswStoreOptions = Partial<HnswOptions> & { kind?: 'hnsw' };
/** The LanceDB store: a table at `uri`; `storageOptions` (credentials) are passed through, never saved. */
export type LanceStoreOptions = Partial<LanceOptions> & { kind: 'lance'; uri: string; storageOptions?: StorageOptions };

export interface StageOptions {
  store?: VectorStoreProvider | HnswStoreOptions | LanceStoreOptions;
  reducer?: Reducer | Partial<UmapOptions>;
  layout?: Reducer | Partial<UmapOptions>;
  clusterer?: Clusterer | Partial<KMeansOptions>;
  labeller?: Labeller | Partial<LabelOptions>;
}

/** How a saved atlas records a stage: built-in ones by id and options, others as `custom`. */
export interface StageSpec {
  id: string;
  /** For `custom`: the stage's own id, checked when it is passed again. */
  name?: string;
  options: JsonObject;
}

const METHODS: Record<StageName, string[]> = {
  store: ['build', 'load'],
  reducer: ['fit'],
  layout: ['fit'],
  clusterer: ['cluster'],
  labeller: ['label'],
};

function isStageObject(x: unknown): x is Stage {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Stage).id === 'string' &&
    Object.values(METHODS)
      .flat()
      .some((m) => typeof (x as Record<string, unknown>)[m] === 'function')
  );
}

/** A stage instance passed by the caller: checked for the methods its slot needs. */
function checkInstance<T>(name: StageName, x: Stage): T {
  const missing = METHODS[name].filter((m) => typeof (x as unknown as Record<string, unknown>)[m] !== 'function');
  if (missing.length) throw new OptionError(name, `stage "${x.id}" lacks ${missing.map((m) => `${m}()`).join(', ')}`);
  if (!x.id.trim()) throw new OptionError(name, 'a stage needs a non-empty id');
  if (typeof x.options !== 'object' || x.options === null) throw new OptionError(name, `stage "${x.id}" needs an options object (plain JSON; {} if none)`);
  try {
    JSON.stringify(x.options);
  } catch {
    throw new OptionError(name, `stage "${x.id}" options must be plain JSON`);
  }
  return x as unknown as T;
}

function builtin(name: StageName, options: JsonObject): Stages[StageName] {
  switch (name) {
    case 'store': {
      const { kind, ...rest } = options as { kind?: unknown };
      if (kind === 'lance') return new LanceStoreProvider(rest as LanceStoreOptions);
      if (kind !== undefined && kind !== 'hnsw') throw new OptionError('store.kind', `must be 'hnsw' or 'lance', got ${JSON.stringify(kind)}`);
      return new HnswStoreProvider(rest as Partial<HnswOptions>);
    }
    case 'reducer':
      return new UmapReducer(options as Partial<UmapOptions>, DEFAULT_REDUCER_OPTIONS, 'reducer');
    case 'layout':
      return new UmapReducer(options as Partial<UmapOptions>, DEFAULT_LAYOUT_OPTIONS, 'layout');
    case 'clusterer':
      return new KMeansClusterer(options as Partial<KMeansOptions>);
    case 'labeller':
      return new DefaultLabeller(options as Partial<LabelOptions>);
  }
}

/** The id of the built-in stage that plain options configure, per slot. */
const PLAIN_ID: Record<StageName, string> = { store: 'hnsw', reducer: 'umap', layout: 'umap', clusterer: 'kmeans', labeller: 'default' };

/**
 * Stages from options: an instance is used as given (checked); plain options configure the built-in
 * stage, on top of `base`'s options when `base` has that same built-in stage (so a refit with
 * `{ clusterer: { k: 5 } }` keeps every other saved k-means setting).
 */
export function resolveStages(given: StageOptions = {}, base?: Stages): Stages {
  const out: Partial<Record<StageName, unknown>> = {};
  for (const name of STAGE_NAMES) {
    const value = given[name] as unknown;
    if (value === undefined) {
      out[name] = base?.[name] ?? builtin(name, {});
    } else if (isStageObject(value)) {
      out[name] = checkInstance(name, value);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const prior = base?.[name];
      const plainId = name === 'store' && (value as { kind?: unknown }).kind === 'lance' ? 'lance' : PLAIN_ID[name];
      const inherited =
        prior && isBuiltin(name, prior) && prior.id === plainId ? (plainId === 'lance' ? { kind: 'lance', ...prior.options } : prior.options) : {};
      out[name] = builtin(name, { ...inherited, ...(value as JsonObject) });
    } else {
      throw new OptionError(name, `must be a stage object or an options object, got ${JSON.stringify(value)}`);
    }
  }
  return out as unknown as Stages;
}

const STEP_CLASSES: Record<string, (o: JsonObject) => LabelStep> = {
  ctfidf: (o) => new CTfidfStep(o as unknown as ConstructorParameters<typeof CTfidfStep>[0]),
  'generic-filter': () => new GenericPhraseFilter(),
  mmr: (o) => new MmrStep(o as unknown as ConstructorParameters<typeof MmrStep>[0]),
  acronyms: () => new AcronymStep(),
  'unique-labels': () => new UniqueLabelStep(),
  'phrase-labels': (o) => new PhraseLabelStep(o as unknown as ConstructorParameters<typeof PhraseLabelStep>[0]),
};
const STEP_TYPES = [CTfidfStep, GenericPhraseFilter, MmrStep, AcronymStep, UniqueLabelStep, PhraseLabelStep];

/** Whether a stage is one paper-atlas can recreate from its id and options. */
export function isBuiltin(name: StageName, stage: Stage): boolean {
  switch (name) {
    case 'store':
      return stage instanceof HnswStoreProvider || stage instanceof LanceStoreProvider;
    case 'reducer':
    case 'layout':
      return stage instanceof UmapReducer || stage instanceof IdentityReducer;
    case 'clusterer':
      return stage instanceof KMeansClusterer || stage instanceof GivenThemes;
    case 'labeller':
      return (
        stage instanceof DefaultLabeller ||
        (stage instanceof ChainLabeller && stage.constructor === ChainLabeller && stage.steps.every((s) => STEP_TYPES.some((T) => s instanceof T)))
      );
  }
}

/** What a saved atlas records for each stage. */
export function describeStages(stages: Stages): Record<StageName, StageSpec> {
  const out = {} as Record<StageName, StageSpec>;
  for (const name of STAGE_NAMES) {
    const s = stages[name];
    const options = JSON.parse(JSON.stringify(s.options ?? {})) as JsonObject;
    out[name] = isBuiltin(name, s) ? { id: s.id, options } : { id: 'custom', name: s.id, options };
  }
  return out;
}

/** Recreates a built-in stage from its saved spec. */
function fromSpec(name: StageName, spec: StageSpec): Stages[StageName] {
  const o = spec.options;
  if (name === 'store' && spec.id === 'hnsw') return new HnswStoreProvider(o as Partial<HnswOptions>);
  if (name === 'store' && spec.id === 'lance') return new LanceStoreProvider(o as LanceStoreOptions);
  if ((name === 'reducer' || name === 'layout') && spec.id === 'umap') return builtin(name, o);
  if ((name === 'reducer' || name === 'layout') && spec.id === 'identity') return new IdentityReducer();
  // An atlas saved without `algorithm` was fitted with ml-kmeans, one without `refine` unrefined: a refit keeps both.
  if (name === 'clusterer' && spec.id === 'kmeans') return new KMeansClusterer({ algorithm: 'ml-kmeans', refine: false, ...(o as Partial<KMeansOptions>) });
  if (name === 'clusterer' && spec.id === 'given') return new GivenThemes(o as { themes: Record<string, string> });
  if (name === 'labeller' && spec.id === 'default') return new DefaultLabeller(o as Partial<LabelOptions>);
  if (name === 'labeller' && spec.id === 'chain') {
    const steps = (o.steps as Json[] | undefined) ?? [];
    return new ChainLabeller(
      steps.map((s) => {
        const step = s as { id?: unknown; options?: unknown };
        const make = typeof step.id === 'string' ? STEP_CLASSES[step.id] : undefined;
        if (!make) throw new StageError(`labeller chain`, `unknown step ${JSON.stringify(step.id)}`);
        return make((step.options ?? {}) as JsonObject);
      }),
    );
  }
  throw new StageError(name, `unknown built-in stage "${spec.id}"`);
}

/**
 * Stages of a saved atlas: built-in ones from their specs, custom ones from `passed` (whose id must
 * be the saved name). A custom stage that was not passed becomes a stand-in that throws a
 * StageError when used: everything else about the atlas still works.
 */
export function restoreStages(specs: Record<StageName, StageSpec>, passed: Partial<Stages> = {}): Stages {
  const out = {} as Record<StageName, unknown>;
  for (const name of STAGE_NAMES) {
    const spec = specs[name];
    const given = passed[name];
    if (spec.id === 'custom') {
      if (given) {
        const stage = checkInstance<Stages[StageName]>(name, given);
        if (stage.id !== spec.name) throw new StageError(name, `the atlas was built with custom stage "${spec.name}", but "${stage.id}" was passed`);
        out[name] = stage;
      } else {
        out[name] = missingStage(name, spec);
      }
    } else if (name === 'store' && spec.id === 'lance' && given instanceof LanceStoreProvider) {
      // The table's credentials (never saved), or its new place: the store checks it holds this atlas's vectors.
      out[name] = given;
    } else {
      if (given) throw new StageError(name, `the atlas was built with the built-in stage "${spec.id}"; pass options to refit() to change it`);
      out[name] = fromSpec(name, spec);
    }
  }
  return out as unknown as Stages;
}

function missingStage(name: StageName, spec: StageSpec): Stage {
  const fail = (): never => {
    throw new StageError(name, `this atlas was built with the custom stage "${spec.name}"; pass it again: Atlas.load(dir, { stages: { ${name}: ... } })`);
  };
  const stub: Record<string, unknown> = { id: spec.name ?? 'custom', options: spec.options, missing: true };
  for (const m of METHODS[name]) stub[m] = fail;
  return stub as unknown as Stage;
}
