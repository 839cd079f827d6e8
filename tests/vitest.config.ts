import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Two layers: `unit` runs the pipeline on synthetic data with a deterministic fake embedder (no
 * model, seconds); `integration` uses the real all-MiniLM-L6-v2, the real index and a real browser.
 * `npm test` runs both; `npm run test:unit` the first alone.
 */
export default defineConfig({
  // Kept in tests/ so the top level stays as the product layout fixes it.
  root,
  test: {
    // Native addons (hnswlib, onnxruntime) are happiest in child processes, not worker threads.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // One module graph per worker process (files share it): the layer's time goes to tests, not imports.
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 60_000, isolate: false },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/*.test.ts'],
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
