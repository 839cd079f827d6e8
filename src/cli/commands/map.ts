import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { MAP_FORMATS, type MapFormat } from '../../index.js';
import { ATLAS_OPTION, type CommonOptions, common, integer } from '../args.js';
import { openAtlas } from '../open.js';
import { print } from '../output.js';

/** `paper-atlas map`. */
export function addMap(program: Command): void {
  common(
    program
      .command('map')
      .description('write a topic map (self-contained HTML, SVG, PNG or Vega-Lite JSON)')
      .addOption(new Option('--format <format>', 'output format (default: from --out, else html)').choices(MAP_FORMATS))
      .option('--out <file>', 'output file (default: map.html, map.svg, map.png or map.vl.json in the current directory)')
      .option('--title <title>', 'title shown on the map')
      .option(
        '--related <n>',
        'related papers listed per paper, 0-50 (default 5; 0 skips one store query per paper on very large atlases)',
        integer('--related', 0),
      )
      .option(...ATLAS_OPTION),
  ).action(async (o: CommonOptions & { format?: MapFormat; out?: string; title?: string; related?: number; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const map = await atlas.map({ ...(o.title ? { title: o.title } : {}), ...(o.related !== undefined ? { relatedPerPaper: o.related } : {}) });
    const format = o.format ?? (o.out ? undefined : 'html');
    const out = resolve(o.out ?? `map.${format === 'vega' ? 'vl.json' : format}`);
    await map.write(out, format ? { format } : {});
    print(
      o.json,
      { source: atlas.source, file: out, points: map.points.length, themes: map.labels.length },
      () => `wrote ${out} (${map.points.length} papers, ${map.labels.length} themes)`,
    );
  });
}
