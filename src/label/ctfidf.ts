import { phrases } from '../corpus/terms.js';
import { dot, type Embedder } from '../embed/embedder.js';

export interface LabelOptions {
  /** Keywords kept per theme (default 10). */
  keywords?: number;
  /** Candidates taken from c-TF-IDF before re-ranking (default 30). */
  candidates?: number;
  /** MMR trade-off: 1 = pure relevance to the theme, 0 = pure diversity (default 0.6). */
  diversity?: number;
  /** Longest phrase in words (default 3). */
  maxNgram?: number;
}

export interface ThemeLabel {
  label: string;
  keywords: string[];
}

/**
 * Class-based TF-IDF (as in BERTopic): all documents of a theme are one class document; a phrase
 * scores tf(phrase, class) · log(1 + A / f(phrase)), where A is the mean class length in phrases and
 * f the phrase's frequency over all classes. Returns each class's phrases, best first.
 */
export function classTfidf(texts: readonly string[], assignments: readonly number[], k: number, maxNgram = 3, top = 30): [string, number][][] {
  const classCounts = Array.from({ length: k }, () => new Map<string, number>());
  const docFreq = Array.from({ length: k }, () => new Map<string, number>());
  const sizes = new Array<number>(k).fill(0);
  texts.forEach((text, i) => {
    const c = assignments[i]!;
    sizes[c]!++;
    const seen = new Set<string>();
    for (const p of phrases(text, 1, maxNgram)) {
      classCounts[c]!.set(p, (classCounts[c]!.get(p) ?? 0) + 1);
      seen.add(p);
    }
    for (const p of seen) docFreq[c]!.set(p, (docFreq[c]!.get(p) ?? 0) + 1);
  });
  const total = new Map<string, number>();
  for (const m of classCounts) for (const [p, n] of m) total.set(p, (total.get(p) ?? 0) + n);
  const classLen = classCounts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const avg = classLen.reduce((a, b) => a + b, 0) / Math.max(k, 1);
  return classCounts.map((m, c) => {
    const scored: [string, number][] = [];
    // A phrase used by a single paper of a larger theme names that paper, not the theme.
    const minDocs = sizes[c]! >= 4 ? 2 : 1;
    for (const [p, n] of m) {
      if ((docFreq[c]!.get(p) ?? 0) < minDocs) continue;
      const tf = n / Math.max(classLen[c]!, 1);
      scored.push([p, tf * Math.log(1 + avg / total.get(p)!)]);
    }
    return scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top);
  });
}

/**
 * Keywords per theme: c-TF-IDF candidates re-ranked by maximal marginal relevance against the
 * theme centroid (so the list is about the theme and not ten spellings of one phrase), and a short
 * label from the top phrases, unique across themes.
 */
export async function labelThemes(
  texts: readonly string[],
  assignments: readonly number[],
  centroids: readonly Float32Array[],
  embedder: Embedder,
  opts: LabelOptions = {},
): Promise<ThemeLabel[]> {
  const k = centroids.length;
  const candidates = dropGeneric(classTfidf(texts, assignments, k, opts.maxNgram ?? 3, opts.candidates ?? 30));
  const unique = [...new Set(candidates.flat().map(([p]) => p))].sort();
  const vectors = new Map<string, Float32Array>();
  const embedded = await embedder.embed(unique);
  unique.forEach((p, i) => vectors.set(p, embedded[i]!));
  const lambda = opts.diversity === undefined ? 0.6 : 1 - opts.diversity;
  const acronyms = acronymDefinitions(texts);
  const keywords = candidates.map((cands, c) => expandAcronyms(mmr(cands, centroids[c]!, vectors, opts.keywords ?? 10, lambda), acronyms));
  return uniqueLabels(keywords, candidates);
}

