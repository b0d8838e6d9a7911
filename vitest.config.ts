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
    // `npm test -- --coverage` (CI does): what the tests run in their own process. The hub
    // tests that start the real CLI as a child process add nothing here, so these figures
    // are a floor; raise the thresholds as they rise, never lower them to pass.
    coverage: {
      provider: 'v8',
      include: ['hub/**/*.ts', 'shared/**/*.ts'],
      exclude: ['**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'dist/coverage',
      thresholds: {
        'hub/**': { lines: 0, statements: 0, functions: 0, branches: 0 },
        'shared/**': { lines: 0, statements: 0, functions: 0, branches: 0 },
      },
    },
  },
});
