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
        // Measured 2026-11-30: hub 89.3 / 85.8 / 88.9 / 74.7 %, shared 98.1 / 94.2 / 95.2 / 90.7 %.
        'hub/**': { lines: 87, statements: 83, functions: 86, branches: 72 },
        'shared/**': { lines: 96, statements: 92, functions: 93, branches: 88 },
      },
    },
  },
});
