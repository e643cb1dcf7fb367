/**
 * The presets' real corpus (tests/unit/sources/corpus, each sample from its project's docs) on
 * Debian's Mosquitto behind the repo's ACL: a standalone ingest, logged in as `vigil-ingest`, with
 * SQLite in a temp dir; an outside mqtt.js client publishes every sample on its native topic at
 * QoS 1. The store must hold the devices, metrics and values the unit tests expect of each
 * decoder, the registry in the same SQLITE_PATH the discovered names and units, and broken
 * payloads on the presets' topics must be rejected and counted by source and reason on ingest's
 * /metrics. A preset topic the ACL does not let ingest read would arrive nowhere and fail here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startIngest, type IngestHandle } from '../../ingest/index.ts';
import { parseConfig } from '../../lib/config.ts';
import type { DeviceRecord } from '../../store/port.ts';
import { SqliteRegistry } from '../../store/registry-sqlite.ts';
import { SqliteStore } from '../../store/sqlite.ts';
import { freePort } from '../helpers/ports.ts';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually } from '../helpers/vigil.ts';
import { RECEIVED, type Sample } from '../unit/sources/corpus/helpers.ts';
import { ALL_STATELESS } from '../unit/sources/corpus/presets.ts';
import { MOSQUITTO_ACL } from './deploy-support.ts';

const INGEST_PW = 'corpus-ingest-password';
const PUBLISHER_PW = 'corpus-publisher-password';

/** Live (not retained) samples whose outcome is readings: what the store must end up holding. */
/** Corpus times this close to its receive instant are relative to receipt. */
const RELATIVE_MS = 3_600_000;

const SAMPLES: readonly Sample[] = Object.values(ALL_STATELESS)
  .flat()
  .filter((s) => s.retain !== true);

interface Expected {
  /** Latest value per metric, with its ts unless the sample had none (then receive time). */
  readonly values: Map<string, { value: number; ts: number | null; offset: number }>;
  name: string | null;
  readonly units: Record<string, string>;
}

/** What the store and registry must hold per device, built from the decoders' expected results. */
function expected(): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const of = (id: string) => {
    let e = out.get(id);
    if (!e) out.set(id, (e = { values: new Map(), name: null, units: {} }));
    return e;
  };
  for (const sample of SAMPLES) {
    if (sample.expect.kind !== 'readings') continue;
    for (const entry of sample.expect.entries) {
      const device = of(entry.device);
      for (const [metric, value] of Object.entries(entry.values)) {
        // A sample without its own time is stored at receive time, later than any dated one; a
        // time relative to receipt (SenML's negative `t`) is that far from the receive time.
        const offset = entry.ts - RECEIVED;
        const ts = Math.abs(offset) < RELATIVE_MS ? null : entry.ts;
        // The store keeps the newest ts as latest (the later one on a tie).
        const was = device.values.get(metric);
        if (was === undefined || (ts ?? Number.POSITIVE_INFINITY) >= (was.ts ?? Number.POSITIVE_INFINITY))
          device.values.set(metric, { value, ts, offset: ts === null ? offset : 0 });
      }
    }
    for (const meta of sample.expect.meta) {
      const device = of(meta.device);
      if (meta.name !== undefined) device.name = meta.name;
      Object.assign(device.units, meta.units ?? {});
    }
  }
  return out;
}

/** Broken payloads on preset topics, each with the reason the preset must give (SPEC "Device sources"). */
const BAD: ReadonlyArray<readonly [source: string, topic: string, payload: string, reason: string]> = [
  ['tasmota', 'tele/bad-tasmota/SENSOR', '{"Time":"2019-11-03T19:34:28","AM2301":{"Temperature":', 'invalid_json'],
  ['tasmota', 'tele/bad-tasmota/LWT', 'Maybe', 'bad_status'],
  ['zigbee2mqtt', 'zigbee2mqtt/bad lamp', '{"temperature":"21.5","humidity":"high"}', 'no_values'],
  ['shelly', 'bad-shelly/events/rpc', '[1,2,3]', 'wrong_shape'],
  ['telegraf', 'telegraf/bad-host/cpu', '', 'empty'],
  ['senml', 'senml/bad-senml', '{"not":"a pack"}', 'no_values'],
  ['ttn', 'v3/app@ttn/devices/bad-ttn/up', '{"end_device_ids":{"device_id":"bad-ttn"},"uplink_message":{}}', 'no_values'],
];

