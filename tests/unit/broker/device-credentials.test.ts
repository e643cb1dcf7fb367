/**
 * The embedded broker's device password file: the `$7$` lines device:add (and mosquitto_passwd)
 * write, verified off the event loop, re-read when the file changes, successes cached briefly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../scripts/device-add.mjs';
import {
  DeviceCredentials,
  devicesPasswdPath,
  parsePasswdEntry,
  parsePasswdFile,
  parsePasswdUser,
  verifyPassword,
} from '../../../broker/device-credentials.ts';

const pw = (text: string) => Buffer.from(text);

describe('parsing', () => {
  it('reads a $7$ entry as device:add writes it', () => {
    const entry = parsePasswdEntry(hashPassword('pw-123456789', Buffer.alloc(12, 1)));
    expect(entry?.iterations).toBe(101);
    expect(entry?.salt).toEqual(Buffer.alloc(12, 1));
    expect(entry?.hash.length).toBe(64);
  });

  it.each([
    ['plaintext', 'secret'],
    ['Mosquitto 1.x $6$', '$6$c2FsdA==$aGFzaA=='],
    ['no rounds', '$7$$c2FsdA==$aGFzaA=='],
    ['zero rounds', `$7$0$c2FsdA==$${Buffer.alloc(64).toString('base64')}`],
    ['absurd rounds', `$7$9999999$c2FsdA==$${Buffer.alloc(64).toString('base64')}`],
    ['a short hash', '$7$101$c2FsdA==$aGFzaA=='],
    ['not base64', `$7$101$s@lt$${Buffer.alloc(64).toString('base64')}`],
  ])('refuses %s', (_what, value) => {
    expect(parsePasswdEntry(value)).toBeNull();
  });

  it('reads a file, skipping blanks and comments and counting bad lines', () => {
    const text = [
      '# devices',
      '',
      `gw-1:${hashPassword('a'.repeat(12))}`,
      'gw-2:plaintext',
      'nocolon',
      `gw-3:${hashPassword('b'.repeat(12))}`,
    ].join('\n');
    const file = parsePasswdFile(text);
    expect([...file.users.keys()]).toEqual(['gw-1', 'gw-3']);
    expect(file.badLines).toBe(2);
  });

  it('reads a gateway flag after the hash (Mosquitto 2 ignores it), and refuses any other field', () => {
    const hash = hashPassword('c'.repeat(12));
    expect(parsePasswdUser(hash)?.gateway).toEqual([]);
    expect(parsePasswdUser(`${hash}:gateway=zigbee2mqtt`)?.gateway).toEqual(['zigbee2mqtt']);
    expect(parsePasswdUser(`${hash}:gateway=ttn, telegraf,ttn`)?.gateway).toEqual(['ttn', 'telegraf']);
    for (const bad of [`${hash}:gateway=`, `${hash}:gateway=Zigbee`, `${hash}:admin=1`, `${hash}:`, 'plaintext:gateway=ttn']) {
      expect(parsePasswdUser(bad), bad).toBeNull();
    }
    const file = parsePasswdFile(`z2m:${hash}:gateway=zigbee2mqtt\nplug-1:${hash}\nodd:${hash}:root\n`);
    expect([...file.users].map(([user, entry]) => [user, entry.gateway])).toEqual([
      ['z2m', ['zigbee2mqtt']],
      ['plug-1', []],
    ]);
    expect(file.badLines).toBe(1);
  });

  it('puts the file beside the store', () => {
    expect(devicesPasswdPath('/var/lib/vigil/vigil.db')).toBe('/var/lib/vigil/devices.passwd');
  });
});

describe('verification', () => {
  it('accepts the right password and refuses a wrong one, asynchronously', async () => {
    const entry = parsePasswdEntry(hashPassword('right-password-1'));
    if (!entry) throw new Error('no entry');
    const pending = verifyPassword(pw('right-password-1'), entry);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(true);
    expect(await verifyPassword(pw('right-password-2'), entry)).toBe(false);
    expect(await verifyPassword(pw(''), entry)).toBe(false);
  });
});

describe('DeviceCredentials', () => {
  let dir: string;
  let file: string;
  let now = 0;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-creds-'));
    file = join(dir, 'devices.passwd');
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing file means no devices', async () => {
    const creds = new DeviceCredentials(file);
    expect(await creds.check('gw-1', pw('x'.repeat(12)))).toBe(false);
    expect(creds.count()).toBe(0);
  });

  it('checks user and password, and sees a device added later without a restart', async () => {
    writeFileSync(file, `gw-1:${hashPassword('gw-1-password')}\n`, { mode: 0o600 });
    const creds = new DeviceCredentials(file);
    expect(await creds.check('gw-1', pw('gw-1-password'))).toBe(true);
    expect(await creds.check('gw-1', pw('gw-1-passwore'))).toBe(false);
    expect(await creds.check('gw-1', undefined)).toBe(false);
    expect(await creds.check('gw-2', pw('gw-2-password'))).toBe(false);
    writeFileSync(file, `gw-1:${hashPassword('gw-1-password')}\ngw-2:${hashPassword('gw-2-password')}\n`);
    expect(await creds.check('gw-2', pw('gw-2-password'))).toBe(true);
    expect(creds.count()).toBe(2);
  });

  it('a replaced password stops the old one at once, even while it is cached', async () => {
    writeFileSync(file, `gw-1:${hashPassword('old-password-1')}\n`);
    const creds = new DeviceCredentials(file, { now: () => now });
    expect(await creds.check('gw-1', pw('old-password-1'))).toBe(true);
    writeFileSync(file, `gw-1:${hashPassword('new-password-1-longer')}\n`);
    expect(await creds.check('gw-1', pw('old-password-1'))).toBe(false);
    expect(await creds.check('gw-1', pw('new-password-1-longer'))).toBe(true);
  });

  it('caches a success (a second check skips PBKDF2) and never a failure', async () => {
    // 200,000 rounds take tens of ms; a cached check takes far less than one PBKDF2.
    writeFileSync(file, `gw-1:${hashPassword('slow-password-1', undefined, 200_000)}\n`);
    const creds = new DeviceCredentials(file, { now: () => now });
    let t = performance.now();
    expect(await creds.check('gw-1', pw('slow-password-1'))).toBe(true);
    const first = performance.now() - t;
    t = performance.now();
    expect(await creds.check('gw-1', pw('slow-password-1'))).toBe(true);
    const cached = performance.now() - t;
    expect(cached).toBeLessThan(first / 2);
    // A wrong password is never answered from the cache.
    expect(await creds.check('gw-1', pw('slow-password-2'))).toBe(false);
    now += 61_000;
    expect(await creds.check('gw-1', pw('slow-password-1'))).toBe(true);
  });

  it('signIn answers with the gateway sources of the line', async () => {
    writeFileSync(file, `z2m:${hashPassword('bridge-password')}:gateway=zigbee2mqtt\n`);
    const creds = new DeviceCredentials(file);
    expect((await creds.signIn('z2m', pw('bridge-password')))?.gateway).toEqual(['zigbee2mqtt']);
    expect(await creds.signIn('z2m', pw('bridge-passworx'))).toBeNull();
  });

  it('reports lines it cannot use', async () => {
    writeFileSync(file, 'gw-1:plaintext\n');
    const seen: number[] = [];
    const creds = new DeviceCredentials(file, { onBadLines: (n) => seen.push(n) });
    await creds.refresh();
    expect(seen).toEqual([1]);
    expect(creds.count()).toBe(0);
  });
});
