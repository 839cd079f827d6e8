import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { CORPUS_FORMATS, DEFAULT_FIT_SAMPLE, DEFAULT_KMEANS_OPTIONS, DEFAULT_SEED } from '../../index.js';
import { type BuildOptions, common, DEFAULT_DIR, fieldOption, integer, kOption } from '../args.js';
import { buildFrom } from '../open.js';
import { print, recallText, summary, summaryText } from '../output.js';

/** `paper-atlas build`. */
export function addBuild(program: Command): void {
  common(
    program
      .command('build')
      .description(
        'read a library (BibTeX, RIS, CSL-JSON, JSON, JSONL, CSV/TSV incl. Zotero, OpenAlex, Semantic Scholar, arXiv Atom, page text) or fetch one from arXiv or OpenAlex, and save an atlas',
      )
      .argument('[input]', 'a file, arxiv:"<query>", openalex:"<search>" or openalex:filter=<filter>; the bundled corpus when omitted')
      .addOption(new Option('--format <format>', 'input format (default: from the extension, else the content)').choices(CORPUS_FORMATS))
      .option('--field <field=column>', 'column or key of a paper field, e.g. --field title=Title (repeatable)', fieldOption)
      .option('--json-key <key>', 'JSON: the key the list of papers is under')
      .option('--citations <file>', 'an edge list beside the input: one citation a line, citing<TAB>cited (paper ids, DOIs, OpenAlex ids)')
      .addOption(new Option('--encoding <encoding>', 'text encoding when the file has no byte-order mark').choices(['utf-8', 'utf-16le', 'utf-16be', 'latin1']))
      .addOption(
        new Option('--missing-abstract <policy>', 'records without an abstract: skip (default), title (keep, embedded from the title) or error').choices([
          'skip',
          'title',
          'error',
        ]),
      )
      .option('--max <n>', 'arxiv:/openalex: papers to fetch at most (default 100 / 200)', integer('--max', 1))
      .option('--email <address>', "openalex: your e-mail, for OpenAlex's polite pool")
      .option('--out <dir>', 'directory to save the atlas in', DEFAULT_DIR)
      .option('--seed <n>', `random seed (default ${DEFAULT_SEED})`, integer('--seed', 0))
      .option('--k <k>', `number of themes, or auto (default ${DEFAULT_KMEANS_OPTIONS.k})`, kOption)
      .option(
        '--fit-sample <n>',
        `above this many papers, fit layout and themes on a sample this size (default ${DEFAULT_FIT_SAMPLE})`,
        integer('--fit-sample', 1000),
      )
      .option('--recall', "also measure the store's recall@10 against exact search")
      .option(
        '--lance <uri>',
        'keep the vectors in a LanceDB table at this directory or s3:// / gs:// / az:// URI (needs @lancedb/lancedb; credentials from the environment)',
      )
      .option(
        '--vectors <path>',
        "papers with vectors another job computed, instead of an input: a Parquet file or directory of them, or a Lance table's URI (embeds nothing; refused unless made by this embedder)",
      )
      .option('--no-cache', 'recompute every embedding instead of using the embedding cache'),
  ).action(async (input: string | undefined, o: BuildOptions & { out: string; recall?: boolean }) => {
    const atlas = await buildFrom(input, o);
    await atlas.save(o.out);
    const recall = o.recall ? await atlas.recall(10) : undefined;
    print(
      o.json,
      { ...summary(atlas), savedTo: resolve(o.out), ...(recall ? { recall } : {}) },
      () => `${summaryText(atlas)}\n${recallText(recall)}saved to ${resolve(o.out)}`,
    );
  });
}
