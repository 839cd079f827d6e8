/** The CLI program: its commands, and how errors become messages and exit codes. */
import { Command } from 'commander';
import { CORPUS_FORMATS, CorpusError, isInputError, PaperAtlasError } from '../index.js';
import { version } from './args.js';
import { addBuild } from './commands/build.js';
import { addEvaluate } from './commands/evaluate.js';
import { addInfo } from './commands/info.js';
import { addRelated } from './commands/related.js';
import { addSearch } from './commands/search.js';
import { addThemes } from './commands/themes.js';
import { addTimeline } from './commands/timeline.js';
import { addUpdate } from './commands/update.js';
import { addMap } from './commands/map.js';
import { addFetchModel } from './commands/fetch-model.js';
import { addDemo } from './commands/demo.js';
import { terminalText } from './text.js';

export function makeProgram(): Command {
  const program = new Command('paper-atlas')
    .description('Turn paper abstracts into a navigable map of research: related papers, themes and topic maps.')
    .version(version(), '-V, --version')
    .showHelpAfterError()
    // Set before the subcommands are added, which inherit it: usage errors must reach main() for exit code 2.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  addBuild(program);
  addInfo(program);
  addUpdate(program);
  addEvaluate(program);
  addRelated(program);
  addSearch(program);
  addThemes(program);
  addTimeline(program);
  addMap(program);
  addFetchModel(program);
  addDemo(program);
  return program;
}

const FLAGS: Record<string, string> = {
  format: '--format',
  encoding: '--encoding',
  jsonKey: '--json-key',
  fields: '--field',
  missingAbstract: '--missing-abstract',
};

/** A CorpusError as the CLI says it: the fix names the flag, not the API option. */
function cliMessage(err: CorpusError): string {
  if (!err.hint) return err.message;
  const at = err.message.slice(0, err.message.indexOf(err.problem));
  const value =
    err.hint.value !== undefined
      ? ` ${err.hint.value}`
      : err.hint.option === 'jsonKey'
        ? ' <key>'
        : err.hint.option === 'format'
          ? ` <${CORPUS_FORMATS.join('|')}>`
          : '';
  return `${at}${err.problem}; use ${FLAGS[err.hint.option]}${value}`;
}

/** Runs the CLI; returns the exit code: 0 ok, 2 bad input (file, paper, option), 1 anything else. */
export async function main(argv = process.argv): Promise<number> {
  const json = argv.includes('--json');
  try {
    await makeProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0;
      if (!ok && json) process.stdout.write(`${JSON.stringify({ error: { code: 'E_USAGE', message: String(e.message ?? '').replace(/^error: /u, '') } })}\n`);
      return ok ? 0 : 2;
    }
    const input = isInputError(err);
    const known = err instanceof PaperAtlasError;
    const message = err instanceof CorpusError ? cliMessage(err) : known ? err.message : `internal error: ${(err as Error).message ?? String(err)}`;
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: known ? err.code : 'E_INTERNAL', message } })}\n`);
    process.stderr.write(`error: ${terminalText(message)}\n`);
    if (!known && process.env.PAPER_ATLAS_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else if (!known) process.stderr.write('(set PAPER_ATLAS_DEBUG=1 for the stack trace)\n');
    return input ? 2 : 1;
  }
}
