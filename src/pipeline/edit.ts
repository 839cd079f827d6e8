import { OptionError } from '../errors.js';
import type { AtlasState } from './state.js';
import { describeThemes, orderBySize } from './themes.js';

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

/** The theme renamed; nothing else changes. */
export function renameTheme(state: AtlasState, id: number, label: string): AtlasState {
  const t = checkThemeId(state, id);
  const text = checkLabel(
    label,
    state.themes.filter((x) => x.id !== t).map((x) => x.label),
  );
  return { ...state, themes: state.themes.map((x) => (x.id === t ? { ...x, label: text } : x)) };
}

/**
 * Themes merged into one: its papers are theirs, its label the given one or else the largest's, its
 * keywords theirs interleaved (largest first, without repeats). Theme ids are renumbered by size,
 * as a fit numbers them.
 */
export function mergeThemes(state: AtlasState, ids: readonly number[], label?: string): { state: AtlasState; merged: number } {
  if (!Array.isArray(ids) || ids.length < 2) throw new OptionError('themeIds', 'name at least two themes to merge');
  const merging = [...new Set(ids.map((id) => checkThemeId(state, id)))].sort((a, b) => a - b);
  if (merging.length < 2) throw new OptionError('themeIds', 'name at least two different themes to merge');
  const target = merging[0]!;
  const others = state.themes.filter((t) => !merging.includes(t.id)).map((t) => t.label);
  const text = label === undefined ? state.themes[target]!.label : checkLabel(label, others);
  const keywordLists = merging.map((id) => state.themes[id]!.keywords);
  const keywords: string[] = [];
  const longest = Math.max(...keywordLists.map((k) => k.length));
  for (let i = 0; i < longest; i++) for (const list of keywordLists) if (list[i] !== undefined && !keywords.includes(list[i]!)) keywords.push(list[i]!);
  const cap = Math.max(...keywordLists.map((k) => k.length));
  const folded = state.assignments.map((a) => (merging.includes(a) ? target : a));
  const skip = new Set(state.removed);
  const order = orderBySize(folded, state.themes.length, skip);
  // Removed rows keep an assignment (rows never shift); one in a theme that no longer exists joins the target.
  const assignments = folded.map((a) => order.get(a) ?? order.get(target)!);
  const names = [...order.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([old]) =>
      old === target ? { label: text, keywords: keywords.slice(0, cap) } : { label: state.themes[old]!.label, keywords: state.themes[old]!.keywords },
    );
  const described = describeThemes(state.papers, state.vectors, assignments, names, skip);
  // Parts stay as they were: the merged theme holds the parts of the themes it joined, largest first.
  const olds = [...order.entries()].sort((a, b) => a[1] - b[1]).map(([old]) => (old === target ? merging : [old]));
  const themes = described.themes.map((t, i) => {
    const parts = olds[i]!.flatMap((old) => state.themes[old]!.parts ?? []).sort((a, b) => b.size - a.size);
    return parts.length ? { ...t, parts } : t;
  });
  const { centroids } = described;
  return {
    state: { ...state, assignments, themes, centroids },
    merged: order.get(target)!,
  };
}
