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
        const initials = phrase
          .flatMap((w) => w.split('-').filter(Boolean))
          .map((w) => w[0]!.toLowerCase())
          .join('');
        const letters = acronym.replace(/\d/gu, '');
        if (initials === letters || phrase.map((w) => w[0]!.toLowerCase()).join('') === letters) {
          const expansion = phrase
            .join(' ')
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s-]/gu, '');
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
