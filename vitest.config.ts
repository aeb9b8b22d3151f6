import { defineConfig } from 'vitest/config';

// Unit tests: the engine in Node on the tfjs cpu backend. No DOM environment on purpose —
// engine code must not need one.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'dev/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
