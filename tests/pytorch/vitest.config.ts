/** The PyTorch export's tests (tests/pytorch/run.mjs runs them after making sure python3-torch is there). */
import { defineConfig } from 'vitest/config';
import base from '../../vite.config.js';

export default defineConfig({
  ...base,
  test: {
    include: ['tests/pytorch/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['tests/unit/setup.ts'],
    testTimeout: 300_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/pytorch.json' }]],
  },
});
