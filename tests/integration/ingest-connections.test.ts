/**
 * INGEST_CONNECTIONS on a real Mosquitto: a standalone ingest opens several persistent sessions in
 * the $share/vigil group, the broker deals one device's QoS 1 readings out among them, and each
 * reading is stored exactly once, the device's latest value being its newest reading; readings
 * published while ingest is down are queued in those sessions and stored after the restart.
 * Without shared subscriptions (MQTT 3.1.1) ingest reads over one connection and says so. A start
 * that cannot open every connection ends the ones it opened.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually } from '../helpers/vigil.ts';
import { brokerIngest, publishReadings, waitStored, type BrokerIngest } from './brokers-support.ts';

const BASE_ID = 'vigil-it-ingest-brokers';

/** How many readings of `device` Mosquitto sent to each client id, from its debug log. */
function deliveries(logText: string, device: string): Map<string, number> {
  const counts = new Map<string, number>();
  const pattern = new RegExp(`Sending PUBLISH to (\\S+) \\([^)]*'devices/${device}/telemetry'`, 'g');
  for (const m of logText.matchAll(pattern)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return counts;
}

function subscribedLine(logs: readonly string[]): { clientIds: string[]; topics: string[] } {
  const line = logs.filter((l) => l.includes('"ingest subscribed"')).at(-1);
  if (!line) throw new Error(`no "ingest subscribed" line in\n${logs.join('')}`);
  const parsed: unknown = JSON.parse(line);
  const { clientIds, topics } = parsed as { clientIds?: unknown; topics?: unknown };
  if (!Array.isArray(clientIds) || !Array.isArray(topics)) throw new Error(`unexpected line ${line}`);
  return { clientIds: clientIds.map(String), topics: topics.map(String) };
}

function latest(dir: string, device: string): { ts: number; value: number } | undefined {
  const db = new Database(join(dir, 'vigil.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT ts, value FROM latest WHERE device = ? AND metric = ?').get(device, 'v') as
      | { ts: number; value: number }
      | undefined;
  } finally {
    db.close();
  }
}

describe('several shared-subscription connections per ingest (INGEST_CONNECTIONS)', () => {
  let mosquitto: MosquittoServer | undefined;
  let ingest: BrokerIngest | undefined;
  let logDir: string | undefined;

  afterEach(async () => {
    if (logDir) await rm(logDir, { recursive: true, force: true });
    logDir = undefined;
    await closeClients();
    await ingest?.dispose();
    await mosquitto?.stop();
    ingest = undefined;
    mosquitto = undefined;
  });

  it('spreads one device over 4 sessions, stores each reading once, keeps the newest as latest, and queues while down', async () => {
    // A debug log in a file: "Sending PUBLISH to <client id> (…, 'devices/…', …)" per delivery.
    logDir = await mkdtemp(join(tmpdir(), 'vigil-mosquitto-log-'));
    const logFile = join(logDir, 'debug.log');
    mosquitto = await startMosquitto({ extraConfig: ['log_type debug', 'log_type notice', `log_dest file ${logFile}`] });
    const mosquittoLog = () => readFileSync(logFile, 'utf8');
    ingest = await brokerIngest(mosquitto.url, { INGEST_CONNECTIONS: '4' });
    await ingest.start();
    const { clientIds, topics } = subscribedLine(ingest.logs);
    expect(clientIds).toEqual([BASE_ID, `${BASE_ID}-s1`, `${BASE_ID}-s2`, `${BASE_ID}-s3`]);
    expect(topics.every((t) => t.startsWith('$share/vigil/'))).toBe(true);

    const device = await connectClient(mosquitto.url, { clientId: 'dev-spread', protocolVersion: 4 });
    const base = Date.now() - 120_000;
    await publishReadings(device, 'spread-1', base, 2_000);
    expect(await waitStored(ingest, 'spread-1', 2_000)).toBe(2_000);
    const live = deliveries(mosquittoLog(), 'spread-1');
    expect([...live.keys()].sort()).toEqual([...clientIds].sort());
    for (const n of live.values()) expect(n).toBeGreaterThan(100);

    // Down: Mosquitto queues the readings in the group's sessions; up again: each stored once.
    await ingest.stop();
    await publishReadings(device, 'spread-1', base, 400, 2_000);
    await ingest.start();
    expect(await waitStored(ingest, 'spread-1', 2_400)).toBe(2_400);
    await new Promise((r) => setTimeout(r, 300));
    expect(ingest.stored('spread-1')).toBe(2_400);
    const after = deliveries(mosquittoLog(), 'spread-1');
    const queuedOver = clientIds.filter((id) => (after.get(id) ?? 0) > (live.get(id) ?? 0));
    expect(queuedOver.length).toBeGreaterThan(1);

    // The newest ts is the latest value, whatever order the connections committed in (written at stop).
    await ingest.stop();
    expect(latest(ingest.dir, 'spread-1')).toEqual({ ts: base + 2_399, value: 2_399 });
    // stop() ended every connection.
    for (const id of clientIds) expect(mosquittoLog()).toMatch(new RegExp(`Client ${id} disconnected`));
  }, 60_000);

  it('after INGEST_CONNECTIONS is lowered, takes the backlog of the sessions it no longer opens and ends them', async () => {
    mosquitto = await startMosquitto();
    ingest = await brokerIngest(mosquitto.url, { INGEST_CONNECTIONS: '4' });
    await ingest.start();
    await ingest.stop();
    const device = await connectClient(mosquitto.url, { clientId: 'dev-lowered', protocolVersion: 4 });
    const base = Date.now() - 120_000;
    // Queued in the four offline sessions of the group.
    await publishReadings(device, 'lowered-1', base, 400);
    const two = await brokerIngest(mosquitto.url, { INGEST_CONNECTIONS: '2' });
    try {
      await two.start();
      expect(await waitStored(two, 'lowered-1', 400, 15_000)).toBe(400);
      const retiring = two.logs.filter((l) => l.includes('taking the backlog of a session ingest no longer uses'));
      expect(retiring.map((l) => (JSON.parse(l) as { clientId: string }).clientId).sort()).toEqual([`${BASE_ID}-s2`, `${BASE_ID}-s3`]);
      // Once they are ended, the broker deals new readings to the two live sessions only.
      await eventually(async () => (two.logs.some((l) => l.includes('"sessions ingest no longer uses ended"')) ? true : undefined), 15_000);
      await publishReadings(device, 'lowered-1', base, 400, 400);
      expect(await waitStored(two, 'lowered-1', 800, 15_000)).toBe(800);
    } finally {
      await two.dispose();
    }
  }, 60_000);

  it('reads over one connection, and says so, where the broker takes no shared subscriptions (MQTT 3.1.1)', async () => {
    mosquitto = await startMosquitto();
    ingest = await brokerIngest(mosquitto.url, { INGEST_CONNECTIONS: '4', MQTT_PROTOCOL: '3.1.1' });
    await ingest.start();
    const { clientIds, topics } = subscribedLine(ingest.logs);
    expect(clientIds).toEqual([BASE_ID]);
    expect(topics.some((t) => t.startsWith('$share/'))).toBe(false);
    expect(ingest.logs.some((l) => l.includes('the broker takes no shared subscriptions: reading devices over one connection'))).toBe(true);
    const device = await connectClient(mosquitto.url, { clientId: 'dev-plain', protocolVersion: 4 });
    await publishReadings(device, 'plain-1', Date.now() - 60_000, 300);
    expect(await waitStored(ingest, 'plain-1', 300)).toBe(300);
  }, 30_000);

  it('ends the connections it opened when a later one cannot be made', async () => {
    // Room for two clients: ingest's first two connections; the third is refused.
    mosquitto = await startMosquitto({ extraConfig: ['max_connections 2'] });
    ingest = await brokerIngest(mosquitto.url, { INGEST_CONNECTIONS: '4' });
    await expect(ingest.start()).rejects.toThrow(/cannot connect to the MQTT broker/);
    // Both slots are free again: two fresh clients connect.
    const a = await connectClient(mosquitto.url, { clientId: 'after-a', protocolVersion: 4, reconnectPeriod: 0 });
    const b = await connectClient(mosquitto.url, { clientId: 'after-b', protocolVersion: 4, reconnectPeriod: 0 });
    expect(a.connected && b.connected).toBe(true);
  }, 30_000);
});
