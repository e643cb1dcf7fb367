/**
 * Honest health on a full disk: SQLITE_PATH on a small tmpfs (this test mounts one; it needs
 * root, as the suite's machine has). Filled up, ingest holds QoS 1 readings unacknowledged and
 * /api/health says 503 naming the store; with space back, every reading is stored and health is 200.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Health {
  checks: { broker: string; store: string };
  problems?: { store?: string };
}

describe('health while the disk is full', () => {
  const mount = mkdtempSync(join(tmpdir(), 'vigil-tmpfs-'));
  let vigil: TestVigil;
  let device: MqttClient;

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
    vigil = await startTestVigil({}, mount);
    device = await connectClient(vigil.brokerUrl, { clientId: 'disk-full-device' });
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.stop();
    execFileSync('umount', ['-l', mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  const fill = () => {
    // Chunks until ENOSPC: the store's next page or WAL frame has nowhere to go.
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(mount, `filler-${i}`), chunk, { flag: 'wx' });
      } catch {
        try {
          writeFileSync(join(mount, `filler-small`), Buffer.alloc(4096));
        } catch {
          /* full */
        }
        return i;
      }
    }
  };

  it('says 503 store while writes fail, and 200 once every held reading is stored', async () => {
    const base = Date.now() - 60_000;
    await device.publishAsync('devices/disk-1/telemetry', JSON.stringify({ ts: base, v: 0 }), { qos: 1 });
    await eventually(
      async () => ((await getJson<Health>(`${vigil.url}/api/health`)).status === 200 ? true : undefined),
      10_000,
      'healthy at start',
    );
    const files = fill();
    expect(files).toBeGreaterThan(0);
    // Big batches so the readings need new pages; not awaited: their PUBACKs are held.
    const READINGS = 20;
    for (let i = 1; i <= READINGS; i++) {
      const batch = Array.from({ length: 500 }, (_, k) => ({ ts: base + i * 1_000 + k, v: i, pad: k }));
      device.publish('devices/disk-1/telemetry', JSON.stringify(batch), { qos: 1 });
    }
    const down = await eventually(
      async () => {
        const h = await getJson<Health>(`${vigil.url}/api/health`);
        return h.status === 503 && h.body.checks.store === 'down' ? h.body : undefined;
      },
      20_000,
      'health 503 store while full',
    );
    expect(down.problems?.store).toMatch(/could not store|failing|refuses/);

    for (let i = 0; i < files; i++) unlinkSync(join(mount, `filler-${i}`));
    rmSync(join(mount, 'filler-small'), { force: true });
    await eventually(
      async () => {
        const csv = await (await fetch(`${vigil.url}/api/devices/disk-1/readings.csv?from=${base - 1}&to=${base + 60_000}`)).text();
        return csv.trim().split('\n').length - 1 >= 1 + READINGS * 500 * 2 ? true : undefined;
      },
      30_000,
      'all readings stored after space returned',
    );
    await eventually(
      async () => ((await getJson<Health>(`${vigil.url}/api/health`)).status === 200 ? true : undefined),
      10_000,
      'healthy again',
    );
  }, 90_000);
});
