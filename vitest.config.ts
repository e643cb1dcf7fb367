import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Forks, not threads: tests spawn real servers and native modules (better-sqlite3), and a
    // crashed worker must take only its own processes down.
    pool: 'forks',
    // The CI machine has 2 cores, and every worker may run its own broker and database.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // A server-backed test that passes only on retry is a bug to fix, not to hide.
    retry: 0,
    allowOnly: false,
  },
});
