// Worker entry for the fuzzing pass: loads the TypeScript case runner through tsx (workers do not
// inherit the parent's loader), so the decoders run from src/ as the rest of the suite does.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
