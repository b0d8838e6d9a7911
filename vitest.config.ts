import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real brokers, ptys and child processes: generous per-test deadlines; each test still
    // waits for events, never for time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: at most two heavy test files at once keeps timing-sensitive tests honest.
    maxWorkers: 2,
  },
});
