import { resolve } from 'node:path';
import { type Command } from 'commander';
import { ATLAS_OPTION, type CommonOptions, common, integer } from '../args.js';
import { openAtlas } from '../open.js';
import { print } from '../output.js';

/** `paper-atlas timeline`. */
export function addTimeline(program: Command): void {
  common(
    program
      .command('timeline')
      .description('papers per theme per year: a streamgraph (SVG or PNG) or its Vega-Lite spec (.json)')
      .option('--bin <years>', 'years per period', integer('--bin', 1), 1)
      .option('--out <file>', 'output file (.svg, .png or .json)', 'themes-over-time.svg')
      .option(...ATLAS_OPTION),
  ).action(async (o: CommonOptions & { bin: number; out: string; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const t = atlas.themesOverTime({ bin: o.bin });
    const out = resolve(o.out);
    await t.write(out);
    print(
      o.json,
      { source: atlas.source, file: out, periods: t.periods, themes: t.themes, undated: t.undated },
      () =>
        `wrote ${out} (${t.periods.length} periods${t.periods.length ? `, ${t.periods[0]} to ${t.periods.at(-1)}` : ''}; ${t.undated} papers without a year)`,
    );
  });
}
