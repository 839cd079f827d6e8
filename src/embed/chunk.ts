/** A piece of a long text that fits the model window, with its token count for weighting. */
export interface Window {
  text: string;
  tokens: number;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Splits a text into windows of at most `maxTokens` tokens, on sentence boundaries where possible;
 * a single sentence longer than the window is split between words. Nothing is dropped.
 */
export function splitIntoWindows(text: string, maxTokens: number, countTokens: (s: string) => number): Window[] {
  const pieces: Window[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const sentence = segment.trim();
    if (!sentence) continue;
    const tokens = countTokens(sentence);
    if (tokens <= maxTokens) pieces.push({ text: sentence, tokens });
    else pieces.push(...splitWords(sentence, maxTokens, countTokens));
  }
  const windows: Window[] = [];
  let current: Window | undefined;
  for (const p of pieces) {
    // Joined text can tokenize to slightly more than the sum, so recount before accepting a merge.
    if (current && current.tokens + p.tokens <= maxTokens) {
      const merged = `${current.text} ${p.text}`;
      const tokens = countTokens(merged);
      if (tokens <= maxTokens) {
        current = { text: merged, tokens };
        continue;
      }
    }
    if (current) windows.push(current);
    current = p;
  }
  if (current) windows.push(current);
  return windows;
}

function splitWords(sentence: string, maxTokens: number, countTokens: (s: string) => number): Window[] {
  // WordPiece splits on whitespace first, so token counts add up word by word: linear, not quadratic.
  const out: Window[] = [];
  let words: string[] = [];
  let tokens = 0;
  for (const word of sentence.split(/\s+/u)) {
    const n = countTokens(word);
    if (words.length && tokens + n > maxTokens) {
      out.push({ text: words.join(' '), tokens });
      words = [];
      tokens = 0;
    }
    words.push(word);
    tokens += n;
  }
  // A single "word" longer than the window (a URL, a formula) is the one case left to truncation.
  if (words.length) out.push({ text: words.join(' '), tokens: Math.min(tokens, maxTokens) });
  return out;
}