// "sharpness-aware minimization (SAM)": up to six words, then a parenthesised capitalised acronym.
const ACRONYM_DEFINITION = /((?:[\p{L}][\p{L}\p{N}'-]*\s+){1,6})\((\p{Lu}[\p{Lu}\p{N}]{1,7})s?\)/gu;

/**
 * Acronyms the abstracts define, lower-cased: `sam` → `sharpness-aware minimization`. The expansion
 * is the shortest run of words before the parenthesis whose initials (hyphenated parts count)
 * spell the acronym; a definition seen more often wins.
 */
export function acronymDefinitions(texts: readonly string[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const text of texts) {
    for (const m of text.matchAll(ACRONYM_DEFINITION)) {
      const acronym = m[2]!.toLowerCase();
      const words = m[1]!.trim().split(/\s+/u);
      for (let start = words.length - 1; start >= 0; start--) {
        const phrase = words.slice(start);
        const initials = phrase.flatMap((w) => w.split('-').filter(Boolean)).map((w) => w[0]!.toLowerCase()).join('');
        const letters = acronym.replace(/\d/gu, '');
        if (initials === letters || phrase.map((w) => w[0]!.toLowerCase()).join('') === letters) {
          const expansion = phrase.join(' ').toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '');
          const byExpansion = counts.get(acronym) ?? new Map<string, number>();
          byExpansion.set(expansion, (byExpansion.get(expansion) ?? 0) + 1);
          counts.set(acronym, byExpansion);
          break;
        }
      }
    }
  }
  const out = new Map<string, string>();
  for (const [acronym, byExpansion] of counts) {
    const best = [...byExpansion.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    out.set(acronym, best[0]);
  }
  return out;
}

/** Replaces an acronym keyword by its expansion; drops it when the expansion is already a keyword. */
function expandAcronyms(keywords: string[], acronyms: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of keywords) {
    const next = acronyms.get(k) ?? k;
    if (!out.includes(next)) out.push(next);
  }
  return out;
}

/**
 * Phrases that rank high in many themes ("optimization" in a corpus about optimization) say what
 * the corpus is about, not what one theme is about; they are dropped where a theme has enough left.
 */
function dropGeneric(candidates: [string, number][][]): [string, number][][] {
  const k = candidates.length;
  if (k < 4) return candidates;
  const seenIn = new Map<string, number>();
  for (const c of candidates) for (const [p] of c.slice(0, 15)) seenIn.set(p, (seenIn.get(p) ?? 0) + 1);
  const limit = Math.max(2, Math.ceil(0.25 * k));
  return candidates.map((c) => {
    const specific = c.filter(([p]) => (seenIn.get(p) ?? 0) <= limit);
    return specific.length >= 5 ? specific : c;
  });
}

function mmr(
  cands: [string, number][],
  centroid: Float32Array,
  vectors: Map<string, Float32Array>,
  n: number,
  lambda: number,
): string[] {
  if (!cands.length) return [];
  const maxScore = cands[0]![1] || 1;
  // Relevance blends what c-TF-IDF says is distinctive with what the embedding says is central.
  // Phrases get a small bonus per extra word: "preference optimization" names a topic, "policy" does not.
  const relevance = new Map(
    cands.map(([p, s]) => [p, (0.5 * (s / maxScore) + 0.5 * dot(vectors.get(p)!, centroid)) * (1 + 0.15 * (p.split(' ').length - 1))]),
  );
  const chosen: string[] = [];
  const left = cands.map(([p]) => p);
  while (chosen.length < n && left.length) {
    let bestIdx = 0;
    let best = -Infinity;
    left.forEach((p, i) => {
      const redundancy = chosen.length ? Math.max(...chosen.map((q) => dot(vectors.get(p)!, vectors.get(q)!))) : 0;
      const score = lambda * relevance.get(p)! - (1 - lambda) * redundancy;
      if (score > best + 1e-12) {
        best = score;
        bestIdx = i;
      }
    });
    chosen.push(left.splice(bestIdx, 1)[0]!);
  }
  return chosen;
}

/**
 * The label is the first multi-word phrase among the top five keywords, else the top keyword grown
 * into a longer candidate phrase containing it when that phrase is nearly as strong ("bilevel" →
 * "bilevel optimization"): phrases read as topics, single words rarely do.
 * A label already taken by a stronger theme falls through to the next keyword, then to a
 * two-keyword label.
 */
function uniqueLabels(keywords: string[][], candidates: [string, number][][]): ThemeLabel[] {
  const strength = candidates.map((c) => c[0]?.[1] ?? 0);
  const order = keywords.map((_, i) => i).sort((a, b) => strength[b]! - strength[a]! || a - b);
  const taken = new Set<string>();
  const labels: string[] = new Array(keywords.length).fill('');
  for (const c of order) {
    const kws = keywords[c]!;
    const score = new Map(candidates[c]);
    const grow = (p: string): string => {
      if (p.includes(' ')) return p;
      const base = score.get(p) ?? 0;
      const longer = candidates[c]!.find(([q, s]) => q.includes(' ') && q.split(' ').includes(p) && s >= 0.3 * base);
      return longer?.[0] ?? p;
    };
    const clash = (p: string): boolean => taken.has(p) || [...taken].some((t) => t === p || t.split(' / ').includes(p));
    const top = kws.slice(0, 5);
    const preferred = [...top.filter((p) => p.includes(' ')), ...top.map(grow), ...kws.slice(5).map(grow)];
    let label = preferred.find((p) => !clash(p));
    label ??= kws.length >= 2 ? `${kws[0]} / ${kws[1]}` : (kws[0] ?? `theme ${c + 1}`);
    for (let n = 2; taken.has(label); n++) label = `${label} (${n})`;
    taken.add(label);
    labels[c] = label;
  }
  return labels.map((label, c) => ({ label, keywords: keywords[c]! }));
}
