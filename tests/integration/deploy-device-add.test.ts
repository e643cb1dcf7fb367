/**
 * `npm run device:add`: which ids may become broker users, what lands in the password file and
 * the compose env file, and that its hashes are the ones Mosquitto's own tool writes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  embeddedPasswdFile,
  fleetIds,
  FLEET_SECRETS,
  generatePassword,
  hashPassword,
  readPasswdFile,
  usernameError,
  verifyPassword,
} from '../../scripts/device-add.mjs';
import { deviceAdd, parseEnv, parseJsonLine, ROOT, type DeviceResult, type FleetResult } from '../integration/deploy-support.ts';

let dir: string;
let passwd: string;
let envFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-device-add-'));
  passwd = join(dir, 'passwd');
  envFile = join(dir, '.env');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('device ids that would escape %u in the ACL', () => {
  const bad: ReadonlyArray<readonly [string, string]> = [
    ['a slash', 'sim/001'],
    ['a plus', 'sim+001'],
    ['a hash', 'sim#'],
    ['a space', 'sim 001'],
    ['65 characters', `d${'x'.repeat(64)}`],
    ['nothing', ''],
    ['a leading dot', '.sim'],
  ];
  it.each(bad)('refuses an id with %s, and creates no file', (_what, id) => {
    const ran = deviceAdd([id, '--file', passwd]);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toMatch(/^device:add: device id .* is not allowed/);
    expect(existsSync(passwd)).toBe(false);
  });

  it('refuses ":", valid for Vigil but the password file separator, and the service prefix', () => {
    expect(usernameError('site:7')).toMatch(/contains ":"/);
    expect(usernameError('vigil-ingest')).toMatch(/reserved/);
    const ran = deviceAdd(['vigil-api', '--file', passwd]);
    expect(ran.status).toBe(2);
    expect(existsSync(passwd)).toBe(false);
  });

  it('accepts the longest id the spec allows', () => {
    const id = `d${'x'.repeat(63)}`;
    expect(usernameError(id)).toBeNull();
    const result = parseJsonLine<DeviceResult>(deviceAdd([id, '--file', passwd, '--hasher', 'node', '--json']));
    expect(result.username).toBe(id);
    expect(readPasswdFile(passwd).has(id)).toBe(true);
  });
});

describe('one device', () => {
  it('generates a strong password, prints it once, and keeps only its hash (mode 0600)', () => {
    const ran = deviceAdd(['sim-001', '--file', passwd, '--hasher', 'node']);
    expect(ran.status).toBe(0);
    const password = /password:\s+(\S+)/.exec(ran.stdout)?.[1] ?? '';
    expect(password).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{31}$/);
    const text = readFileSync(passwd, 'utf8');
    expect(text).not.toContain(password);
    expect(verifyPassword(password, readPasswdFile(passwd).get('sim-001') ?? '')).toBe(true);
    expect(mode(passwd)).toBe(0o600);
    expect(ran.stdout).toContain('devices/sim-001/telemetry');
  });

  it('refuses to overwrite an existing device unless --replace, and keeps other users', () => {
    parseJsonLine<DeviceResult>(deviceAdd(['a-1', '--file', passwd, '--hasher', 'node', '--json']));
    parseJsonLine<DeviceResult>(deviceAdd(['b-1', '--file', passwd, '--hasher', 'node', '--json']));
    const before = readPasswdFile(passwd).get('a-1');
    const again = deviceAdd(['a-1', '--file', passwd, '--hasher', 'node']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--replace');
    expect(readPasswdFile(passwd).get('a-1')).toBe(before);
    const replaced = parseJsonLine<DeviceResult>(deviceAdd(['a-1', '--replace', '--file', passwd, '--hasher', 'node', '--json']));
    expect(replaced.replaced).toBe(true);
    const users = readPasswdFile(passwd);
    expect([...users.keys()]).toEqual(['a-1', 'b-1']);
    expect(verifyPassword(replaced.password ?? '', users.get('a-1') ?? '')).toBe(true);
  });

  it('takes a password from stdin (not printed back) and refuses a short one', () => {
    const given = 'correct-horse-battery';
    const result = parseJsonLine<DeviceResult>(
      deviceAdd(['gw-7', '--password-stdin', '--file', passwd, '--hasher', 'node', '--json'], `${given}\n`),
    );
    expect(result.password).toBeUndefined();
    expect(verifyPassword(given, readPasswdFile(passwd).get('gw-7') ?? '')).toBe(true);
    const short = deviceAdd(['gw-8', '--password', 'short', '--file', passwd]);
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/at least 12 characters/);
  });

  it('writes through mosquitto_passwd when asked, in the format the built-in hasher writes', () => {
    const result = parseJsonLine<DeviceResult>(deviceAdd(['sim-002', '--file', passwd, '--hasher', 'mosquitto_passwd', '--json']));
    expect(result.hasher).toMatch(/mosquitto_passwd$/);
    const entry = readPasswdFile(passwd).get('sim-002') ?? '';
    expect(entry).toMatch(/^\$7\$101\$/);
    // Our verifier accepting Mosquitto's hash proves the two write the same scheme.
    expect(verifyPassword(result.password ?? '', entry)).toBe(true);
    expect(mode(passwd)).toBe(0o600);
  });

  it('builds $7$ entries the way mosquitto_passwd does (PBKDF2-SHA512, 101 rounds, 12-byte salt)', () => {
    const salt = Buffer.alloc(12, 7);
    const entry = hashPassword('pw-123456789', salt);
    expect(entry.split('$')).toEqual(['', '7', '101', salt.toString('base64'), expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/)]);
    expect(verifyPassword('pw-123456789', entry)).toBe(true);
    expect(verifyPassword('pw-12345678', entry)).toBe(false);
    const a = generatePassword();
    expect(a).not.toBe(generatePassword());
    expect(a).not.toMatch(/[:$'"]/);
  });
});

describe("the embedded broker's file (devices.passwd beside the store)", () => {
  it('is beside SQLITE_PATH', () => {
    expect(embeddedPasswdFile('/var/lib/vigil/vigil.db')).toBe('/var/lib/vigil/devices.passwd');
    expect(embeddedPasswdFile('data/vigil.db')).toBe(join(ROOT, 'data', 'devices.passwd'));
  });

  it('--embedded-file alone writes only that file: mode 0600, the $7$ hash, never the password', () => {
    const embedded = join(dir, 'store', 'devices.passwd');
    const result = parseJsonLine<DeviceResult & { embeddedFile?: string }>(deviceAdd(['gw-1', '--embedded-file', embedded, '--json']));
    expect(result.embeddedFile).toBe(embedded);
    expect(result.file).toBeUndefined();
    expect(existsSync(passwd)).toBe(false);
    expect(mode(embedded)).toBe(0o600);
    const entry = readPasswdFile(embedded).get('gw-1') ?? '';
    expect(entry).toMatch(/^\$7\$101\$/);
    expect(readFileSync(embedded, 'utf8')).not.toContain(result.password);
    expect(verifyPassword(result.password ?? '', entry)).toBe(true);
  });

  it('writes both files with one password when given both, and --replace covers both', () => {
    const embedded = join(dir, 'devices.passwd');
    const ran = deviceAdd(['gw-2', '--file', passwd, '--embedded-file', embedded, '--hasher', 'node']);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('takes it at the device');
    const password = /password:\s+(\S+)/.exec(ran.stdout)?.[1] ?? '';
    expect(verifyPassword(password, readPasswdFile(embedded).get('gw-2') ?? '')).toBe(true);
    expect(verifyPassword(password, readPasswdFile(passwd).get('gw-2') ?? '')).toBe(true);
    const again = deviceAdd(['gw-2', '--embedded-file', embedded]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--replace');
    const replaced = parseJsonLine<DeviceResult>(deviceAdd(['gw-2', '--replace', '--file', passwd, '--embedded-file', embedded, '--json']));
    expect(verifyPassword(replaced.password ?? '', readPasswdFile(embedded).get('gw-2') ?? '')).toBe(true);
    expect(verifyPassword(password, readPasswdFile(embedded).get('gw-2') ?? '')).toBe(false);
  });

  it('--gateway flags the embedded line only (the broker reads it there), kept in the $7$ format Mosquitto reads', () => {
    const embedded = join(dir, 'devices.passwd');
    const ran = deviceAdd(['z2m', '--file', passwd, '--embedded-file', embedded, '--hasher', 'node', '--gateway', 'zigbee2mqtt, ttn']);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('gateway for:          zigbee2mqtt, ttn');
    const password = /password:\s+(\S+)/.exec(ran.stdout)?.[1] ?? '';
    const line = readPasswdFile(embedded).get('z2m') ?? '';
    expect(line).toMatch(/^\$7\$101\$[^:]+:gateway=zigbee2mqtt,ttn$/);
    expect(verifyPassword(password, line)).toBe(true);
    expect(readPasswdFile(passwd).get('z2m')).not.toContain('gateway');
    // Another device added later keeps the flag; --replace without --gateway drops it.
    expect(deviceAdd(['plug-1', '--embedded-file', embedded]).status).toBe(0);
    expect(readPasswdFile(embedded).get('z2m')).toContain(':gateway=zigbee2mqtt,ttn');
    expect(deviceAdd(['z2m', '--embedded-file', embedded, '--replace']).status).toBe(0);
    expect(readPasswdFile(embedded).get('z2m')).not.toContain('gateway');
    const badName = deviceAdd(['z2m', '--embedded-file', embedded, '--replace', '--gateway', 'Zigbee2MQTT']);
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain('--gateway takes source names');
    const fleet = deviceAdd(['--fleet', '1', '--gateway', 'ttn', '--file', passwd, '--compose-env', envFile]);
    expect(fleet.status).toBe(2);
    expect(fleet.stderr).toContain('--gateway apply to one device');
  });

  it('--fleet is for compose only', () => {
    const ran = deviceAdd(['--fleet', '2', '--embedded-file', join(dir, 'devices.passwd'), '--file', passwd, '--compose-env', envFile]);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain('--embedded-file');
  });
});

describe('--fleet', () => {
  it('writes the service users and the simulated devices, and the secrets compose reads', () => {
    const ran = deviceAdd(['--fleet', '3', '--file', passwd, '--compose-env', envFile, '--json']);
    const result = parseJsonLine<FleetResult>(ran);
    expect(result.users).toEqual(['vigil-ingest', 'vigil-api', 'vigil-health', 'sim-001', 'sim-002', 'sim-003']);
    expect(result.generated).toEqual([...FLEET_SECRETS]);
    const env = parseEnv(readFileSync(envFile, 'utf8'));
    expect(mode(envFile)).toBe(0o600);
    expect(env.get('SIM_DEVICES')).toBe('3');
    expect(env.get('SIM_ID_PREFIX')).toBe('sim-');
    const users = readPasswdFile(passwd);
    expect(verifyPassword(env.get('MQTT_INGEST_PASSWORD') ?? '', users.get('vigil-ingest') ?? '')).toBe(true);
    expect(verifyPassword(env.get('MQTT_API_PASSWORD') ?? '', users.get('vigil-api') ?? '')).toBe(true);
    expect(verifyPassword(env.get('MQTT_HEALTH_PASSWORD') ?? '', users.get('vigil-health') ?? '')).toBe(true);
    expect(verifyPassword(env.get('SIM_DEVICE_PASSWORD') ?? '', users.get('sim-003') ?? '')).toBe(true);
    // Vigil refuses an operator token shorter than 16 characters.
    expect((env.get('VIGIL_TOKEN') ?? '').length).toBeGreaterThanOrEqual(16);
    // The secrets stay in the 0600 env file; they are not echoed to a terminal or CI log.
    const text = deviceAdd(['--fleet', '3', '--file', passwd, '--compose-env', envFile]);
    for (const key of FLEET_SECRETS) {
      expect(ran.stdout).not.toContain(env.get(key));
      expect(text.stdout).not.toContain(env.get(key));
    }
  });

  it('reuses the secrets already in the env file and keeps its other lines and real devices', () => {
    writeFileSync(envFile, '# mine\nLOG_LEVEL=debug\nMQTT_INGEST_PASSWORD=kept-ingest-password\n');
    parseJsonLine<DeviceResult>(deviceAdd(['boiler-1', '--file', passwd, '--hasher', 'node', '--json']));
    const first = parseJsonLine<FleetResult>(deviceAdd(['--fleet', '2', '--file', passwd, '--compose-env', envFile, '--json']));
    expect(first.kept).toEqual(['MQTT_INGEST_PASSWORD']);
    const envBefore = readFileSync(envFile, 'utf8');
    expect(envBefore.startsWith('# mine\nLOG_LEVEL=debug\nMQTT_INGEST_PASSWORD=kept-ingest-password\n')).toBe(true);

    const second = parseJsonLine<FleetResult>(deviceAdd(['--fleet', '4', '--file', passwd, '--compose-env', envFile, '--json']));
    expect(second.generated).toEqual([]);
    const env = parseEnv(readFileSync(envFile, 'utf8'));
    expect(env.get('SIM_DEVICES')).toBe('4');
    for (const key of FLEET_SECRETS) expect(env.get(key)).toBe(parseEnv(envBefore).get(key));
    const users = readPasswdFile(passwd);
    expect(users.has('boiler-1')).toBe(true);
    expect(verifyPassword('kept-ingest-password', users.get('vigil-ingest') ?? '')).toBe(true);
    expect(verifyPassword(env.get('SIM_DEVICE_PASSWORD') ?? '', users.get('sim-004') ?? '')).toBe(true);
  });

  it('names devices exactly as the simulator does, and refuses a prefix that makes bad ids', () => {
    expect(fleetIds('sim-', 2)).toEqual(['sim-001', 'sim-002']);
    expect(fleetIds('sim-', 1000).at(-1)).toBe('sim-1000');
    expect(fleetIds('sim-', 1000)[0]).toBe('sim-0001');
    const ran = deviceAdd(['--fleet', '2', '--id-prefix', 'a/b-', '--file', passwd, '--compose-env', envFile]);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain('--id-prefix');
    expect(existsSync(passwd)).toBe(false);
  });

  it('rejects a mix of --fleet and one device, and unknown flags', () => {
    expect(deviceAdd(['--fleet', '2', 'sim-001', '--file', passwd]).status).toBe(2);
    expect(deviceAdd(['--fleet', '2', '--password', 'x'.repeat(20), '--file', passwd]).status).toBe(2);
    expect(deviceAdd(['--fleet', 'ten', '--file', passwd]).stderr).toContain('--fleet must be a whole number');
    expect(deviceAdd(['sim-001', '--bogus']).stderr).toContain('unknown option --bogus');
  });
});

it('is the npm script device:add', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts['device:add']).toBe('node scripts/device-add.mjs');
  const help = spawnSync('npm', ['run', '-s', 'device:add', '--', '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('npm run device:add -- <device-id>');
});
