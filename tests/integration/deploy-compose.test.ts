/**
 * docker-compose.yml as Debian's docker-compose 1.29 reads it (no Docker engine runs here), and
 * the files it mounts: that it validates, scales, wires the secrets device:add writes to the
 * users the broker knows, and keeps SSE unbuffered through the proxy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_SECRETS, readPasswdFile, verifyPassword } from '../../scripts/device-add.mjs';
import {
  composeConfig,
  deviceAdd,
  mounts,
  MOSQUITTO_CONF,
  MOSQUITTO_START,
  NGINX_CONF,
  parseEnv,
  parseJsonLine,
  ROOT,
  service,
  type ComposeRun,
  type FleetResult,
} from '../integration/deploy-support.ts';

const SCALED = ['ingest', 'api'];
const LONG_RUNNING = ['mosquitto', 'influxdb', 'ingest', 'api', 'proxy', 'simulator'];
const SERVING = ['mosquitto', 'influxdb', 'ingest', 'api', 'proxy'];

let dir: string;
let env: Map<string, string>;
let passwd: string;
let resolved: ComposeRun;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
  passwd = join(dir, 'passwd');
  const envFile = join(dir, '.env');
  parseJsonLine<FleetResult>(deviceAdd(['--fleet', '5', '--file', passwd, '--compose-env', envFile, '--json']));
  env = parseEnv(readFileSync(envFile, 'utf8'));
  resolved = composeConfig(envFile);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docker-compose config', () => {
  it('passes `docker-compose -f docker-compose.yml config -q` as an engineer runs it, the secrets in the environment', () => {
    // No --env-file: compose takes the shell's variables (a project .env, if this checkout has
    // one, is overridden by them).
    const ran = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...Object.fromEntries(env) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ran.error).toBeUndefined();
    expect(ran.status, ran.stderr).toBe(0);
  });

  it('refuses a fresh clone (no .env yet), saying how to write the secrets', () => {
    const empty = join(dir, 'empty.env');
    writeFileSync(empty, '');
    const ran = composeConfig(empty, ['-q']);
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toMatch(/[A-Z_]+ is not set; run npm run device:add -- --fleet 10 to write \.env/);
  });

  // A blank secret would start the stack with an empty password or token. docker-compose takes
  // ~3 s a run on CI, so one run proves a single missing secret is refused by name, and the text
  // proves every use of every secret in both files (the overlay is only read merged) is required.
  it('refuses an .env that lacks only VIGIL_TOKEN, naming it', () => {
    const partial = join(dir, 'without-token.env');
    writeFileSync(
      partial,
      [...env]
        .filter(([key]) => key !== 'VIGIL_TOKEN')
        .map(([key, value]) => `${key}=${value}\n`)
        .join(''),
    );
    const ran = composeConfig(partial, ['-q']);
    expect(ran.status).not.toBe(0);
    expect(ran.stderr).toContain('VIGIL_TOKEN is not set');
  });

  it.each([...FLEET_SECRETS])('requires %s wherever a compose file uses it (VAR:?message)', (secret) => {
    let uses = 0;
    for (const file of ['docker-compose.yml', 'deploy/compose.stable-ingest.yml']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const use of text.match(new RegExp(`\\$\\{${secret}\\b[^}]*\\}`, 'g')) ?? []) {
        uses++;
        expect(use, file).toMatch(new RegExp(`^\\$\\{${secret}:\\?${secret} is not set; run npm run device:add`));
      }
    }
    expect(uses, secret).toBeGreaterThan(0);
  });

  it('validates with the secrets device:add --fleet writes, and needs no others', () => {
    expect(resolved.status, resolved.stderr).toBe(0);
    expect(resolved.stderr).not.toMatch(/variable is not set/);
  });

  it('runs every part the spec names, each with a restart policy', () => {
    expect(Object.keys(resolved.config?.services ?? {}).sort()).toEqual([...LONG_RUNNING].sort());
    for (const name of LONG_RUNNING) expect(service(resolved.config, name).restart, name).toBe('unless-stopped');
    expect(service(resolved.config, 'mosquitto').image).toMatch(/^eclipse-mosquitto:2(\.|$)/);
    expect(service(resolved.config, 'influxdb').image).toMatch(/^influxdb:2\.7(\.|$|-)/);
  });

  it('can be scaled: no fixed container names, no host ports on ingest and api', () => {
    for (const name of LONG_RUNNING) expect(service(resolved.config, name).container_name, name).toBeUndefined();
    for (const name of SCALED) expect(service(resolved.config, name).ports ?? [], name).toEqual([]);
    // The one HTTP entry is the proxy, which reaches whichever api replicas exist.
    expect(service(resolved.config, 'proxy').ports?.map((p) => p.target)).toEqual([8080]);
  });

  it('has health checks on everything that serves, and starts parts after what they need', () => {
    for (const name of SERVING) {
      const check = service(resolved.config, name).healthcheck;
      expect(check?.test, name).toBeDefined();
      expect(check?.disable ?? false, name).toBe(false);
    }
    const healthy = (name: string) =>
      Object.entries(service(resolved.config, name).depends_on ?? {})
        .filter(([, d]) => d.condition === 'service_healthy')
        .map(([n]) => n)
        .sort();
    expect(healthy('ingest')).toEqual(['influxdb', 'mosquitto']);
    expect(healthy('api')).toEqual(['influxdb', 'mosquitto']);
    expect(healthy('proxy')).toEqual(['api']);
    expect(healthy('simulator')).toEqual(['ingest', 'mosquitto']);
  });

  it('gives ingest, api and the simulated devices the credentials device:add created', () => {
    const users = readPasswdFile(passwd);
    const credentialsOf = (name: string) => {
      const e = service(resolved.config, name).environment ?? {};
      return { user: e['MQTT_USERNAME'] ?? '', password: e['MQTT_PASSWORD'] ?? '' };
    };
    const ingest = credentialsOf('ingest');
    const api = credentialsOf('api');
    expect(ingest.user).toBe('vigil-ingest');
    expect(api.user).toBe('vigil-api');
    expect(verifyPassword(ingest.password, users.get(ingest.user) ?? '')).toBe(true);
    expect(verifyPassword(api.password, users.get(api.user) ?? '')).toBe(true);
    // The simulator substitutes each device id for {id}: user sim-001 with the fleet password.
    const sim = credentialsOf('simulator');
    expect(sim.user).toBe('{id}');
    expect(verifyPassword(sim.password, users.get('sim-005') ?? '')).toBe(true);
    expect(service(resolved.config, 'simulator').command).toEqual(expect.arrayContaining(['--devices', '5', '--id-prefix', 'sim-']));
    const health = service(resolved.config, 'mosquitto').environment?.['MQTT_HEALTH_PASSWORD'] ?? '';
    expect(verifyPassword(health, users.get('vigil-health') ?? '')).toBe(true);
    expect(JSON.stringify(service(resolved.config, 'mosquitto').healthcheck?.test)).toContain('-u vigil-health');
  });

  it('points ingest and api at InfluxDB 2.7 with the token, org and bucket its setup creates', () => {
    const influx = service(resolved.config, 'influxdb').environment ?? {};
    expect(influx['DOCKER_INFLUXDB_INIT_MODE']).toBe('setup');
    expect(influx['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN']).toBe(env.get('INFLUX_TOKEN'));
    expect(influx['DOCKER_INFLUXDB_INIT_PASSWORD']).toBe(env.get('INFLUX_ADMIN_PASSWORD'));
    for (const name of SCALED) {
      const e = service(resolved.config, name).environment ?? {};
      expect(e['STORE'], name).toBe('influx');
      expect(e['INFLUX_URL'], name).toBe('http://influxdb:8086');
      expect(e['INFLUX_TOKEN'], name).toBe(influx['DOCKER_INFLUXDB_INIT_ADMIN_TOKEN']);
      // Vigil's database is the bucket, and the name the init script maps for /write and /query.
      expect(e['INFLUX_DATABASE'], name).toBe(influx['DOCKER_INFLUXDB_INIT_BUCKET']);
      expect(e['INFLUX_DATABASE'], name).toBe(influx['VIGIL_INFLUX_DATABASE']);
      expect(e['MQTT_URL'], name).toBe('mqtt://mosquitto:1883');
    }
    expect(service(resolved.config, 'api').environment?.['VIGIL_TOKEN']).toBe(env.get('VIGIL_TOKEN'));
    expect(service(resolved.config, 'api').environment?.['HOST']).toBe('0.0.0.0');
    const init = mounts(service(resolved.config, 'influxdb')).find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(init?.source).toBe(join(ROOT, 'deploy', 'influxdb', 'init'));
  });

  it('mounts only files that exist in the repo, read-only, and keeps broker and store data in volumes', () => {
    for (const [name, svc] of Object.entries(resolved.config?.services ?? {})) {
      for (const mount of mounts(svc).filter((m) => m.source.startsWith('/'))) {
        expect(existsSync(mount.source), `${name}: ${mount.source}`).toBe(true);
        expect(mount.readOnly, `${name}: ${mount.source}`).toBe(true);
      }
    }
    const named = (name: string) =>
      mounts(service(resolved.config, name))
        .filter((m) => !m.source.startsWith('/'))
        .map((m) => m.target);
    expect(named('mosquitto')).toEqual(['/mosquitto/data']);
    expect(named('influxdb').sort()).toEqual(['/etc/influxdb2', '/var/lib/influxdb2']);
  });

  it('builds the Vigil processes from the one Dockerfile', () => {
    for (const name of ['ingest', 'api', 'simulator']) {
      expect(service(resolved.config, name).build?.context, name).toBe(ROOT);
      expect(service(resolved.config, name).image, name).toBe('vigil:local');
    }
    expect(service(resolved.config, 'ingest').command).toEqual(['ingest']);
    expect(service(resolved.config, 'api').command).toEqual(['api']);
    expect(service(resolved.config, 'simulator').command?.[0]).toBe('simulate');
  });
});

describe('deploy/compose.stable-ingest.yml', () => {
  it('adds fixed ingest replicas identical to the main ingest service but for a stable INSTANCE_ID', () => {
    const merged = composeConfig(join(dir, '.env'), [], ['docker-compose.yml', 'deploy/compose.stable-ingest.yml']);
    expect(merged.status, merged.stderr).toBe(0);
    expect(merged.stderr).not.toMatch(/variable is not set/);
    const { environment: mainEnv = {}, ...mainRest } = service(resolved.config, 'ingest');
    const ids = ['ingest', 'ingest-2', 'ingest-3'].map((name) => {
      const { environment = {}, ...rest } = service(merged.config, name);
      const { INSTANCE_ID, ...others } = environment;
      expect(rest, name).toEqual(mainRest);
      expect(others, name).toEqual(mainEnv);
      return INSTANCE_ID;
    });
    expect(ids).toEqual(['ingest-1', 'ingest-2', 'ingest-3']);
  });
});

describe('the Mosquitto service', () => {
  it('runs the repo config, whose password and ACL paths are where start.sh copies them', () => {
    const mosquitto = service(resolved.config, 'mosquitto');
    expect(mosquitto.command).toEqual(['sh', '/vigil/mosquitto/start.sh']);
    expect(mounts(mosquitto)).toContainEqual({ source: join(ROOT, 'deploy', 'mosquitto'), target: '/vigil/mosquitto', readOnly: true });
    const conf = readFileSync(MOSQUITTO_CONF, 'utf8');
    expect(conf).toMatch(/^password_file \/mosquitto\/auth\/passwd$/m);
    expect(conf).toMatch(/^acl_file \/mosquitto\/auth\/acl$/m);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^persistence_location \/mosquitto\/data\/$/m);
    expect(conf).toMatch(/^autosave_interval \d+$/m);
    expect(Number(/^max_queued_messages (\d+)$/m.exec(conf)?.[1])).toBeGreaterThan(1000);
  });

  it('start.sh refuses to start without a password file, saying how to make one', () => {
    const src = join(dir, 'start-missing');
    mkdirSync(src);
    const ran = spawnSync('sh', [MOSQUITTO_START], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', VIGIL_MOSQUITTO_DIR: src, MOSQUITTO_AUTH_DIR: join(dir, 'auth-missing') },
    });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain('npm run device:add -- --fleet');
  });

  it('start.sh copies passwd and acl where only the broker reads them, then execs mosquitto', () => {
    const src = join(dir, 'start-ok');
    const auth = join(dir, 'auth-ok');
    const bin = join(dir, 'bin');
    mkdirSync(src);
    mkdirSync(bin);
    writeFileSync(join(src, 'passwd'), readFileSync(passwd));
    writeFileSync(join(src, 'acl'), readFileSync(join(ROOT, 'deploy', 'mosquitto', 'acl')));
    // A stand-in for the broker binary: proves start.sh hands over with exec and the config path.
    writeFileSync(join(bin, 'mosquitto'), '#!/bin/sh\necho "mosquitto $*"\n', { mode: 0o755 });
    const ran = spawnSync('sh', [MOSQUITTO_START], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}`, VIGIL_MOSQUITTO_DIR: src, MOSQUITTO_AUTH_DIR: auth },
    });
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stdout.trim()).toBe(`mosquitto -c ${src}/mosquitto.conf`);
    expect(statSync(auth).mode & 0o777).toBe(0o700);
    for (const file of ['passwd', 'acl']) {
      expect(statSync(join(auth, file)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(auth, file), 'utf8')).toBe(readFileSync(join(src, file), 'utf8'));
    }
  });
});

describe('the image and the proxy', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('is one multi-stage Node 24 Dockerfile that runs as the node user with a health check', () => {
    expect(dockerfile.match(/^FROM node:24\S* AS build$/m)).not.toBeNull();
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*scripts\/healthcheck\.mjs/m);
    expect(existsSync(join(ROOT, 'scripts', 'healthcheck.mjs'))).toBe(true);
  });

  it('keeps the deployment secrets out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const secret of ['.env', 'deploy/mosquitto/passwd']) expect(ignored, secret).toContain(secret);
  });

  it('proxies to the api service with SSE unbuffered over HTTP/1.1 and a long read timeout', () => {
    const conf = readFileSync(NGINX_CONF, 'utf8');
    const port = service(resolved.config, 'api').environment?.['PORT'];
    expect(conf).toContain(`set $vigil_api http://api:${port};`);
    expect(conf).toMatch(/^\s*listen 8080;$/m);
    expect(conf).toMatch(/^\s*proxy_http_version 1\.1;$/m);
    expect(conf).toMatch(/^\s*proxy_set_header Connection "";$/m);
    const stream = /location = \/api\/stream \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(stream).toMatch(/proxy_buffering off;/);
    expect(stream).toMatch(/proxy_cache off;/);
    expect(stream).toMatch(/gzip off;/);
    // Longer than several of the API's 15 s pings, so a healthy idle stream is never cut.
    const [, amount = '0', unit = 's'] = /proxy_read_timeout (\d+)([smh]?);/.exec(stream) ?? [];
    expect(Number(amount) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[unit]!).toBeGreaterThanOrEqual(120);
    expect(mounts(service(resolved.config, 'proxy'))).toContainEqual({
      source: NGINX_CONF,
      target: '/etc/nginx/nginx.conf',
      readOnly: true,
    });
  });
});
