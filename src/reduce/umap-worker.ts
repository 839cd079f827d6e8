import { parentPort } from 'node:worker_threads';
import { runUmap, type UmapJob } from './umap-core.js';

/**
 * The worker thread a UmapReducer runs in, so that the map layout and the clustering space (and
 * the k search) run side by side on two cores. One job at a time, as many as it is sent (idle
 * workers are kept for the next build). Messages out, per job: `{ initialized }` once its fuzzy
 * graph is built, `{ epoch, total }` while it runs, then `{ coords }` (transferred) or `{ error }`.
 */
parentPort?.on('message', (job: UmapJob) => {
  runUmap(
    job,
    (epoch, total) => parentPort!.postMessage({ epoch, total }),
    () => parentPort!.postMessage({ initialized: true }),
  ).then(
    ({ coords }) => parentPort!.postMessage({ coords }, [coords.buffer as ArrayBuffer]),
    (err: unknown) => parentPort!.postMessage({ error: String((err as Error).message ?? err) }),
  );
});
