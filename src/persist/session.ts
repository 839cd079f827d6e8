import { isEmbedder } from '../embed/create.js';
import { LexicalEmbedder } from '../embed/lexical.js';
import { resolveModel } from '../embed/transformers.js';
import { checkOptionsObject, ModelError, warnDefault } from '../errors.js';
import { LOAD_OPTION_KEYS, type LoadOptions } from '../pipeline/options.js';
import type { Session } from '../pipeline/run.js';
import { readAtlas } from './atlas-file.js';

const modelInstalled = (): Promise<boolean> =>
  resolveModel({ offline: true }).then(
    () => true,
    () => false,
  );

/**
 * A saved atlas as a session: every file verified by `readAtlas`; a given embedder must be the one
 * the atlas was built with; an atlas built with the lexical fallback says so when a model is now
 * installed.
 */
export async function loadSession(dir: string, opts: LoadOptions = {}): Promise<Session> {
  checkOptionsObject('options', opts, LOAD_OPTION_KEYS);
  const { state, store } = await readAtlas(dir, opts.stages);
  const embedder = state.lexicalModel ? LexicalEmbedder.fromJSON(state.lexicalModel) : isEmbedder(opts.embedder) ? opts.embedder : undefined;
  if (embedder && embedder.id !== state.embedder.id) {
    store.dispose?.();
    throw new ModelError(`atlas in ${dir} was built with ${state.embedder.id}, but the given embedder is ${embedder.id}`);
  }
  const warn = opts.onWarning ?? warnDefault;
  if (state.embedder.kind === 'lexical' && (await modelInstalled())) {
    warn(
      `this atlas was built with the lexical fallback embedder; a transformer model is installed now: rebuild it (Atlas.build or \`paper-atlas build\`) for related papers and themes by meaning`,
    );
  }
  return { state, store, embedder, labelEmbedder: undefined, layoutModel: undefined, warn };
}
