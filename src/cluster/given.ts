import { OptionError, StageError } from '../errors.js';
import type { JsonObject } from '../types.js';
import type { ClusterContext, Clusterer, Clustering } from './clusterer.js';

/**
 * Themes the user already has (from a reference manager's collections, a labelled data set, ...):
 * paper id → theme name. Every paper must have one; labels are the given names and keywords are
 * still computed by the labeller.
 */
export class GivenThemes implements Clusterer {
  readonly id = 'given';
  readonly options: Readonly<{ themes: Record<string, string> } & JsonObject>;

  constructor(themes: Record<string, string> | ReadonlyMap<string, string> | { themes: Record<string, string> }) {
    const raw = themes instanceof Map ? Object.fromEntries(themes) : 'themes' in themes && typeof themes.themes === 'object' ? themes.themes : themes;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw new OptionError('clusterer', 'GivenThemes needs an object or Map of paper id → theme name');
    const clean: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [id, name] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof name !== 'string' || !name.trim()) throw new OptionError('clusterer', `GivenThemes: paper "${id}" has no theme name`);
      clean[id] = name.trim();
    }
    this.options = Object.freeze({ themes: { ...clean } });
  }

  async cluster(_points: readonly ArrayLike<number>[], ctx: ClusterContext): Promise<Clustering> {
    const themes = this.options.themes;
    const missing = ctx.ids.filter((id) => !Object.hasOwn(themes, id));
    if (missing.length) {
      throw new StageError(
        'clusterer given',
        `${missing.length} paper(s) have no given theme: ${missing
          .slice(0, 5)
          .map((m) => `"${m}"`)
          .join(', ')}${missing.length > 5 ? ', ...' : ''}`,
      );
    }
    const names: string[] = [];
    const byName = new Map<string, number>();
    const assignments = ctx.ids.map((id) => {
      const name = themes[id]!;
      let t = byName.get(name);
      if (t === undefined) {
        t = names.length;
        names.push(name);
        byName.set(name, t);
      }
      return t;
    });
    ctx.onProgress?.(1, 1);
    return { assignments, k: names.length, names };
  }
}
