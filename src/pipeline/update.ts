import { FENCE_MIN_MEMBERS, lowerFence } from '../cluster/outliers.js';
import type { BuildProgress, Paper, ThemeChanges } from '../types.js';
import { dot } from '../vector.js';
import type { Embedder } from '../embed/embedder.js';
import { checkOptionsObject, OptionError } from '../errors.js';
import { addToSession, type Session } from './run.js';
import type { AtlasState } from './state.js';

/**
 * When `update` refits by itself (`refit: 'auto'`): when at least `farShare` of the papers added
 * (and at least `minFar` of them) lie outside every theme, below the lower fence of the theme they
 * were put in; or when the library has grown by `growth` since the themes were fitted.
 */
export const DRIFT_RULE = { farShare: 0.2, minFar: 3, growth: 0.25 } as const;

export type RefitPolicy = 'auto' | 'always' | 'never';
export const REFIT_POLICIES: readonly RefitPolicy[] = ['auto', 'always', 'never'];

/** How far the papers added stray from the themes the atlas has. */
export interface Drift {
  /** Papers added by this update. */
  added: number;
  /** Of them, those below the lower fence (Q1 − 1.5·IQR of member similarities) of the theme they joined. */
  far: number;
  farShare: number;
  /** Papers added since the themes were fitted, over the papers they were fitted on. */
  growth: number;
}

export interface UpdateOptions {
  /** ['auto'] Refit when the drift calls for it (`DRIFT_RULE`), or always, or never. */
  refit?: RefitPolicy;
  /** ['error'] A record with the id or title of a paper the atlas holds: an error, or skipped (for re-reading a growing export). */
  onDuplicate?: 'error' | 'skip';
  signal?: AbortSignal;
  onProgress?: (p: BuildProgress) => void;
  onWarning?: (message: string) => void;
}

export interface UpdateReport {
  added: Paper[];
  drift: Drift;
  /** Whether this update refitted, and why (or why not). */
  refit: boolean;
  reason: string;
  /** The refit's change report. */
  changes?: ThemeChanges;
}

/**
 * The drift of the papers added (rows `from`.. of `after`), measured against the themes of
 * `before`: each added paper's similarity to the centroid of the theme it joined, against that
 * theme's lower fence over its members before. Themes of fewer than 8 members fence at their least
 * similar member.
 */
export function measureDrift(before: AtlasState, after: AtlasState, from: number): Drift {
  const removed = new Set(before.removed);
  const scores: number[][] = before.themes.map(() => []);
  before.assignments.forEach((t, i) => {
    if (!removed.has(i)) scores[t]?.push(dot(before.vectors[i]!, before.centroids[t]!));
  });
  const fences = scores.map((list) => (list.length >= FENCE_MIN_MEMBERS ? lowerFence(list) : list.length ? Math.min(...list) : Infinity));
  const added = after.papers.length - from;
  let far = 0;
  for (let i = from; i < after.papers.length; i++) {
    const t = after.assignments[i]!;
    if (dot(after.vectors[i]!, before.centroids[t]!) < fences[t]!) far++;
  }
  const live = before.papers.length - before.removed.length;
  const fitted = before.fittedPapers ?? live;
  return { added, far, farShare: added ? far / added : 0, growth: fitted ? (live + added - fitted) / fitted : 0 };
}

/** Whether `refit: 'auto'` refits on this drift, and the reason in words. */
export function decideRefit(policy: RefitPolicy, drift: Drift): { refit: boolean; reason: string } {
  if (policy === 'always') return { refit: true, reason: "refit: 'always'" };
  if (policy === 'never') return { refit: false, reason: "refit: 'never'" };
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  if (drift.far >= DRIFT_RULE.minFar && drift.farShare >= DRIFT_RULE.farShare)
    return { refit: true, reason: `${drift.far} of ${drift.added} papers added (${pct(drift.farShare)}) lie outside every theme` };
  if (drift.growth >= DRIFT_RULE.growth) return { refit: true, reason: `the library grew by ${pct(drift.growth)} since its themes were fitted` };
  return {
    refit: false,
    reason: `${drift.far} of ${drift.added} papers added lie outside every theme and the library grew by ${pct(drift.growth)} since its themes were fitted: the themes still hold`,
  };
}

/** Checks `update`'s options; returns the refit policy. */
export function checkUpdate(opts: UpdateOptions): RefitPolicy {
  checkOptionsObject('options', opts, ['refit', 'onDuplicate', 'signal', 'onProgress', 'onWarning']);
  if (opts.onDuplicate !== undefined && opts.onDuplicate !== 'skip' && opts.onDuplicate !== 'error')
    throw new OptionError('onDuplicate', `must be "skip" or "error", got ${JSON.stringify(opts.onDuplicate)}`);
  const policy = opts.refit ?? 'auto';
  if (!REFIT_POLICIES.includes(policy)) throw new OptionError('refit', `must be one of ${REFIT_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  return policy;
}

/** The papers added (as `add` does), the drift they bring and the decision; the refit itself is the caller's. */
export async function addForUpdate(
  s: Session,
  records: Iterable<unknown>,
  policy: RefitPolicy,
  embedder: Embedder,
  opts: Pick<UpdateOptions, 'signal' | 'onDuplicate'>,
): Promise<{ session: Session; report: UpdateReport }> {
  const { state, added } = await addToSession(s, records, embedder, opts.signal, opts.onDuplicate);
  const drift = measureDrift(s.state, state, s.state.papers.length);
  const decision = added.length || policy === 'always' ? decideRefit(policy, drift) : { refit: false, reason: 'no papers were added' };
  return { session: { ...s, state }, report: { added, drift, ...decision } };
}
