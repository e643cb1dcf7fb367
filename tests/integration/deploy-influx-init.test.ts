/**
 * deploy/influxdb/init/10-vigil-dbrp.sh runs inside the influxdb:2.7 image, which cannot run here.
 * What can be checked is: it parses, the image's run-parts will pick it up, it reads the env
 * names compose passes, it calls the influx CLI as documented (a stand-in records the call), and
 * the database/retention-policy pair it maps is the one Vigil's v1 requests address on a real
 * InfluxDB 1.x, where that pair exists without any mapping.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInflux, type InfluxServer } from '../helpers/influx.ts';
import { FLEET_SECRETS } from '../../scripts/device-add.mjs';
import { composeConfig, INFLUX_INIT, service } from './deploy-support.ts';

let dir: string;
let composeEnv: Record<string, string>;

const STUB = `#!/bin/bash
# Stand-in for the influx CLI: records each call, answers as the test says.
printf '%s\\n' "$*" >> "$STUB_LOG"
case "$1 $2 $3" in
  "v1 dbrp create") [ -n "$STUB_CREATE_ERROR" ] && { echo "$STUB_CREATE_ERROR" >&2; exit 1; }; echo "ID  Database  Bucket ID"; exit 0 ;;
  "v1 dbrp list") printf '%s\\n' "$STUB_LIST"; exit 0 ;;
esac
echo "unexpected influx call: $*" >&2
exit 3
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-influx-init-'));
  writeFileSync(join(dir, 'influx'), STUB, { mode: 0o755 });
  const envFile = join(dir, 'compose.env');
  // Compose refuses to resolve without every secret (${VAR:?…}); only the InfluxDB ones matter here.
  const others = FLEET_SECRETS.filter((k) => k !== 'INFLUX_TOKEN' && k !== 'INFLUX_ADMIN_PASSWORD').map((k) => `${k}=unused-${k.length}\n`);
  writeFileSync(envFile, ['INFLUX_TOKEN=t0ken-for-the-test\n', 'INFLUX_ADMIN_PASSWORD=admin-password-1\n', ...others].join(''));
  const influx = service(composeConfig(envFile).config, 'influxdb');
  composeEnv = Object.fromEntries(Object.entries(influx.environment ?? {}).map(([k, v]) => [k, v ?? '']));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface InitRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: string[];
}

/** The script as the image's entrypoint runs it: compose's env plus the ids exported after setup. */
function runInit(overrides: Record<string, string | undefined> = {}): InitRun {
  const log = join(dir, `calls-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const env: Record<string, string> = {
    PATH: `${dir}:/usr/bin:/bin`,
    STUB_LOG: log,
    ...composeEnv,
    DOCKER_INFLUXDB_INIT_BUCKET_ID: '0a1b2c3d4e5f6789',
    DOCKER_INFLUXDB_INIT_ORG_ID: 'fedcba9876543210',
    INFLUX_HOST: 'http://localhost:9999',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const ran = spawnSync('bash', [INFLUX_INIT], { env, encoding: 'utf8' });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: ran.status, stdout: ran.stdout, stderr: ran.stderr, calls };
}

describe('the InfluxDB 2.7 init script', () => {
  it('is valid bash that the image runs (run-parts takes executable *.sh files only)', () => {
    const syntax = spawnSync('bash', ['-n', INFLUX_INIT], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    expect(statSync(INFLUX_INIT).mode & 0o111).toBe(0o111);
    expect(basename(INFLUX_INIT)).toMatch(/sh$/);
    expect(readFileSync(INFLUX_INIT, 'utf8').split('\n')[0]).toBe('#!/bin/bash');
  });

  it('reads only env names that compose or the image entrypoint set', () => {
    const text = readFileSync(INFLUX_INIT, 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
    const fromEntrypoint = new Set(['DOCKER_INFLUXDB_INIT_BUCKET_ID', 'DOCKER_INFLUXDB_INIT_ORG_ID']);
    for (const name of used) expect(name !== undefined && (name in composeEnv || fromEntrypoint.has(name)), `${name}`).toBe(true);
    expect(composeEnv['DOCKER_INFLUXDB_INIT_BUCKET']).toBe('vigil');
    expect(composeEnv['DOCKER_INFLUXDB_INIT_ORG']).toBe('vigil');
    expect(composeEnv['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN']).toBe('t0ken-for-the-test');
  });

  it('maps database vigil, policy autogen, as the default, to the bucket setup created', () => {
    const ran = runInit();
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.calls).toEqual(['v1 dbrp create --org-id fedcba9876543210 --bucket-id 0a1b2c3d4e5f6789 --db vigil --rp autogen --default']);
    expect(ran.stdout).toContain('mapped database "vigil", retention policy "autogen"');
    // The admin token reaches the CLI through the active config, never through argv.
    expect(ran.calls.join(' ')).not.toContain('t0ken-for-the-test');
  });

  it('accepts an existing mapping to the same bucket, and fails on one to another bucket', () => {
    const same = runInit({ STUB_CREATE_ERROR: 'conflict: dbrp already exists', STUB_LIST: 'x\tvigil\t0a1b2c3d4e5f6789\tautogen\ttrue' });
    expect(same.status, same.stderr).toBe(0);
    expect(same.calls[1]).toBe('v1 dbrp list --org-id fedcba9876543210 --db vigil --hide-headers');
    const other = runInit({ STUB_CREATE_ERROR: 'conflict: dbrp already exists', STUB_LIST: 'x\tvigil\t1111111111111111\tautogen\ttrue' });
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('conflict: dbrp already exists');
  });

  it('stops with a clear line when run outside the image or with a bad database name', () => {
    const outside = runInit({ DOCKER_INFLUXDB_INIT_BUCKET_ID: undefined });
    expect(outside.status).not.toBe(0);
    expect(outside.stderr).toContain('DOCKER_INFLUXDB_INIT_BUCKET_ID is not set');
    expect(outside.calls).toEqual([]);
    const bad = runInit({ VIGIL_INFLUX_DATABASE: 'no spaces' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('VIGIL_INFLUX_DATABASE must be');
    expect(bad.calls).toEqual([]);
  });
});

describe('the mapped pair on a real InfluxDB 1.x', () => {
  let influx: InfluxServer;
  beforeAll(async () => {
    influx = await startInflux();
  });
  afterAll(async () => {
    await influx?.stop();
  });

  const query = async (q: string, db?: string) => {
    const params = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${influx.url}/query?${params}`, { method: 'POST' });
    return (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
  };

  it('is where a write without a retention policy lands, so /write and /query mean the same on 1.x and 2.7', async () => {
    await query('CREATE DATABASE vigil');
    const policies = (await query('SHOW RETENTION POLICIES ON vigil')).results[0]?.series?.[0];
    const defaults = (policies?.values ?? [])
      .filter((row) => row[policies?.columns.indexOf('default') ?? -1] === true)
      .map((row) => row[0]);
    expect(defaults).toEqual([composeEnv['VIGIL_INFLUX_RP']]);
    const write = await fetch(`${influx.url}/write?db=${composeEnv['VIGIL_INFLUX_DATABASE']}&precision=ms`, {
      method: 'POST',
      body: 'telemetry,device=sim-001 temperature=21.5 1732430000123',
    });
    expect(write.status).toBe(204);
    const rows = (await query('SELECT temperature FROM "vigil"."autogen"."telemetry"', 'vigil')).results[0]?.series?.[0]?.values;
    expect(rows).toEqual([['2024-11-24T06:33:20.123Z', 21.5]]);
  });
});
