import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { OptionError } from '../../index.js';
import { ATLAS_OPTION, type CommonOptions, common, DEFAULT_DIR, integer, kOption } from '../args.js';
import { openAtlas } from '../open.js';
import { print } from '../output.js';
import { line } from '../text.js';
import { existsSync } from 'node:fs';

/** `paper-atlas themes`. */
export function addThemes(program: Command): void {
  common(
    program
      .command('themes')
      .description('list themes; --k or --seed re-cluster first; --merge and --rename edit them (and save the atlas)')
      .option('--k <k>', 'number of themes, or auto', kOption)
      .option('--seed <n>', 'random seed for re-clustering', integer('--seed', 0))
      .option('--merge <ids>', 'merge these themes (comma-separated ids) into one', (v: string) => v.split(',').map((x) => integer('--merge', 0)(x.trim())))
      .option('--label <text>', 'label of the merged theme (with --merge)')
      .option('--rename <id=label>', 'rename a theme: --rename "3=sparse training"', (v: string) => {
        const m = /^\s*(\d+)\s*=(.+)$/su.exec(v);
        if (!m) throw new InvalidArgumentError(`--rename must look like 3=new label, got "${v}"`);
        return { id: Number(m[1]), label: m[2]!.trim() };
      })
      .option('--outliers', 'also list papers far from their theme')
      .option(...ATLAS_OPTION),
  ).action(
    async (
      o: CommonOptions & {
        k?: number | 'auto';
        seed?: number;
        merge?: number[];
        label?: string;
        rename?: { id: number; label: string };
        outliers?: boolean;
        atlas?: string;
      },
    ) => {
      if (o.label !== undefined && o.merge === undefined)
        throw new OptionError('--label', 'names the theme --merge makes; use --rename "<id>=<label>" to rename a theme');
      const editing = o.merge !== undefined || o.rename !== undefined;
      if (editing && !o.atlas && !existsSync(resolve(DEFAULT_DIR, 'atlas.json')))
        throw new OptionError('--merge', '--merge and --rename edit a saved atlas: build one first (`paper-atlas build`) or pass --atlas <dir>');
      const atlas = await openAtlas(o.atlas, o);
      if (o.k !== undefined || o.seed !== undefined)
        await atlas.refit({ ...(o.k !== undefined ? { clusterer: { k: o.k } } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
      if (o.merge) await atlas.mergeThemes(o.merge, o.label !== undefined ? { label: o.label } : {});
      if (o.rename) await atlas.renameTheme(o.rename.id, o.rename.label);
      if (editing) await atlas.save(o.atlas ?? DEFAULT_DIR);
      const outliers = o.outliers ? atlas.outliers() : undefined;
      print(
        o.json,
        {
          source: atlas.source,
          k: atlas.kSelection,
          themes: atlas.themes,
          ...(outliers ? { outliers: outliers.map((x) => ({ id: x.paper.id, title: x.paper.title, theme: x.theme, score: Number(x.score.toFixed(4)) })) } : {}),
        },
        () =>
          [
            ...atlas.themes.map((t) =>
              [
                line`${String(t.id).padStart(2)}  ${t.label} (${t.size})`,
                line`    keywords: ${t.keywords.join(', ')}`,
                line`    e.g. ${t.representative.map((id) => atlas.paper(id).title).join(' | ')}`,
              ].join('\n'),
            ),
            ...(outliers
              ? [
                  `outliers (${outliers.length}): papers far from their theme's centre`,
                  ...outliers.map((x) => line`  ${x.score.toFixed(3)}  [theme ${x.theme}] ${x.paper.title}`),
                ]
              : []),
          ].join('\n'),
      );
    },
  );
}
