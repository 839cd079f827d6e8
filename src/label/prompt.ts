import { checkOptionsObject, integerOption, OptionError, optionKeys, warnDefault } from '../errors.js';
import type { JsonObject, StageContext } from '../types.js';
import { dot } from '../vector.js';
import { DefaultLabeller } from './default.js';
import type { LabelInput, Labeller, ThemeLabel } from './labeller.js';

/** What the prompt of one theme is built from. */
export interface PromptTheme {
  /** Theme index, 0..k-1 (largest first once the atlas renumbers them). */
  index: number;
  /** Papers in the theme. */
  size: number;
  /** The extractive label (the fallback). */
  label: string;
  /** The theme's keywords, best first. */
  keywords: readonly string[];
  /** Titles of the papers nearest the theme's centroid, nearest first. */
  titles: readonly string[];
}

/** Settings of `promptLabeller`. */
export interface PromptLabellerOptions {
  /**
   * Your language model: the prompt in, its answer out (an OpenAI, Ollama or llama.cpp call). It
   * is given the build's AbortSignal; a call that throws or answers something unusable leaves that
   * theme its extractive label.
   */
  complete: (prompt: string, options: { signal?: AbortSignal }) => Promise<string>;
  /** The extractive labeller: its keywords are kept, its labels are the fallback. [=the default labeller] */
  fallback?: Labeller;
  /** Keywords shown per theme. [=8] */
  phrases?: number;
  /** Representative titles shown per theme. [=5] */
  titles?: number;
  /** Longest label accepted, in words. [=6] */
  maxWords?: number;
  /** Builds the prompt of one theme. [=`defaultPrompt`] */
  prompt?: (theme: PromptTheme) => string;
  /** Called for each theme that keeps its extractive label, with the reason. [=a process warning] */
  onFallback?: (theme: number, reason: string) => void;
  /** Recorded in saved atlases, to tell your labellers apart. [='prompt'] */
  id?: string;
}

const PROMPT_KEYS = optionKeys<PromptLabellerOptions>()('complete', 'fallback', 'phrases', 'titles', 'maxWords', 'prompt', 'onFallback', 'id');

/** Longest label accepted, in characters, whatever the word count. */
const MAX_LABEL_CHARS = 80;

/** The default prompt: the theme's top phrases and representative titles, and what a good name is. */
export function defaultPrompt(theme: PromptTheme): string {
  return [
    'You name research themes in a map of scientific papers.',
    `Key phrases of one theme (${theme.size} papers), most distinctive first: ${theme.keywords.join('; ')}.`,
    'Titles of its most representative papers:',
    ...theme.titles.map((t) => `- ${t}`),
    'Answer with the name of the theme only: the established term researchers of the field would use for it,',
    'two to five words, lower case except for proper names and acronyms, no quotes, no explanation.',
  ].join('\n');
}

/**
 * A labeller that asks a language model you bring for each theme's name, given the theme's top
 * phrases and representative titles; keywords come from the extractive labeller, whose label is
 * kept wherever the model's call fails or its answer is unusable: empty, longer than `maxWords`,
 * or the name of another theme. Themes are asked one at a time, in order. Saved atlases record it
 * as a custom labeller: pass it again to `Atlas.load` (`stages: { labeller }`) to refit with it.
 */
