import { resolve } from 'node:path';
import { type Command } from 'commander';
import { type CommonOptions, common } from '../args.js';
import { buildFrom } from '../open.js';
import { neighborText, print, summary, summaryText } from '../output.js';
import { line } from '../text.js';

/** `paper-atlas demo`. */
export function addDemo(program: Command): void {
  common(
    program
      .command('demo')
      .description('build the bundled corpus, save it, and write its topic map')
      .option('--out <dir>', 'output directory', 'paper-atlas-demo'),
  ).action(async (o: CommonOptions & { out: string }) => {
    const atlas = await buildFrom(undefined, o);
    const dir = resolve(o.out);
    await atlas.save(resolve(dir, 'atlas'));
    const map = await atlas.map({ title: 'Regularized optimization in ML: 194 papers' });
    await map.write(resolve(dir, 'map.html'));
    await map.write(resolve(dir, 'map.svg'));
    const example = atlas.paper('Sharpness-Aware Minimization');
    const rows = await atlas.related(example.id, { k: 5 });
    const files = { map: resolve(dir, 'map.html'), svg: resolve(dir, 'map.svg'), atlas: resolve(dir, 'atlas') };
    print(o.json, { ...summary(atlas), ...files }, () =>
      [
        summaryText(atlas),
        '',
        line`Related to "${example.title}":`,
        neighborText(rows),
        '',
        `map: ${files.map}`,
        `svg: ${files.svg}`,
        `atlas: ${files.atlas}`,
      ].join('\n'),
    );
  });
}
