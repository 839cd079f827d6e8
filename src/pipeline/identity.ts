import { linearSumAssignment } from 'linear-sum-assignment';
import type { Theme, ThemeChanges } from '../types.js';
import { mergeThemes } from './edit.js';
import type { AtlasState, ThemeFit } from './state.js';

/** A new theme matches an earlier one when their shared papers are at least this share of the two together (Jaccard). */
export const MIN_MATCH = 0.3;
/** A theme counts as split into (or merged from) each theme holding at least this share of its papers. */
const PART_SHARE = 0.25;
/** A theme the user merged is merged again from the new themes that have at least this share of their papers in it. */
const REMERGE_SHARE = 2 / 3;

/**
 * Two partitions of the same papers matched: overlap counts of each group now (rows) with each group
 * before (columns), their Jaccard overlaps, and a maximum-weight matching on them (Jonker-Volgenant,
 * `linear-sum-assignment`) keeping pairs of at least `MIN_MATCH`: `matchOf[now]` is the group before, or -1.
 */
export function matchGroups(pairs: Iterable<readonly [before: number, now: number]>, kBefore: number, kNow: number) {
  const overlap = Array.from({ length: kNow }, () => new Float64Array(kBefore));
  const earlier = new Float64Array(kNow); // papers of each group now that were in a group before
  const sizeBefore = new Float64Array(kBefore);
  for (const [o, n] of pairs) {
    overlap[n]![o]!++;
    earlier[n]!++;
    sizeBefore[o]!++;
  }
  const jaccard = overlap.map((row, n) => Array.from(row, (c, o) => (c ? c / (earlier[n]! + sizeBefore[o]! - c) : 0)));
  const { rowAssignments } = kBefore && kNow ? linearSumAssignment(jaccard, { maximaze: true }) : { rowAssignments: new Float64Array(kNow).fill(-1) };
  const matchOf = Array.from({ length: kNow }, (_, n) => {
    const o = rowAssignments[n] ?? -1;
    return o >= 0 && jaccard[n]![o]! >= MIN_MATCH ? o : -1;
  });
  return { overlap, earlier, sizeBefore, jaccard, matchOf };
}

/** Themes before (by position) matched to themes now, over the papers of the previous fit (`nowOf`: their theme now). */
function overlapOf(before: readonly Theme[], k: number, nowOf: ReadonlyMap<string, number>) {
  function* pairs(): Generator<readonly [number, number]> {
    for (const [o, t] of before.entries()) {
      for (const id of t.paperIds) {
        const n = nowOf.get(id);
        if (n !== undefined) yield [o, n];
      }
    }
  }
  return matchGroups(pairs(), before.length, k);
}

/**
 * The ids the themes of a refit take: a theme matched to one before keeps that one's id while it
 * is below the new count; every other theme takes the lowest free id, matched themes first, then
 * new ones by size.
 */
