import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Whole-runtime tests: each starts its own runtime; run them one after another on 2 cores.
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
