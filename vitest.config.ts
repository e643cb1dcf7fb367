import { defineConfig } from 'vitest/config';

/**
 * Three tiers, each a vitest project (`npm test -- --project unit`):
 * - unit: no servers, no Debian binaries, no files outside a temp dir; runs in seconds.
 * - integration: real Mosquitto, InfluxDB, Aedes, SQLite, docker-compose, mosquitto_passwd.
 * - e2e: headless Chromium against a running Vigil.
 * Options set here (pool, timeouts, retry) apply to every project through `extends: true`.
 */
export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'] } },
    ],
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
    coverage: {
      provider: 'v8',
      // Server code and the dashboard's logic; tests, benchmarks and scripts are the measuring side.
      include: [
        'lib/**',
        'domain/**',
        'bus/**',
        'sources/**',
        'store/**',
        'alerts/**',
        'broker/**',
        'ingest/**',
        'api/**',
        'simulator/**',
        'app/**',
        'dashboard/src/**',
      ],
      // .svelte files are covered by the e2e tier; v8 coverage cannot parse them.
      exclude: ['**/*.d.ts', '**/*.d.mts', '**/*.svelte'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // The floor of `npm run coverage` (the unit tier), set a little below what it measured on
      // 2026-12-01 after the bus, seams and edge work landed (statements 65.4%, branches 63.4%,
      // functions 64.3%, lines 66.8%; .svelte excluded; CONTRIBUTING.md).
      // Raise it when coverage grows; never lower it to pass.
      thresholds: { statements: 63, branches: 61, functions: 62, lines: 64 },
    },
  },
});
