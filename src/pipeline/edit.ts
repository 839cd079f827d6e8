import { OptionError } from '../errors.js';
import type { AtlasState } from './state.js';
import { describeThemes } from './themes.js';

const MAX_LABEL = 200;

function checkLabel(label: unknown, taken: readonly string[]): string {
  if (typeof label !== 'string' || !label.trim()) throw new OptionError('label', 'must be non-empty text');
  const text = label.trim().replace(/\s+/gu, ' ');
  if (text.length > MAX_LABEL) throw new OptionError('label', `is ${text.length} characters; at most ${MAX_LABEL}`);
  if (taken.includes(text)) throw new OptionError('label', `"${text}" already names another theme`);
  return text;
}

function checkThemeId(state: AtlasState, id: unknown): number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= state.themes.length) {
    throw new OptionError('themeId', `no theme ${JSON.stringify(id)}; themes are 0..${state.themes.length - 1}`);
  }
  return id as number;
}

/** The theme renamed (and marked `edited.label`, so refits keep the name); nothing else changes. */
export function renameTheme(state: AtlasState, id: number, label: string): AtlasState {
  const t = checkThemeId(state, id);
  const text = checkLabel(
    label,
    state.themes.filter((x) => x.id !== t).map((x) => x.label),
  );
  return { ...state, themes: state.themes.map((x) => (x.id === t ? { ...x, label: text, edited: { ...x.edited, label: true as const } } : x)) };
}

/**
 * Ids after themes merge: the merged theme keeps the lowest of their ids; the ids the others held
 * are freed and filled by the themes of the highest ids (so ids stay 0..k-1 and every other theme
 * keeps its id and colour). Returns the old → new id map.
 */
function idsAfterMerge(k: number, merging: readonly number[]): Map<number, number> {
  const target = merging[0]!;
  const gone = new Set(merging.slice(1));
  const left = k - gone.size;
  const ids = new Map<number, number>();
  for (let id = 0; id < k; id++) if (!gone.has(id)) ids.set(id, id);
  ids.set(target, target);
  const movers = [...ids.keys()].filter((id) => id >= left).sort((a, b) => a - b);
  const holes = [...gone].filter((id) => id < left).sort((a, b) => a - b);
  movers.forEach((id, i) => ids.set(id, holes[i]!));
  for (const id of gone) ids.set(id, ids.get(target)!);
  return ids;
}

/**
 * Themes merged into one: its papers are theirs, its label the given one or else the largest's, its
 * keywords theirs interleaved (largest first, without repeats), its parts theirs. It keeps the
 * lowest of their ids; the other themes keep theirs, but for the highest ids, which move into the
 * freed ones (`idsAfterMerge`). Marked `edited.merged` (and `edited.label` when given a label), so
 * a refit makes the merge again where its themes persist.
 */
export function mergeThemes(state: AtlasState, ids: readonly number[], label?: string): { state: AtlasState; merged: number } {
  if (!Array.isArray(ids) || ids.length < 2) throw new OptionError('themeIds', 'name at least two themes to merge');
  const merging = [...new Set(ids.map((id) => checkThemeId(state, id)))].sort((a, b) => a - b);
  if (merging.length < 2) throw new OptionError('themeIds', 'name at least two different themes to merge');
  const target = merging[0]!;
  const others = state.themes.filter((t) => !merging.includes(t.id)).map((t) => t.label);
  const largest = [...merging].sort((a, b) => state.themes[b]!.size - state.themes[a]!.size || a - b)[0]!;
  const text = label === undefined ? state.themes[largest]!.label : checkLabel(label, others);
  const bySize = [...merging].sort((a, b) => state.themes[b]!.size - state.themes[a]!.size || a - b);
  const keywordLists = bySize.map((id) => state.themes[id]!.keywords);
  const keywords: string[] = [];
  const longest = Math.max(...keywordLists.map((k) => k.length));
  for (let i = 0; i < longest; i++) for (const list of keywordLists) if (list[i] !== undefined && !keywords.includes(list[i]!)) keywords.push(list[i]!);
  const cap = Math.max(...keywordLists.map((k) => k.length));
  const newId = idsAfterMerge(state.themes.length, merging);
  const assignments = state.assignments.map((a) => newId.get(a)!);
  const k = state.themes.length - merging.length + 1;
  const oldOf = new Map<number, number>();
  for (const [old, now] of newId) if (!merging.includes(old) || old === target) oldOf.set(now, old);
  const names = Array.from({ length: k }, (_, id) => {
    const old = oldOf.get(id)!;
    return old === target ? { label: text, keywords: keywords.slice(0, cap) } : { label: state.themes[old]!.label, keywords: state.themes[old]!.keywords };
  });
  const skip = new Set(state.removed);
  const described = describeThemes(state.papers, state.vectors, assignments, names, skip);
  const themes = described.themes.map((t) => {
    const old = oldOf.get(t.id)!;
    if (old !== target) {
      const { parts, edited } = state.themes[old]!;
      return { ...t, ...(parts ? { parts } : {}), ...(edited ? { edited } : {}) };
    }
    // The merged theme holds the parts of the themes it joined, largest first.
    const parts = bySize.flatMap((id) => state.themes[id]!.parts ?? []).sort((a, b) => b.size - a.size);
    const named = label !== undefined || merging.some((id) => state.themes[id]!.edited?.label);
    return { ...t, ...(parts.length ? { parts } : {}), edited: { ...(named ? { label: true as const } : {}), merged: true as const } };
  });
  return { state: { ...state, assignments, themes, centroids: described.centroids }, merged: target };
}
