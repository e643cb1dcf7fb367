// Runs before node_modules exists (a fresh clone's `npm test` / `npm start`): Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** What the tests need from Debian; `bin` is what proves the package is there. */
export const TEST_DEBIAN_PACKAGES = Object.freeze([
  { pkg: 'mosquitto', bin: 'mosquitto' },
  { pkg: 'mosquitto-clients', bin: 'mosquitto_pub' },
  { pkg: 'influxdb', bin: 'influxd' },
  { pkg: 'chromium', bin: 'chromium' },
  // The Firefox smoke test drives it over WebDriver BiDi (tests/helpers/firefox.ts).
  { pkg: 'firefox-esr', bin: 'firefox-esr' },
  { pkg: 'docker-compose', bin: 'docker-compose' },
  { pkg: 'nginx', bin: 'nginx' },
  // The broker tests: NATS's MQTT gateway and RabbitMQ's MQTT plugin (tests/helpers/nats.ts, rabbitmq.ts).
  { pkg: 'nats-server', bin: 'nats-server' },
  { pkg: 'rabbitmq-server', bin: 'rabbitmq-server' },
  // The TLS deployment test makes a throwaway CA.
  { pkg: 'openssl', bin: 'openssl' },
  // promtool checks /metrics; a real Prometheus scrapes it (tests/integration/prometheus.test.ts).
  { pkg: 'prometheus', bin: 'promtool' },
]);

/** Daemons live in sbin, which a non-root PATH usually lacks. */
const KNOWN_BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * True when `targetMtime` (null: target missing) is older than any of `sourceMtimes`
 * (null entries: source missing, ignored).
 */
export function isStale(targetMtime, sourceMtimes) {
  if (targetMtime === null) return true;
  return sourceMtimes.some((m) => m !== null && m > targetMtime);
}

/** Newest mtime of a file, or of every file under a directory; null when nothing is there. */
export function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return null;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = null;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const inner = newestMtime(join(path, entry.name));
    if (inner !== null && (newest === null || inner > newest)) newest = inner;
  }
  return newest;
}

/**
 * Decides how node_modules must be (re)installed:
 * `{ command: 'ci' | 'install' | null, reason }`.
 * npm records what it installed in node_modules/.package-lock.json, so a lockfile newer than
 * that record means someone changed dependencies since the last install.
 */
export function installPlan(root) {
  const lock = mtimeMs(join(root, 'package-lock.json'));
  const hasModules = existsSync(join(root, 'node_modules'));
  const installed = mtimeMs(join(root, 'node_modules', '.package-lock.json'));
  if (lock === null) {
    if (!hasModules) return { command: 'install', reason: 'node_modules is missing and there is no package-lock.json' };
    return { command: null, reason: 'node_modules present (no package-lock.json to compare)' };
  }
  if (!hasModules) return { command: 'ci', reason: 'node_modules is missing' };
  if (installed === null) return { command: 'ci', reason: 'node_modules has no record of an install (.package-lock.json)' };
  if (lock > installed) return { command: 'ci', reason: 'package-lock.json is newer than the installed node_modules' };
  return { command: null, reason: 'node_modules is up to date' };
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result.status ?? 1;
}

/** Installs npm dependencies when missing or out of date; prints one line saying what it does. */
export function ensureNodeModules(root, deps = { run, log: console.log }) {
  const plan = installPlan(root);
  if (plan.command === null) return plan;
  deps.log(`vigil: ${plan.reason}: running npm ${plan.command}`);
  const status = deps.run('npm', [plan.command, '--no-audit', '--no-fund'], { cwd: root });
  if (status !== 0) throw new Error(`npm ${plan.command} failed with exit code ${status}`);
  return plan;
}

/** True when `bin` is on PATH or in one of the usual Debian bin dirs. */
export function hasBinary(bin) {
  if (KNOWN_BIN_DIRS.some((dir) => existsSync(join(dir, bin)))) return true;
  const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' });
  return result.status === 0;
}

/** The packages of `list` whose binary is missing, in list order, without duplicates. */
export function missingPackages(list, exists = hasBinary) {
  const missing = [];
  for (const { pkg, bin } of list) {
    if (!exists(bin) && !missing.includes(pkg)) missing.push(pkg);
  }
  return missing;
}