describe('the presets corpus through Mosquitto and the repo ACL', () => {
  let mosquitto: MosquittoServer;
  let dir: string;
  let ingest: IngestHandle;
  let sqlitePath: string;
  let published = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-corpus-'));
    const passwd = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'vigil-ingest', INGEST_PW]);
    execFileSync('mosquitto_passwd', ['-b', passwd, 'corpus-publisher', PUBLISHER_PW]);
    // The repo's ACL as it is, plus a publisher that may write anything (the fleets' own bridges).
    const acl = join(dir, 'acl');
    await writeFile(acl, `${await readFile(MOSQUITTO_ACL, 'utf8')}\nuser corpus-publisher\ntopic write #\n`);
    mosquitto = await startMosquitto({ extraConfig: [`password_file ${passwd}`, `acl_file ${acl}`] });
    sqlitePath = join(dir, 'vigil.db');
    const parsed = parseConfig({
      MQTT_URL: mosquitto.url,
      MQTT_USERNAME: 'vigil-ingest',
      MQTT_PASSWORD: INGEST_PW,
      MQTT_CLIENT_ID: 'corpus-ingest',
      SQLITE_PATH: sqlitePath,
      INSTANCE_ID: 'corpus-1',
      INGEST_METRICS_PORT: String(await freePort()),
      // The docs' samples are years old: keep them.
      RETENTION: '36500d',
      LOG_LEVEL: 'silent',
      // The samples of one device are published back to back and the expectation takes the later
      // one as latest: on several shared connections their handling order, and so their receive
      // time, is not the publish order (docs/ingest.md). Ordering across connections is
      // ingest-connections.test.ts's concern; this file's is what each preset decodes.
      INGEST_CONNECTIONS: '1',
    });
    if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed)}`);
    ingest = await startIngest(parsed.config);
    const publisher = await connectClient(mosquitto.url, { username: 'corpus-publisher', password: PUBLISHER_PW, clientId: 'corpus-pub' });
    published = Date.now();
    for (const sample of SAMPLES) await publisher.publishAsync(sample.topic, sample.payload, { qos: 1 });
    for (const [, topic, payload] of BAD) await publisher.publishAsync(topic, payload, { qos: 1 });
  }, 30_000);
  afterAll(async () => {
    await closeClients();
    await ingest?.stop();
    await mosquitto?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores every sample device with its metrics and values', async () => {
    const want = expected();
    expect(want.size).toBeGreaterThanOrEqual(15);
    const store = SqliteStore.open({ path: sqlitePath, readonly: true });
    // Named in the failure, so a miss says which device and metric lagged, and with what.
    let lagging = '';
    try {
      const byId = await eventually(
        async () => {
          const records = new Map<string, DeviceRecord>((await store.devices()).map((d) => [d.id, d]));
          // Another process's latest values reach the file within the store's flush interval
          // (500 ms; docs/storage.md): wait for the final ones, not only for every metric to exist.
          const behind = [...want].filter(([id, e]) =>
            [...e.values].some(([metric, { value }]) => records.get(id)?.values[metric]?.value !== value),
          );
          lagging = behind
            .map(
              ([id, e]) => `${id}: ${JSON.stringify(records.get(id)?.values ?? null)} want ${JSON.stringify(Object.fromEntries(e.values))}`,
            )
            .join('; ');
          return behind.length === 0 ? records : undefined;
        },
        10_000,
        'every corpus device stored',
      ).catch((err: Error) => {
        throw new Error(`${err.message}; behind: ${lagging}`);
      });
      for (const [id, e] of want) {
        const record = byId.get(id)!;
        expect(Object.keys(record.values).sort(), id).toEqual([...e.values.keys()].sort());
        for (const [metric, { value, ts, offset }] of e.values) {
          expect(record.values[metric]?.value, `${id} ${metric}`).toBe(value);
          const stored = record.values[metric]?.ts ?? Number.NaN;
          if (ts !== null) expect(stored, `${id} ${metric} ts`).toBe(ts);
          else expect(stored - offset, `${id} ${metric} receive time`).toBeGreaterThanOrEqual(published);
        }
      }
      // Nothing from the broken payloads was stored.
      expect([...byId.keys()].filter((id) => id.startsWith('bad'))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('writes the discovered names and units to the registry at SQLITE_PATH', async () => {
    const want = expected();
    const registry = new SqliteRegistry(sqlitePath);
    try {
      for (const [id, e] of want) {
        const discovered = registry.layers(id)?.discovered;
        if (e.name !== null) expect(discovered?.name, `${id} name`).toBe(e.name);
        expect(discovered?.units ?? {}, `${id} units`).toMatchObject(e.units);
      }
    } finally {
      registry.close();
    }
  });

  it('rejects the broken payloads and counts them by source and reason on /metrics', async () => {
    const text = await eventually(
      async () => {
        const t = await (await fetch(ingest.metricsUrl!)).text();
        return BAD.every(([source, , , reason]) => t.includes(`vigil_source_rejected_total{source="${source}",reason="${reason}"}`))
          ? t
          : undefined;
      },
      10_000,
      'every broken payload counted',
    );
    for (const [source, , , reason] of BAD) {
      const corpus = SAMPLES.filter((s) => s.source === source && s.expect.kind === 'rejected' && s.expect.reason === reason).length;
      const n = corpus + BAD.filter(([s, , , r]) => s === source && r === reason).length;
      expect(text).toMatch(new RegExp(`^vigil_source_rejected_total\\{source="${source}",reason="${reason}"\\} ${n}$`, 'm'));
    }
    // Every sample was claimed by the source the corpus names, as many times as it was sent.
    for (const [source, samples] of Object.entries(ALL_STATELESS)) {
      const sent = samples.filter((s) => s.retain !== true).length + BAD.filter(([s]) => s === source).length;
      expect(ingest.router.counters.get(source)?.matched, source).toBe(sent);
    }
  });
});