export function promptLabeller(options: PromptLabellerOptions): Labeller {
  checkOptionsObject('labeller', options, PROMPT_KEYS);
  if (typeof options?.complete !== 'function') throw new OptionError('labeller.complete', 'must be a function (prompt, { signal }) => Promise<string>');
  const fallback = options.fallback ?? new DefaultLabeller();
  if (typeof fallback?.label !== 'function') throw new OptionError('labeller.fallback', 'must be a Labeller');
  const phrases = integerOption('labeller.phrases', options.phrases ?? 8, 1, 50);
  const titles = integerOption('labeller.titles', options.titles ?? 5, 0, 50);
  const maxWords = integerOption('labeller.maxWords', options.maxWords ?? 6, 1, 20);
  const id = options.id ?? 'prompt';
  if (typeof id !== 'string' || !id) throw new OptionError('labeller.id', 'must be a non-empty string');
  const build = options.prompt ?? defaultPrompt;
  const onFallback = options.onFallback ?? ((t: number, reason: string) => warnDefault(`theme ${t}: kept the extractive label (${reason})`));
  const settings: JsonObject = { fallback: { id: fallback.id, options: { ...fallback.options } }, phrases, titles, maxWords };

  return {
    id,
    options: Object.freeze(settings),
    async label(input: LabelInput, ctx: StageContext): Promise<ThemeLabel[]> {
      const extracted = await fallback.label(input, ctx);
      const out = extracted.map((l) => ({ label: l.label, keywords: l.keywords }));
      const reps = representativeTitles(input, titles);
      const sizes = new Array<number>(input.k).fill(0);
      for (const a of input.assignments) if (a >= 0 && a < input.k) sizes[a]!++;
      for (let t = 0; t < input.k; t++) {
        ctx.signal?.throwIfAborted();
        const theme: PromptTheme = {
          index: t,
          size: sizes[t]!,
          label: extracted[t]!.label,
          keywords: extracted[t]!.keywords.slice(0, phrases),
          titles: reps[t]!,
        };
        let answer: unknown;
        try {
          answer = await options.complete(build(theme), ctx.signal ? { signal: ctx.signal } : {});
        } catch (err) {
          ctx.signal?.throwIfAborted();
          onFallback(t, `the model call failed: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        const taken = new Set(out.filter((_, u) => u !== t).map((l) => l.label.toLowerCase()));
        const checked = cleanAnswer(answer, maxWords, taken);
        if ('problem' in checked) onFallback(t, checked.problem);
        else out[t]!.label = checked.label;
        ctx.onProgress?.(t + 1, input.k);
      }
      return out;
    },
  };
}

/** A model's answer as a label, or why it cannot be one. */
export function cleanAnswer(answer: unknown, maxWords: number, taken: ReadonlySet<string>): { label: string } | { problem: string } {
  if (typeof answer !== 'string') return { problem: `the model answered ${typeof answer}, not text` };
  // The first non-empty line, without the wrapping models like to add: "Label:", quotes, bold, a final full stop.
  const line =
    answer
      .split(/\r?\n/u)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  const label = line
    .replace(/^(?:[-*•]\s*)?(?:(?:theme\s+)?(?:name|label|title)\s*:\s*)?/iu, '')
    .replace(/[.。]$/u, '')
    .replace(/^[*_"'“‘`]+|[*_"'”’`]+$/gu, '')
    .replace(/[.。]$/u, '')
    .replace(/\s+/gu, ' ')
    .trim();
  if (!label) return { problem: 'the model gave an empty answer' };
  // Control characters and markup never make a label a map can draw.
  if (/[\p{Cc}<>{}]/u.test(label)) return { problem: 'the answer holds control characters or markup' };
  const words = label.split(' ').length;
  if (words > maxWords || label.length > MAX_LABEL_CHARS) return { problem: `the answer is too long (${words} words, ${label.length} characters)` };
  if (taken.has(label.toLowerCase())) return { problem: `"${label}" already names another theme` };
  return { label };
}

/** Per theme, the titles of its papers nearest its centroid (the first line of the text when there are no titles). */
function representativeTitles(input: LabelInput, n: number): string[][] {
  const byTheme: number[][] = Array.from({ length: input.k }, () => []);
  input.assignments.forEach((t, row) => {
    if (t >= 0 && t < input.k) byTheme[t]!.push(row);
  });
  const title = (row: number): string => (input.titles?.[row] ?? input.texts[row]!.split(/(?<=[.?!])\s/u)[0]!).slice(0, 300);
  return byTheme.map((rows, t) => {
    const centroid = input.centroids[t];
    const vectors = input.vectors;
    const ranked =
      vectors && centroid ? rows.map((r) => ({ r, s: dot(vectors[r]!, centroid) })).sort((a, b) => b.s - a.s || a.r - b.r) : rows.map((r) => ({ r }));
    return ranked.slice(0, n).map(({ r }) => title(r));
  });
}
