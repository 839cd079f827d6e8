import { ModelError, OptionError } from '../errors.js';
import type { EmbedderInfo } from '../types.js';
import type { Embedder } from './embedder.js';
import { LexicalEmbedder } from './lexical.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers.js';

/** The embedder option of a build: an instance, or options for the default transformer. */
export type EmbedderOption = Embedder | (TransformersEmbedderOptions & { fallback?: boolean });

export function isEmbedder(x: unknown): x is Embedder {
  return typeof x === 'object' && x !== null && typeof (x as Embedder).embed === 'function';
}

function checkInstance(e: Embedder): Embedder {
  if (typeof e.id !== 'string' || !e.id) throw new OptionError('embedder', 'an Embedder needs a non-empty string id');
  if (!Number.isInteger(e.dims) || e.dims < 1) throw new OptionError('embedder', `embedder "${e.id}" has dims ${e.dims}, expected a positive integer`);
  return e;
}

/**
 * The embedder of a build: the one given, else the default transformer, else (with a warning, and
 * unless `fallback: false`) the lexical TF-IDF + SVD embedder fitted on the corpus's texts.
 */
export async function createEmbedder(
  given: EmbedderOption | undefined,
  texts: readonly string[],
  warn: (m: string) => void,
): Promise<{ embedder: Embedder; info: EmbedderInfo }> {
  if (given !== undefined && (typeof given !== 'object' || given === null)) throw new OptionError('embedder', 'must be an Embedder or transformer options');
  if (given && isEmbedder(given)) {
    const e = checkInstance(given);
    return { embedder: e, info: { id: e.id, dims: e.dims, kind: e instanceof LexicalEmbedder ? 'lexical' : 'custom' } };
  }
  const { fallback, ...options } = (given ?? {}) as TransformersEmbedderOptions & { fallback?: boolean };
  try {
    const t = await TransformersEmbedder.create(options);
    return { embedder: t, info: { id: t.id, dims: t.dims, kind: 'transformer', resolution: t.resolution, settings: t.settings } };
  } catch (err) {
    if (!(err instanceof ModelError) || fallback === false) throw err;
    const lex = LexicalEmbedder.fit(texts);
    warn(
      `no transformer model could be loaded, so paper-atlas uses the lexical TF-IDF+SVD embedder (${lex.id}): ` +
        `related papers and themes follow shared words, not meaning.\n${err.message}`,
    );
    return { embedder: lex, info: { id: lex.id, dims: lex.dims, kind: 'lexical' } };
  }
}

/**
 * `restoreEmbedder` made once: calls that race for it share one restore (one model session), and
 * one that fails lets the next call try again.
 */
export function embedderRestorer(saved: () => EmbedderInfo, given: TransformersEmbedderOptions | undefined): () => Promise<Embedder> {
  let pending: Promise<Embedder> | undefined;
  return () =>
    (pending ??= restoreEmbedder(saved(), given).catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}

/**
 * The embedder a saved atlas needs to embed queries and added papers: the same model, settings and
 * weights it was built with (checked by id), found through the normal model search.
 */
export async function restoreEmbedder(saved: EmbedderInfo, given: TransformersEmbedderOptions | undefined): Promise<Embedder> {
  if (saved.kind !== 'transformer') {
    throw new ModelError(`this atlas was built with the ${saved.kind} embedder ${saved.id}; pass it again: Atlas.load(dir, { embedder })`);
  }
  const opts: TransformersEmbedderOptions = { ...(given ?? {}) };
  if (saved.resolution?.model) opts.model = saved.resolution.model;
  if (saved.settings) {
    opts.long = saved.settings.long;
    opts.maxTokens = saved.settings.maxTokens;
  }
  const embedder = await TransformersEmbedder.create(opts);
  if (embedder.id !== saved.id) {
    await embedder.dispose();
    throw new ModelError(
      `this atlas was built with ${saved.id}; the model found now is ${embedder.id}. Rebuild the atlas or point modelDir at the original model.`,
    );
  }
  return embedder;
}
