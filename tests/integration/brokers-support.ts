/**
 * The same delivery checks against each external broker Vigil claims to work with: a standalone
 * ingest (ingest/ start, SQLite in a temp dir) and an outside mqtt.js device.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { start, type IngestHandle } from '../../ingest/index.ts';
import { parseConfig, type VigilConfig } from '../../lib/config.ts';
import { connectClient } from '../helpers/mqtt.ts';
import { eventually } from '../helpers/vigil.ts';

export interface BrokerIngest {
  readonly config: VigilConfig;
  readonly dir: string;
  /** Every log line ingest wrote (JSON), for checking what it said about the protocol. */
  readonly logs: string[];
  handle: IngestHandle | undefined;
  start(): Promise<IngestHandle>;
  stop(): Promise<void>;
  /** Readings stored for a device (one row per metric and timestamp). */
  stored(device: string): number;
  dispose(): Promise<void>;
}

export async function brokerIngest(url: string, env: Record<string, string> = {}): Promise<BrokerIngest> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-broker-ingest-'));
  const parsed = parseConfig({
    MQTT_URL: url,
    SQLITE_PATH: join(dir, 'vigil.db'),
    MQTT_CLIENT_ID: 'vigil-it',
    INSTANCE_ID: 'brokers',
    LOG_LEVEL: 'info',
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  let db: Database.Database | undefined;
  const self: BrokerIngest = {
    config: parsed.config,
    dir,
    logs,
    handle: undefined,
    async start() {
      self.handle = await start(parsed.config, { logger });
      return self.handle;
    },
    async stop() {
      await self.handle?.stop();
      self.handle = undefined;
    },
    stored(device) {
      db ??= new Database(join(dir, 'vigil.db'), { readonly: true, fileMustExist: true });
      const row = db.prepare('SELECT count(*) AS n FROM readings WHERE device = ?').get(device) as { n: number };
      return row.n;
    },
    async dispose() {
      db?.close();
      await self.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** Publishes `n` QoS 1 readings (one metric each, distinct timestamps from `base`), 100 in flight at a time. */
export async function publishReadings(device: MqttClient, id: string, base: number, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(from + n, i + 100); j++) {
      batch.push(device.publishAsync(`devices/${id}/telemetry`, JSON.stringify({ ts: base + j, v: j }), { qos: 1 }));
    }
    await Promise.all(batch);
  }
}

export async function waitStored(ingest: BrokerIngest, id: string, n: number, timeoutMs = 30_000): Promise<number> {
  return eventually(async () => (ingest.stored(id) >= n ? ingest.stored(id) : undefined), timeoutMs, `${n} readings of ${id} stored`);
}

/**
 * The live path, then the outage path: 2,000 readings stored; ingest stopped; 500 more, which the
 * broker queues for ingest's persistent session, stored once ingest is back with the same client id.
 * Returns the counts seen after each step.
 */
export async function deliveryChecks(url: string, ingest: BrokerIngest, id: string): Promise<{ live: number; afterOutage: number }> {
  const device = await connectClient(url, { clientId: `dev-${id}`, protocolVersion: 4 });
  const base = Date.now() - 120_000;
  await publishReadings(device, id, base, 2_000);
  const live = await waitStored(ingest, id, 2_000);

  await ingest.stop();
  await publishReadings(device, id, base, 500, 2_000);
  await ingest.start();
  await waitStored(ingest, id, 2_500);
  // A moment more, so a duplicate delivery would show up as more than 2,500 (it cannot: the key is (device, metric, ts)).
  await new Promise((r) => setTimeout(r, 300));
  return { live, afterOutage: ingest.stored(id) };
}

/** The protocol ingest ended up with, from its "ingest subscribed" log line. */
export function subscribedProtocol(logs: readonly string[]): number | undefined {
  const line = logs.filter((l) => l.includes('"ingest subscribed"')).at(-1);
  const match = line?.match(/"protocol":(\d)/);
  return match ? Number(match[1]) : undefined;
}
