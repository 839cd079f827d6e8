import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

let nlp: ReturnType<typeof winkNLP> | undefined;
const cache = new Map<string, string>();

/**
 * The part of speech (Universal POS: NOUN, ADJ, VERB, ...) of a phrase's last word, as wink-nlp's
 * English tagger reads the phrase on its own. Labels are named by their head word: "convex" and
 * "experimentally" name nothing, "pruning" and "optimal transport" do. Loaded on first use.
 */
export function headTag(phrase: string): string {
  let tag = cache.get(phrase);
  if (tag === undefined) {
    nlp ??= winkNLP(model);
    const tags = nlp.readDoc(phrase).tokens().out(nlp.its.pos) as string[];
    tag = tags[tags.length - 1] ?? 'X';
    if (cache.size > 50_000) cache.clear();
    cache.set(phrase, tag);
  }
  return tag;
}

/** Heads that name a thing: nouns (common and proper), gerunds ("pruning", "denoising"), unknown tokens. */
export function namesSomething(phrase: string): boolean {
  const tag = headTag(phrase);
  return tag === 'NOUN' || tag === 'PROPN' || tag === 'X' || (tag === 'VERB' && /ing$/u.test(phrase));
}
