import { type Command, Option } from 'commander';
import { Atlas, CORPUS_FORMATS, REFIT_POLICIES, type RefitPolicy, type UpdateReport } from '../../index.js';
import { type CommonOptions, common, DEFAULT_DIR, embedderOptions, fieldOption, integer, type ReadOptions } from '../args.js';
import { readInput } from '../open.js';
import { print, progressReporter, warn } from '../output.js';

function updateText(r: UpdateReport): string {
  const lines = [`added ${r.added.length} papers; ${r.refit ? 'refitted' : 'not refitted'}: ${r.reason}`];
  const c = r.changes;
  if (c) {
    lines.push(
      `${c.kept.length} themes kept, ${c.born.length} born, ${c.dissolved.length} dissolved, ${c.split.length} split, ${c.merged.length} merged; ${c.moved.length} papers changed theme (${Math.round(c.stayed * 100)}% stayed)`,
    );
    for (const b of c.born) lines.push(`  new theme ${b.id}: ${b.label} (${b.size} papers, ${b.added} of them added)`);
    for (const d of c.dissolved) lines.push(`  gone: ${d.label} (${d.size} papers)`);
  }
  return lines.join('\n');
}

/** `paper-atlas update`. */
export function addUpdate(program: Command): void {
  common(
    program
      .command('update')
      .description("add papers to a saved atlas, refit when they no longer fit its themes (themes keep their ids and the user's names), and save it")
      .argument('<input>', 'a file, arxiv:"<query>", openalex:"<search>" or openalex:filter=<filter>')
      .option('--atlas <dir>', 'the saved atlas to update', DEFAULT_DIR)
      .addOption(new Option('--refit <when>', 'refit when the drift calls for it (auto), always or never').choices([...REFIT_POLICIES]).default('auto'))
      .addOption(new Option('--format <format>', 'input format (default: from the extension, else the content)').choices(CORPUS_FORMATS))
      .option('--field <field=column>', 'column or key of a paper field, e.g. --field title=Title (repeatable)', fieldOption)
      .option('--json-key <key>', 'JSON: the key the list of papers is under')
      .addOption(new Option('--missing-abstract <policy>', 'records without an abstract: skip (default), title or error').choices(['skip', 'title', 'error']))
      .option('--max <n>', 'arxiv:/openalex: papers to fetch at most', integer('--max', 1))
      .option('--email <address>', "openalex: your e-mail, for OpenAlex's polite pool"),
  ).action(async (input: string, o: CommonOptions & ReadOptions & { atlas: string; refit: RefitPolicy }) => {
    const corpus = await readInput(input, o);
    const atlas = await Atlas.load(o.atlas, { embedder: embedderOptions(o), onWarning: warn });
    const progress = progressReporter(!o.json);
    try {
      // Papers the atlas already holds (same id or title) are left as they are: re-reading a growing export adds the new ones.
      const report = await atlas.update(corpus.papers, { refit: o.refit, onDuplicate: 'skip', onProgress: progress.onProgress });
      await atlas.save(o.atlas);
      print(o.json, { ...report, added: report.added.map((p) => p.id), skippedKnown: corpus.papers.length - report.added.length }, () => updateText(report));
    } finally {
      progress.stop();
      await atlas.dispose();
    }
  });
}
