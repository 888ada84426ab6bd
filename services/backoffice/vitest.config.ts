import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI runs two packages' suites at once on two cores: integration tests that take a second here
    // can take several there. A test that truly hangs still fails, just later than vitest's 5 s.
    testTimeout: 30_000,
  },
});
