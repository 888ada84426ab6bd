import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Synthesising whole stages takes a few seconds each.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
