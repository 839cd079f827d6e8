import { describe, expect, it } from 'vitest';
import { Atlas, type AtlasOptions, OptionError, promptLabeller } from '../../src/index.js';
import { cleanAnswer } from '../../src/label/prompt.js';
import { FakeEmbedder, syntheticCorpus, tempDir } from './synthetic.js';

/**
 * The prompt labeller's logic, with the language model played by functions: no model that can
 * answer a prompt installs from the registries this project builds with (Ollama, llama.cpp and
 * Transformers.js generators all fetch their weights from elsewhere), so the calls are simulated
 * here, in the shapes real servers answer (a bare name, "Label: **name**.", an essay, an error).
 */
const { corpus } = syntheticCorpus(24);
const base: AtlasOptions = {
  embedder: new FakeEmbedder(),
  cache: false,
  seed: 3,
  onWarning: () => undefined,
  layout: { nEpochs: 100 },
  reducer: { nEpochs: 100 },
  clusterer: { k: 5 },
};

let extractiveBuild: Promise<Atlas> | undefined;
/** The same build with the default labeller, made once. */
const extractive = (): Promise<Atlas> => (extractiveBuild ??= Atlas.build(corpus, base));

/** The first key phrase the prompt lists, as the prompt wrote it. */
const firstPhrase = (prompt: string): string => /most distinctive first: ([^;.]+)/u.exec(prompt)![1]!;

describe('promptLabeller', () => {
  it('names each theme by the model, from its key phrases and representative titles, keeping the extractive keywords', async () => {
    const prompts: string[] = [];
    const plain = await extractive();
    const atlas = await Atlas.build(corpus, {
      ...base,
      labeller: promptLabeller({
        complete: async (prompt) => {
          prompts.push(prompt);
          return `Label: **studies of ${firstPhrase(prompt)}**.\n\nThese papers all concern ...`;
        },
      }),
    });
    expect(prompts).toHaveLength(5);
    atlas.themes.forEach((t, i) => {
      const same = plain.themes[i]!;
      expect(t.paperIds).toEqual(same.paperIds);
      expect(t.keywords).toEqual(same.keywords);
      expect(t.label).toBe(`studies of ${same.keywords[0]}`);
    });
    // Each prompt shows the theme's top phrases and the titles of papers from that theme, nearest its centroid first.
    const titleOf = new Map(atlas.papers.map((p) => [p.title, p.id]));
    for (const prompt of prompts) {
      const titles = [...prompt.matchAll(/^- (.+)$/gmu)].map((m) => m[1]!);
      expect(titles).toHaveLength(5);
      const themes = new Set(titles.map((t) => atlas.themeOf(titleOf.get(t)!).id));
      expect(themes.size).toBe(1);
      const theme = atlas.themes[[...themes][0]!]!;
      expect(prompt).toContain(theme.keywords.slice(0, 8).join('; '));
      expect(titles[0]).toBe(atlas.papers.find((p) => p.id === theme.representative[0])!.title);
    }
  });

  it('keeps the extractive label where the call fails or the answer is unusable, and says why', async () => {
    const plain = await extractive();
    const answers: (() => Promise<string>)[] = [
      async () => {
        throw new Error('connection refused');
      },
      async () => '   \n',
      async () => 'a theme about many different things that researchers study in this corpus',
      async () => 'robotics',
      async () => 'robotics',
    ];
    const reasons: [number, string][] = [];
    let call = 0;
    const atlas = await Atlas.build(corpus, {
      ...base,
      labeller: promptLabeller({ complete: () => answers[call++]!(), onFallback: (t, why) => reasons.push([t, why]) }),
    });
    expect(reasons.map(([t]) => t)).toEqual([0, 1, 2, 4]);
    expect(reasons[0]![1]).toMatch(/connection refused/u);
    expect(reasons[1]![1]).toMatch(/empty/u);
    expect(reasons[2]![1]).toMatch(/too long/u);
    expect(reasons[3]![1]).toMatch(/already names another theme/u);
    const labels = atlas.themes.map((t) => t.label);
    expect(labels.filter((l) => l === 'robotics')).toHaveLength(1);
    expect(labels.filter((l) => l !== 'robotics').sort()).toEqual(
      plain.themes
        .map((t) => t.label)
        .filter((_, i) => i !== atlas.themes.findIndex((t) => t.label === 'robotics'))
        .sort(),
    );
  });

  it('stops at an abort instead of falling back, and refuses bad options', async () => {
    const stop = new AbortController();
    const labeller = promptLabeller({
      complete: async (_prompt, { signal }) => {
        stop.abort(new Error('user stopped'));
        signal?.throwIfAborted();
        return 'never';
      },
      onFallback: () => {
        throw new Error('no fallback after an abort');
      },
    });
    await expect(Atlas.build(corpus, { ...base, labeller, signal: stop.signal })).rejects.toThrow(/user stopped/u);
    expect(() => promptLabeller({} as never)).toThrow(OptionError);
    expect(() => promptLabeller({ complete: async () => 'x', maxWords: 0 })).toThrow(/maxWords/u);
    expect(() => promptLabeller({ complete: async () => 'x', temperature: 0 } as never)).toThrow(/temperature/u);
  });

  it('saves as a custom labeller that a load takes back when passed again', async () => {
    const labeller = promptLabeller({ complete: async (prompt) => `about ${firstPhrase(prompt)}`, id: 'my-llm' });
    const atlas = await Atlas.build(corpus, { ...base, labeller });
    const dir = await tempDir();
    await atlas.save(dir);
    const again = await Atlas.load(dir, { embedder: base.embedder!, stages: { labeller } });
    expect(again.themes.map((t) => t.label)).toEqual(atlas.themes.map((t) => t.label));
    await again.refit({ clusterer: { k: 4 } });
    expect(again.themes.every((t) => t.label.startsWith('about '))).toBe(true);
  });

  it('cleans what models wrap a name in, and refuses markup', () => {
    const none = new Set<string>();
    expect(cleanAnswer('"Optimal Transport"', 6, none)).toEqual({ label: 'Optimal Transport' });
    expect(cleanAnswer('Theme name: bilevel optimization.\nBecause ...', 6, none)).toEqual({ label: 'bilevel optimization' });
    expect(cleanAnswer('- **preference   optimization**', 6, none)).toEqual({ label: 'preference optimization' });
    expect(cleanAnswer('<b>x</b>', 6, none)).toMatchObject({ problem: expect.stringMatching(/markup/u) });
    expect(cleanAnswer(42, 6, none)).toMatchObject({ problem: expect.stringMatching(/number/u) });
    expect(cleanAnswer('Pruning', 6, new Set(['pruning']))).toMatchObject({ problem: expect.stringMatching(/another theme/u) });
  });
});