function idsFor(before: readonly Theme[], after: readonly Theme[], matchOf: readonly number[]): number[] {
  const k = after.length;
  const idOf = new Array<number>(k).fill(-1);
  const taken = new Set<number>();
  matchOf.forEach((o, n) => {
    const id = o >= 0 ? before[o]!.id : -1;
    if (id >= 0 && id < k && !taken.has(id)) {
      idOf[n] = id;
      taken.add(id);
    }
  });
  const free = Array.from({ length: k }, (_, i) => i).filter((i) => !taken.has(i));
  idOf
    .map((id, n) => (id < 0 ? n : -1))
    .filter((n) => n >= 0)
    .sort((a, b) => Number(matchOf[b]! >= 0) - Number(matchOf[a]! >= 0) || after[b]!.size - after[a]!.size || a - b)
    .forEach((n, i) => (idOf[n] = free[i]!));
  return idOf;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** What changed from the themes before to the themes now (`after[i].id === i`; `nowOf`: the theme now of each paper of the previous fit). */
export function changeReport(before: readonly Theme[], after: readonly Theme[], nowOf: ReadonlyMap<string, number>): Omit<ThemeChanges, 'reapplied'> {
  const { overlap, earlier, sizeBefore, jaccard, matchOf } = overlapOf(before, after.length, nowOf);
  const matchedOld = new Set(matchOf.filter((o) => o >= 0));
  const moved: ThemeChanges['moved'] = [];
  let counted = 0;
  for (const t of before) {
    for (const id of t.paperIds) {
      const n = nowOf.get(id);
      if (n === undefined) continue;
      counted++;
      if (n !== t.id) moved.push({ id, from: t.id, to: n });
    }
  }
  return {
    kept: matchOf.flatMap((o, n) => (o >= 0 ? [{ id: n, from: before[o]!.id, label: after[n]!.label, overlap: round(jaccard[n]![o]!) }] : [])),
    born: matchOf.flatMap((o, n) => (o < 0 ? [{ id: n, label: after[n]!.label, size: after[n]!.size, added: after[n]!.size - earlier[n]! }] : [])),
    dissolved: before.flatMap((t, o) => (matchedOld.has(o) ? [] : [{ id: t.id, label: t.label, size: t.size }])),
    split: before.flatMap((t, o) => {
      const into = after.map((_, n) => n).filter((n) => sizeBefore[o]! > 0 && overlap[n]![o]! >= PART_SHARE * sizeBefore[o]!);
      return into.length >= 2 ? [{ from: t.id, into }] : [];
    }),
    merged: after.flatMap((_, n) => {
      const from = before.map((_, o) => o).filter((o) => earlier[n]! > 0 && overlap[n]![o]! >= PART_SHARE * earlier[n]!);
      return from.length >= 2 ? [{ into: n, from: from.map((o) => before[o]!.id) }] : [];
    }),
    moved,
    stayed: counted ? round((counted - moved.length) / counted) : 1,
  };
}

/**
 * A refit's themes carried over from the state before it: renumbered so that matched themes keep
 * their ids (and so their colours), names the user gave re-applied to the themes that kept them,
 * merges the user made made again where their themes persist, and the change report.
 */
export function carryThemes(
  before: AtlasState,
  /** The theme each paper of the previous fit had (papers added since sit in a theme provisionally and do not count). */
  fitted: ReadonlyMap<string, number>,
  fit: ThemeFit,
  papers: readonly { id: string }[],
  state: Omit<AtlasState, keyof ThemeFit>,
): AtlasState & { changes: ThemeChanges } {
  const index = new Map(papers.flatMap((p, i) => (fitted.has(p.id) ? [[p.id, fit.assignments[i]!] as const] : [])));
  const { overlap, earlier, matchOf } = overlapOf(before.themes, fit.themes.length, index);
  const idOf = idsFor(before.themes, fit.themes, matchOf);
  const themes = new Array<ThemeFit['themes'][number]>(fit.themes.length);
  const centroids = new Array<Float32Array>(fit.themes.length);
  const renamed: number[] = [];
  const taken = new Set(fit.themes.map((t) => t.label));
  fit.themes.forEach((t, n) => {
    const id = idOf[n]!;
    const old = matchOf[n]! >= 0 ? before.themes[matchOf[n]!]! : undefined;
    // A name the user gave stays with the theme, unless the labeller gave it to another theme now.
    const keepName = old?.edited?.label && (old.label === t.label || !taken.has(old.label));
    if (keepName) {
      taken.add(old.label);
      renamed.push(id);
    }
    // A merge the user made that the fit kept whole stays marked as theirs (so the next refit makes it again).
    const edited = { ...(keepName ? { label: true as const } : {}), ...(old?.edited?.merged ? { merged: true as const } : {}) };
    themes[id] = { ...t, id, ...(keepName ? { label: old.label } : {}), ...(Object.keys(edited).length ? { edited } : {}) };
    centroids[id] = fit.centroids[n]!;
  });
  let next: AtlasState = { ...state, ...fit, themes, centroids, assignments: fit.assignments.map((n) => idOf[n]!) };
  // Merges the user made: the themes now that lie mostly inside one of them are merged again.
  const merged: number[] = [];
  before.themes.forEach((t, o) => {
    if (!t.edited?.merged) return;
    const parts = fit.themes.map((_, n) => n).filter((n) => earlier[n]! > 0 && overlap[n]![o]! >= REMERGE_SHARE * earlier[n]!);
    if (parts.length < 2) return;
    // Ids may have moved in an earlier merge: find the themes by a paper of each.
    const ids = parts.map((n) => next.assignments[fit.assignments.indexOf(n)]!);
    const free = !next.themes.some((x) => !ids.includes(x.id) && x.label === t.label);
    const result = mergeThemes(next, ids, t.edited.label && free ? t.label : undefined);
    next = result.state;
    merged.push(result.merged);
  });
  const nowOf = new Map(papers.flatMap((p, i) => (fitted.has(p.id) ? [[p.id, next.assignments[i]!] as const] : [])));
  const changes: ThemeChanges = { ...changeReport(before.themes, next.themes, nowOf), reapplied: { renamed, merged } };
  return { ...next, changes };
}
