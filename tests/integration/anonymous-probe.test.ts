/**
 * On an external broker, ingest and the API warn at start when a client without credentials can
 * publish on vigil/# (lib/anonymous-probe.ts), against real Mosquitto 2: without an ACL (warned),
 * with the compose config (anonymous refused: no warning), and with the compose ACL but
 * anonymous allowed (MQTT 5 PUBACK 0x87: no warning). Start never waits for or fails on it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { start as startApi } from '../../api/index.ts';
import { start as startIngest } from '../../ingest/index.ts';
import { parseConfig } from '../../lib/config.ts';
import type { Handle } from '../../lib/lifecycle.ts';
import { hashPassword } from '../../scripts/device-add.mjs';
import { start as startBroker } from '../../broker/index.ts';
import { probeAnonymousVigilWrite } from '../../lib/anonymous-probe.ts';
import { MOSQUITTO_PATH } from '../helpers/mosquitto.ts';
import { freePort, waitForPort } from '../helpers/ports.ts';
import { spawnServer, type Spawned } from '../helpers/process.ts';
import { eventually } from '../helpers/vigil.ts';
import { MOSQUITTO_ACL } from './deploy-support.ts';

const SERVICE_PASSWORD = 'service-password-123';
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A Mosquitto 2 on loopback with these lines (listener, user and persistence are added). */
async function mosquitto(lines: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));
  mkdirSync(join(dir, 'data'));
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, ['vigil-ingest', 'vigil-api'].map((u) => `${u}:${hashPassword(SERVICE_PASSWORD)}\n`).join(''), { mode: 0o600 });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const body = lines.map((l) => l.replace('{passwd}', passwd).replace('{acl}', MOSQUITTO_ACL));
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, ...(process.getuid?.() === 0 ? ['user root'] : []), ...body, ''].join('\n'));
  const broker: Spawned = spawnServer(MOSQUITTO_PATH, ['-c', conf]);
  cleanups.push(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForPort(port, 10_000);
  return `mqtt://127.0.0.1:${port}`;
}

function captured(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }), lines: () => lines };
}

async function startRole(role: 'ingest' | 'api', url: string, credentials: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-store-'));
  const parsed = parseConfig({
    MQTT_URL: url,
    ...(credentials ? { MQTT_USERNAME: `vigil-${role}`, MQTT_PASSWORD: SERVICE_PASSWORD } : {}),
    SQLITE_PATH: join(dir, 'vigil.db'),
    PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const log = captured();
  const started = Date.now();
  const handle: Handle =
    role === 'ingest' ? await startIngest(parsed.config, { logger: log.logger }) : await startApi(parsed.config, { logger: log.logger });
  const startMs = Date.now() - started;
  cleanups.push(async () => {
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  /** The probe's outcome, once it has one (logged as a warning or at debug). */
  const outcome = () =>
    eventually(
      async () => {
        const line = log.lines().find((l) => l.includes('vigil/#') && (l.includes('"level":40') || l.includes('anonymous vigil/# probe')));
        return line;
      },
      8_000,
      `${role} reported the probe`,
    );
  return { outcome, startMs, lines: log.lines };
}

const WARN = '"level":40';

describe('a broker that lets strangers publish on vigil/# (no ACL)', () => {
  it('ingest warns when anonymous clients can publish there, though Vigil signs in', async () => {
    const url = await mosquitto(['allow_anonymous true']);
    const ingest = await startRole('ingest', url, true);
    const line = await ingest.outcome();
    expect(line).toContain(WARN);
    expect(line).toContain('lets clients without credentials publish on vigil/#');
    expect(line).toContain('anonymous publish delivered');
  });

  it('the API warns too', async () => {
    const url = await mosquitto(['allow_anonymous true']);
    const api = await startRole('api', url, true);
    const line = await api.outcome();
    expect(line).toContain(WARN);
    expect(line).toContain('lets clients without credentials publish on vigil/#');
  });

  it('Vigil connecting without credentials is warned about directly', async () => {
    const url = await mosquitto(['allow_anonymous true']);
    const ingest = await startRole('ingest', url, false);
    const line = await ingest.outcome();
    expect(line).toContain(WARN);
    expect(line).toContain('Vigil connects to the MQTT broker without credentials');
  });
});

describe('a broker with the compose ACL', () => {
  it('compose-like (anonymous off, users, ACL): no warning, for ingest and the API', async () => {
    const url = await mosquitto(['allow_anonymous false', 'password_file {passwd}', 'acl_file {acl}']);
    for (const role of ['ingest', 'api'] as const) {
      const started = await startRole(role, url, true);
      const line = await started.outcome();
      expect(line).not.toContain(WARN);
      expect(line).toContain('anonymous connect refused');
    }
  });

  it('anonymous allowed but the ACL gives it nothing: the MQTT 5 PUBACK says not authorized, no warning', async () => {
    const url = await mosquitto(['allow_anonymous true', 'password_file {passwd}', 'acl_file {acl}']);
    const ingest = await startRole('ingest', url, true);
    const line = await ingest.outcome();
    expect(line).not.toContain(WARN);
    expect(line).toContain('anonymous publish refused');
    // The probe runs beside the start, not before it.
    expect(ingest.startMs).toBeLessThan(3_000);
  });
});

describe('the probe against the embedded broker (Aedes)', () => {
  it('finds vigil/# closed to strangers there, and open on a bare broker without service credentials', async () => {
    const service = { username: 'svc', password: 'svc-password', reservedClientIdPrefix: 'vigil-' };
    const guarded = await startBroker({ port: await freePort(), service, devices: { anonymous: true, topicPrefix: 'devices' } });
    cleanups.push(() => guarded.stop());
    const privileged = { username: 'svc', password: 'svc-password', clientId: 'vigil' };
    expect(await probeAnonymousVigilWrite(guarded.url, privileged, { timeoutMs: 3_000 })).toBe('anonymous publish refused');
    // Without service credentials the bare broker trusts everyone, and the probe sees it.
    const open = await startBroker({ port: await freePort() });
    cleanups.push(() => open.stop());
    expect(await probeAnonymousVigilWrite(open.url, { username: undefined, password: undefined, clientId: 'vigil' })).toBe(
      'vigil connects anonymously',
    );
  });
});
