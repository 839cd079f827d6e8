import { type Command } from 'commander';
import { Atlas } from '../../index.js';
import { type CommonOptions, common, DEFAULT_DIR, embedderOptions } from '../args.js';
import { print, recallText, summary, summaryText, warn } from '../output.js';

/** `paper-atlas info`. */
export function addInfo(program: Command): void {
  common(
    program
      .command('info')
      .description('summarise a saved atlas')
      .argument('[dir]', 'atlas directory', DEFAULT_DIR)
      .option('--recall', 'measure HNSW recall@10 against exact search'),
  ).action(async (dir: string, o: CommonOptions & { recall?: boolean }) => {
    const atlas = await Atlas.load(dir, { embedder: embedderOptions(o), onWarning: warn });
    const recall = o.recall ? await atlas.recall(10) : undefined;
    print(o.json, { ...summary(atlas), ...(recall ? { recall } : {}) }, () => `${summaryText(atlas)}\n${recallText(recall)}`.trimEnd());
  });
}
