#!/usr/bin/env node
// Entry of `npm start`, `npm run ingest|api|simulate|bench`. Plain Node on purpose: it runs on a
// fresh clone before node_modules exists, installs what is missing, then loads the TypeScript.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDashboardBuild, ensureNodeModules } from './lib/bootstrap.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [role = 'start', ...args] = process.argv.slice(2);
const ROLES = { start: 'all', ingest: 'ingest', api: 'api', simulate: null, bench: null };

if (!(role in ROLES)) {
  console.error(`vigil: unknown role "${role}" (expected one of ${Object.keys(ROLES).join(', ')})`);
  process.exit(2);
}
// Node older than 20.19 lacks what the dependencies need; say so in one line instead of a trace.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`vigil: Node ${process.versions.node} is too old; Vigil needs Node 20.19 or newer`);
  process.exit(1);
}

try {
  ensureNodeModules(root);
} catch (err) {
  console.error(`vigil: ${err.message}`);
  process.exit(1);
}

const { register } = await import('tsx/esm/api');
register();
// The module's own argv view: `npm run simulate -- --devices 5` hands it ["--devices", "5"].
process.argv = [process.argv[0], process.argv[1], ...args];
if (role === 'simulate') {
  await import(pathToFileURL(join(root, 'scripts/simulate.ts')).href);
} else if (role === 'bench') {
  if (!existsSync(join(root, 'bench/cli.ts'))) {
    console.error('vigil: the benchmark suite is not built yet (see README, Benchmarks)');
    process.exit(1);
  }
  await import(pathToFileURL(join(root, 'bench/cli.ts')).href);
} else {
  const { main } = await import(pathToFileURL(join(root, 'app/cli.ts')).href);
  // The dashboard is built after the config is validated, so a typo fails in a second, not after a build.
  const prepare = role === 'start' || role === 'api' ? () => ensureDashboardBuild(root) : () => undefined;
  await main(ROLES[role], process.env, prepare);
}
