import type { Embedder } from '../embed/embedder.js';
import { OptionError } from '../errors.js';
import type { JsonObject, Stage, StageContext } from '../types.js';

/** What a labeller is given: every paper's text and theme, and the themes' centroids. */
export interface LabelInput {
  /** Title and abstract of each paper, in row order. */
  texts: readonly string[];
  /** Theme of each paper, 0..k-1. */
  assignments: readonly number[];
  k: number;
  /** Unit-length mean embedding of each theme. */
  centroids: readonly Float32Array[];
  /** The atlas's embedder, to embed candidate phrases. */
  embedder: Embedder;
  /** Title of each paper, in row order (the pipeline always gives them). */
  titles?: readonly string[];
  /** Unit-length embedding of each paper, in row order (the pipeline always gives them). */
  vectors?: readonly Float32Array[];
}

export interface ThemeLabel {
  label: string;
  keywords: string[];
}

/** Names themes: a chain of steps by default (`defaultLabeller`), or your own. */
export interface Labeller extends Stage {
  label(input: LabelInput, ctx: StageContext): Promise<ThemeLabel[]>;
}

/** What the steps of a chain hand each other, one entry per theme. */
export interface LabelDraft {
  /** Candidate phrases with scores, best first (c-TF-IDF fills it; filters prune it). */
  candidates: [string, number][][];
  /** Keywords, best first (re-rankers fill it). */
  keywords: string[][];
  /** Labels (the last step fills them). */
  labels: string[];
}

/** One step of a `ChainLabeller`. */
export interface LabelStep extends Stage {
  apply(draft: LabelDraft, input: LabelInput, ctx: StageContext): LabelDraft | Promise<LabelDraft>;
}

/**
 * Runs its steps in order on an empty draft. Every theme ends with a label: a theme the steps left
 * unnamed is called after its first keyword, else "theme N".
 */
export class ChainLabeller implements Labeller {
  readonly id: string = 'chain';
  readonly options: Readonly<JsonObject>;

  constructor(readonly steps: readonly LabelStep[]) {
    if (!Array.isArray(steps) || !steps.length) throw new OptionError('labeller', 'a chain needs at least one step');
    for (const s of steps) {
      if (!s || typeof s.id !== 'string' || typeof s.apply !== 'function')
        throw new OptionError('labeller', 'every chain step needs an id and an apply(draft, input, ctx) method');
    }
    this.options = Object.freeze({ steps: steps.map((s) => ({ id: s.id, options: { ...s.options } })) });
  }

  async label(input: LabelInput, ctx: StageContext): Promise<ThemeLabel[]> {
    let draft: LabelDraft = {
      candidates: Array.from({ length: input.k }, () => []),
      keywords: Array.from({ length: input.k }, () => []),
      labels: new Array<string>(input.k).fill(''),
    };
    for (const [i, step] of this.steps.entries()) {
      ctx.signal?.throwIfAborted();
      draft = await step.apply(draft, input, ctx);
      ctx.onProgress?.(i + 1, this.steps.length);
    }
    return draft.labels.map((label, t) => {
      const keywords = draft.keywords[t]?.length ? draft.keywords[t]! : (draft.candidates[t] ?? []).map(([p]) => p).slice(0, 10);
      return { label: label || keywords[0] || `theme ${t + 1}`, keywords };
    });
  }
}
