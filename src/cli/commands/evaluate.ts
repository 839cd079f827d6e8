import { type Command, InvalidArgumentError } from 'commander';
import { Atlas, type Evaluation } from '../../index.js';
import { type CommonOptions, common, DEFAULT_DIR, embedderOptions, integer } from '../args.js';
import { print, warn } from '../output.js';

const share = (v: string): number => {
  const n = Number(v);
  if (!/^\d*\.?\d+$/u.test(v.trim()) || !(n > 0 && n < 1)) throw new InvalidArgumentError(`--held-out must be a share between 0 and 1, got "${v}"`);
  return n;
};

function evaluationText(e: Evaluation): string {
  const row = (name: string, q: { recall: number; ndcg: number }): string =>
    `${name.padEnd(10)} recall@${e.k} ${q.recall.toFixed(3)}  nDCG@${e.k} ${q.ndcg.toFixed(3)}`;
  return [
    `${e.hidden} of ${e.links} links between the atlas's papers hidden; ${e.queries} papers asked about`,
    row('text', e.text),
    row('citations', e.citations),
    row('hybrid', e.hybrid),
    `best order here: --rank ${e.best}`,
  ].join('\n');
}

/** `paper-atlas evaluate`. */
export function addEvaluate(program: Command): void {
  common(
    program
      .command('evaluate')
      .description("hide some of the links between the atlas's papers and measure how well each order finds them")
      .argument('[dir]', 'atlas directory', DEFAULT_DIR)
      .option('--held-out <share>', 'share of the links hidden', share, 0.3)
      .option('--seed <n>', 'chooses the hidden links', integer('--seed', 0))
      .option('--k <n>', 'results per paper scored', integer('--k', 1), 10),
  ).action(async (dir: string, o: CommonOptions & { heldOut: number; seed?: number; k: number }) => {
    const atlas = await Atlas.load(dir, { embedder: embedderOptions(o), onWarning: warn });
    const e = await atlas.evaluate({ heldOut: o.heldOut, k: o.k, ...(o.seed !== undefined ? { seed: o.seed } : {}) });
    print(o.json, e, () => evaluationText(e));
  });
}
