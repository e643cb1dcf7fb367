import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  aptInstallCommand,
  dashboardBuildPlan,
  ensureDashboardBuild,
  ensureDebianPackages,
  ensureNodeModules,
  hasBinary,
  installPlan,
  isStale,
  missingPackages,
  newestMtime,
  TEST_DEBIAN_PACKAGES,
  type RunFn,
} from '../../../scripts/lib/bootstrap.mjs';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-bootstrap-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes a file under root with an mtime of `secondsAgo` before a fixed instant. */
function file(path: string, secondsAgo: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, path);
  const at = new Date(Date.UTC(2024, 0, 1) - secondsAgo * 1000);
  utimesSync(full, at, at);
}

interface Call {
  command: string;
  args: readonly string[];
}

function recorder(status = 0): { run: RunFn; calls: Call[]; lines: string[]; log: (line: string) => void } {
  const calls: Call[] = [];
  const lines: string[] = [];
  return {
    calls,
    lines,
    log: (line) => lines.push(line),
    run: (command, args) => {
      calls.push({ command, args });
      return status;
    },
  };
}

describe('isStale', () => {
  it('is stale when the target is missing or older than any existing source', () => {
    expect(isStale(null, [])).toBe(true);
    expect(isStale(100, [50, 150])).toBe(true);
    expect(isStale(100, [50, 100, null])).toBe(false);
    expect(isStale(100, [null, null])).toBe(false);
  });
});

describe('newestMtime', () => {
  it('finds the newest file anywhere under a directory, ignoring node_modules', () => {
    file('src/a.ts', 300);
    file('src/deep/er/b.svelte', 100);
    file('src/node_modules/x.js', 1);
    expect(newestMtime(join(root, 'src'))).toBe(Date.UTC(2024, 0, 1) - 100_000);
    expect(newestMtime(join(root, 'missing'))).toBeNull();
  });
});

describe('installPlan / ensureNodeModules', () => {
  it('runs npm install without a lockfile and npm ci with one', () => {
    expect(installPlan(root).command).toBe('install');
    file('package-lock.json', 10);
    expect(installPlan(root).command).toBe('ci');
  });

  it('runs npm ci when node_modules has no install record or is older than the lockfile', () => {
    file('package-lock.json', 10);
    mkdirSync(join(root, 'node_modules'));
    expect(installPlan(root).command).toBe('ci');
    file('node_modules/.package-lock.json', 20);
    expect(installPlan(root)).toMatchObject({ command: 'ci', reason: expect.stringContaining('newer') });
    file('node_modules/.package-lock.json', 5);
    expect(installPlan(root).command).toBeNull();
  });

  it('prints one line and runs npm only when needed', () => {
    const fake = recorder();
    file('package-lock.json', 10);
    ensureNodeModules(root, fake);
    expect(fake.calls).toEqual([{ command: 'npm', args: ['ci', '--no-audit', '--no-fund'] }]);
    expect(fake.lines).toHaveLength(1);
    expect(fake.lines[0]).toContain('npm ci');

    file('node_modules/.package-lock.json', 5);
    const again = recorder();
    ensureNodeModules(root, again);
    expect(again.calls).toEqual([]);
    expect(again.lines).toEqual([]);
  });

  it('throws when npm fails', () => {
    expect(() => ensureNodeModules(root, recorder(1))).toThrow(/npm install failed/);
  });
});

