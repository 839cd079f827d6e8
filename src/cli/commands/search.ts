import { type Command } from 'commander';
import { ATLAS_OPTION, type CommonOptions, common, FILTER_OPTIONS, type FilterFlags, filters, integer } from '../args.js';
import { openAtlas } from '../open.js';
import { neighborRows, neighborText, print } from '../output.js';

/** `paper-atlas search`. */
export function addSearch(program: Command): void {
  common(
    program
      .command('search')
      .description('papers about a free-text query')
      .argument('<text>', 'query')
      .option('--k <n>', 'number of results', integer('--k', 1), 10)
      .option(...FILTER_OPTIONS.rank)
      .option(...FILTER_OPTIONS.years)
      .option(...FILTER_OPTIONS.theme)
      .option(...ATLAS_OPTION),
  ).action(async (text: string, o: CommonOptions & FilterFlags & { k: number; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const rows = await atlas.search(text, { k: o.k, ...filters(o) });
    print(o.json, { source: atlas.source, query: text, results: neighborRows(rows) }, () => neighborText(rows));
  });
}
