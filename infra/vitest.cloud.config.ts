import { defineConfig } from 'vitest/config';

/**
 * The emulated-cloud tier (`npm run test:cloud`): the bundles in cdk.out against local emulators.
 * scripts/testCloud.mjs runs it on Node 24, the functions' runtime, after synth.
 */
export default defineConfig({
  test: {
    include: ['cloud/**/*.cloud.test.ts'],
    // One set of emulators per file; the files run one after another on 2 cores.
    fileParallelism: false,
    // A journey drains every queue through the bundles; a busy 2-core machine needs minutes.
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