export function aptInstallCommand(pkgs) {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

let aptUpdated = false;

/**
 * Debian's maintainer scripts start mosquitto and influxd on their default ports (1883, 8086)
 * right after install; those would collide with `npm start`, so service starts are refused for
 * the duration of the install (the policy-rc.d convention), unless the machine already has a policy.
 */
function withoutServiceStarts(body) {
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  if (ours)
    writeFileSync(policy, '#!/bin/sh\n# written by vigil scripts/lib/bootstrap.mjs during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    return body();
  } finally {
    if (ours) rmSync(policy, { force: true });
  }
}

const defaultAptDeps = {
  isRoot: () => process.getuid?.() === 0,
  exists: hasBinary,
  run,
  log: console.log,
  exit: (code) => process.exit(code),
  guardServices: withoutServiceStarts,
};

/**
 * Makes sure the Debian packages in `list` ({ pkg, bin }) are installed: as root it installs the
 * missing ones; otherwise it says exactly what to run and exits 1.
 */
export function ensureDebianPackages(list, overrides = {}) {
  const deps = { ...defaultAptDeps, ...overrides };
  const missing = missingPackages(list, deps.exists);
  if (missing.length === 0) return [];
  if (!deps.isRoot()) {
    deps.log(`vigil: missing Debian packages: ${missing.join(', ')}; install them as root with: ${aptInstallCommand(missing)}`);
    deps.exit(1);
    return missing;
  }
  deps.log(`vigil: installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    if (deps.run('apt-get', ['update'], { env }) !== 0) throw new Error('apt-get update failed');
    aptUpdated = true;
  }
  const status = deps.guardServices(() => deps.run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env }));
  if (status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed with exit code ${status}`);
  const still = missingPackages(list, deps.exists);
  if (still.length > 0) throw new Error(`installed ${missing.join(' ')} but still cannot find: ${still.join(', ')}`);
  return missing;
}

/** Files whose change means the dashboard bundle must be rebuilt. */
export function dashboardSources(root) {
  const dash = (name) => join(root, 'dashboard', name);
  // The lockfile too: a new Svelte or Chart.js version changes the built output.
  return [
    dash('src'),
    join(root, 'domain'),
    dash('index.html'),
    dash('vite.config.ts'),
    dash('precompress.ts'),
    dash('svelte.config.js'),
    dash('tsconfig.json'),
    join(root, 'package-lock.json'),
  ];
}

/** `{ build: boolean, reason }` for dashboard/dist, from mtimes only. */
export function dashboardBuildPlan(root) {
  if (!existsSync(join(root, 'dashboard', 'vite.config.ts'))) {
    return { build: false, reason: 'dashboard/vite.config.ts does not exist yet; skipping the dashboard build' };
  }
  const built = mtimeMs(join(root, 'dashboard', 'dist', 'index.html'));
  if (built === null) return { build: true, reason: 'dashboard/dist/index.html is missing' };
  if (isStale(built, dashboardSources(root).map(newestMtime)))
    return { build: true, reason: 'dashboard sources changed since the last build' };
  return { build: false, reason: 'dashboard build is up to date' };
}

/** Builds the dashboard bundle when it is missing or older than its sources. */
export function ensureDashboardBuild(root, deps = { run, log: console.log }) {
  const plan = dashboardBuildPlan(root);
  if (!plan.build) {
    if (plan.reason.includes('skipping')) deps.log(`vigil: ${plan.reason}`);
    return plan;
  }
  // A production install (npm ci --omit=dev) has no Vite: it serves the dist it was shipped with.
  if (!existsSync(join(root, 'node_modules', 'vite', 'package.json'))) {
    if (existsSync(join(root, 'dashboard', 'dist', 'index.html'))) {
      deps.log(`vigil: ${plan.reason}, but Vite is not installed (production install); serving the existing dashboard/dist`);
      return { build: false, reason: 'vite is not installed; serving the existing build' };
    }
    throw new Error(
      'dashboard/dist is missing and Vite is not installed (npm ci --omit=dev): build it with `npm run build:dashboard` where dev dependencies are installed',
    );
  }
  deps.log(`vigil: ${plan.reason}: running vite build`);
  const status = deps.run('npx', ['vite', 'build', '--config', 'dashboard/vite.config.ts'], { cwd: root });
  if (status !== 0) throw new Error(`vite build failed with exit code ${status}`);
  return plan;
}
