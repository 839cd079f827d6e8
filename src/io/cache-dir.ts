import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where paper-atlas keeps models and embedding caches: `$PAPER_ATLAS_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/paper-atlas`, else `~/.cache/paper-atlas`.
 */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.PAPER_ATLAS_CACHE_DIR) return env.PAPER_ATLAS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'paper-atlas');
}
