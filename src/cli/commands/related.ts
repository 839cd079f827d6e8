import { type Command } from 'commander';
import { ATLAS_OPTION, type CommonOptions, common, FILTER_OPTIONS, type FilterFlags, filters, integer } from '../args.js';
import { openAtlas } from '../open.js';
import { explainedText, neighborRows, neighborText, print } from '../output.js';
import { line } from '../text.js';

/** `paper-atlas related`. */
export function addRelated(program: Command): void {
  common(
    program
      .command('related')
      .description('papers related to one paper or several at once (id, exact title or unique title prefix)')
      .argument('<papers...>', 'paper ids or titles')
      .option('--k <n>', 'number of results', integer('--k', 1), 10)
      .option('--why', 'explain each result: shared phrases and the best-matching sentences')
      .option(...FILTER_OPTIONS.rank)
      .option(...FILTER_OPTIONS.years)
      .option(...FILTER_OPTIONS.theme)
      .option(...ATLAS_OPTION),
  ).action(async (papers: string[], o: CommonOptions & FilterFlags & { k: number; why?: boolean; atlas?: string }) => {
    const atlas = await openAtlas(o.atlas, o);
    const given = papers.map((p) => atlas.paper(p));
    const rows = await atlas.relatedTo(papers, { k: o.k, ...filters(o) });
    // Each result is explained against the paper asked about that it is closest to.
    const closest = (id: string): string => {
      const v = atlas.vectorOf(id);
      const score = (g: { id: string }): number => atlas.vectorOf(g.id).reduce((s, x, d) => s + x * v[d]!, 0);
      return given.reduce((best, g) => (score(g) > score(best) ? g : best)).id;
    };
    const why = o.why
      ? await Promise.all(
          rows.map(async (r) => {
            const against = closest(r.paper.id);
            return { against, ...(await atlas.explain(against, r.paper.id)) };
          }),
        )
      : undefined;
    const heading =
      given.length === 1 ? line`Related to: ${given[0]!.title}` : `Related to ${given.length} papers:\n${given.map((p) => line`  - ${p.title}`).join('\n')}`;
    print(
      o.json,
      {
        // `paper`: the first (or only) paper asked about, as before `related` took several.
        source: atlas.source,
        paper: { id: given[0]!.id, title: given[0]!.title },
        papers: given.map((p) => ({ id: p.id, title: p.title })),
        related: neighborRows(rows).map((r, i) => (why ? { ...(r as object), why: why[i] } : r)),
      },
      () => `${heading}\n${why ? explainedText(rows, why, given.length > 1 ? (id) => atlas.paper(id).title : undefined) : neighborText(rows)}`,
    );
  });
}
