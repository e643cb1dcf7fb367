// `npm test`: install what the tests need, then run every test with real servers.
// Plain Node (no npm deps): it runs before node_modules exists.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDashboardBuild, ensureDebianPackages, ensureNodeModules, TEST_DEBIAN_PACKAGES } from './lib/bootstrap.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** .ci/run reads this; it is deleted first so a run that dies leaves no stale results behind. */
const RESULTS_FILE = join(root, '.vigil-tmp', 'vitest-results.json');

// `--prepare-only`: install and build, run nothing. .ci/run uses it so lint and typecheck, which
// need node_modules, can run before the tests on a fresh clone.
const prepareOnly = process.argv.includes('--prepare-only');

try {
  ensureNodeModules(root);
  ensureDebianPackages(TEST_DEBIAN_PACKAGES);
  ensureDashboardBuild(root);
} catch (err) {
  console.error(`vigil: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
if (prepareOnly) process.exit(0);

mkdirSync(dirname(RESULTS_FILE), { recursive: true });
rmSync(RESULTS_FILE, { force: true });

const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${RESULTS_FILE}`, ...process.argv.slice(2)];
const child = spawn('npx', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

// Ctrl-C reaches vitest through the terminal's process group; a plain SIGTERM (CI cancel) does
// not, so pass it on and let vitest stop its workers and their servers.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}

child.on('error', (err) => {
  console.error(`vigil: could not run vitest: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