describe('Debian packages', () => {
  const list = [
    { pkg: 'mosquitto', bin: 'mosquitto' },
    { pkg: 'mosquitto-clients', bin: 'mosquitto_pub' },
    { pkg: 'mosquitto-clients', bin: 'mosquitto_sub' },
    { pkg: 'chromium', bin: 'chromium' },
  ];

  it('lists each missing package once, in order', () => {
    expect(missingPackages(list, (bin) => bin === 'mosquitto')).toEqual(['mosquitto-clients', 'chromium']);
    expect(missingPackages(list, () => true)).toEqual([]);
  });

  it('asks for everything the tests use', () => {
    expect(TEST_DEBIAN_PACKAGES.map((p) => p.pkg)).toEqual([
      'mosquitto',
      'mosquitto-clients',
      'influxdb',
      'chromium',
      'firefox-esr',
      'docker-compose',
      'nginx',
      'nats-server',
      'rabbitmq-server',
      'openssl',
      'prometheus',
    ]);
  });

  it('finds real binaries, including daemons outside a user PATH, and not made-up ones', () => {
    expect(hasBinary('sh')).toBe(true);
    expect(hasBinary('vigil-no-such-binary-4f2a')).toBe(false);
  });

  it('without root: one line naming the packages and the exact command, then exit 1', () => {
    const fake = recorder();
    const exits: number[] = [];
    ensureDebianPackages(list, {
      isRoot: () => false,
      exists: () => false,
      run: fake.run,
      log: fake.log,
      exit: (code) => exits.push(code),
    });
    expect(exits).toEqual([1]);
    expect(fake.calls).toEqual([]);
    expect(fake.lines).toHaveLength(1);
    expect(fake.lines[0]).toContain('mosquitto, mosquitto-clients, chromium');
    expect(fake.lines[0]).toContain(aptInstallCommand(['mosquitto', 'mosquitto-clients', 'chromium']));
    expect(aptInstallCommand(['a', 'b'])).toBe(
      'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends a b',
    );
  });

  it('as root: apt-get update once, then installs only what is missing, with service starts held off', () => {
    const installed = new Set(['mosquitto']);
    const fake = recorder();
    let guarded = 0;
    const deps = {
      isRoot: () => true,
      exists: (bin: string) => installed.has(bin),
      log: fake.log,
      exit: () => {
        throw new Error('must not exit as root');
      },
      guardServices: <T>(body: () => T): T => {
        guarded++;
        return body();
      },
      run: ((command, args) => {
        fake.calls.push({ command, args });
        if (args[0] === 'install') for (const bin of ['mosquitto_pub', 'mosquitto_sub', 'chromium', 'influxd']) installed.add(bin);
        return 0;
      }) satisfies RunFn,
    };
    expect(ensureDebianPackages(list, deps)).toEqual(['mosquitto-clients', 'chromium']);
    installed.delete('influxd');
    expect(ensureDebianPackages([{ pkg: 'influxdb', bin: 'influxd' }], deps)).toEqual(['influxdb']);
    expect(fake.calls).toEqual([
      { command: 'apt-get', args: ['update'] },
      { command: 'apt-get', args: ['install', '-y', '--no-install-recommends', 'mosquitto-clients', 'chromium'] },
      { command: 'apt-get', args: ['install', '-y', '--no-install-recommends', 'influxdb'] },
    ]);
    expect(guarded).toBe(2);
    expect(ensureDebianPackages(list, deps)).toEqual([]);
    expect(fake.calls).toHaveLength(3);
  });

  it('as root: fails loudly when apt-get fails or the binary is still missing', () => {
    const base = { isRoot: () => true, exists: () => false, log: () => undefined, guardServices: <T>(body: () => T): T => body() };
    expect(() => ensureDebianPackages(list, { ...base, run: () => 100 })).toThrow(/failed/);
    expect(() => ensureDebianPackages(list, { ...base, run: () => 0 })).toThrow(/still cannot find: mosquitto/);
  });
});

describe('dashboard build', () => {
  it('skips with a note while dashboard/vite.config.ts does not exist', () => {
    const fake = recorder();
    expect(ensureDashboardBuild(root, fake).build).toBe(false);
    expect(fake.calls).toEqual([]);
    expect(fake.lines).toEqual([expect.stringContaining('dashboard/vite.config.ts does not exist yet')]);
  });

  it('builds when dist is missing or older than any source, and not otherwise', () => {
    file('dashboard/vite.config.ts', 100);
    file('dashboard/index.html', 100);
    file('dashboard/src/main.ts', 100);
    file('dashboard/src/lib/Chart.svelte', 100);
    expect(dashboardBuildPlan(root)).toMatchObject({ build: true, reason: expect.stringContaining('missing') });

    file('dashboard/dist/index.html', 50);
    expect(dashboardBuildPlan(root).build).toBe(false);

    for (const source of ['dashboard/src/lib/Chart.svelte', 'dashboard/index.html', 'dashboard/vite.config.ts']) {
      file(source, 10);
      expect(dashboardBuildPlan(root), source).toMatchObject({ build: true, reason: expect.stringContaining('changed') });
      file(source, 100);
    }
    expect(dashboardBuildPlan(root).build).toBe(false);
  });

  it('runs vite build with the dashboard config and throws when it fails', () => {
    file('dashboard/vite.config.ts', 100);
    file('node_modules/vite/package.json', 100);
    const fake = recorder();
    ensureDashboardBuild(root, fake);
    expect(fake.calls).toEqual([{ command: 'npx', args: ['vite', 'build', '--config', 'dashboard/vite.config.ts'] }]);
    expect(() => ensureDashboardBuild(root, recorder(2))).toThrow(/vite build failed/);
  });

  it('without Vite (npm ci --omit=dev) serves the shipped dist, and says how to build when there is none', () => {
    file('dashboard/vite.config.ts', 10);
    expect(() => ensureDashboardBuild(root, recorder())).toThrow(/dashboard\/dist is missing and Vite is not installed/);
    file('dashboard/dist/index.html', 50);
    const fake = recorder();
    expect(ensureDashboardBuild(root, fake).build).toBe(false);
    expect(fake.calls).toEqual([]);
    expect(fake.lines).toEqual([expect.stringContaining('Vite is not installed')]);
  });
});
