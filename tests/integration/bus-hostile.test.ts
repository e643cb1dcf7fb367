/**
 * Hostile messages on every Vigil topic, through a real broker (the embedded Aedes, which has no
 * ACL, so anyone on the network can publish there): an outside mqtt.js client publishes each
 * malformed message on each vigil/ topic. Every one is counted in vigil_bus_rejected_total by
 * every process that consumes the topic; none changes alert state, stored data, the live stream
 * or /metrics otherwise; and a rule still fires on a real breach afterwards.
 *
 * Topic names are spelled out here (not imported from bus/) so the test runs against any version.
 */
import { EventSource } from 'eventsource';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { startMosquitto, type MosquittoServer } from '../helpers/mosquitto.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

const TOKEN = 'bus-hostile-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const DEVICE = 'hb-1';

const TOPICS = {
  readings: 'vigil/events/readings',
  device: 'vigil/events/device',
  alert: 'vigil/events/alert',
  rejected: 'vigil/rejected',
  stats: 'vigil/stats/ingest',
  rulesChanged: 'vigil/rules/changed',
} as const;
type Key = keyof typeof TOPICS;
/** Who consumes what: the API streams five topics; the alerter (in ingest) reads three. */
const API_READS: readonly Key[] = ['readings', 'device', 'alert', 'rejected', 'stats'];
const ALERTER_READS: readonly Key[] = ['readings', 'stats', 'rulesChanged'];

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const nested = (depth: number) => Buffer.concat([Buffer.alloc(depth, '['), Buffer.alloc(depth, ']')]);
const hugeArray = (n: number) => Buffer.concat([Buffer.from('['), Buffer.alloc(2 * n - 1, '0,'), Buffer.from(']')]);

/** A well-formed message of each kind about DEVICE, with `ts` and extra fields swapped in. */
function shaped(key: Key, ts: unknown, extra: Record<string, unknown> = {}): unknown {
  switch (key) {
    case 'readings':
      return [{ device: DEVICE, ts, values: { t: 99 }, ...extra }];
    case 'device':
      return { device: DEVICE, status: 'offline', ts, ...extra };
    case 'alert':
      return {
        id: 'AbCdEfGhIjKlMnOpQrSt',
        ruleId: 'r-forged',
        device: DEVICE,
        metric: 't',
        severity: 'critical',
        state: 'firing',
        acknowledged: false,
        value: 99,
        threshold: 30,
        startedAt: ts,
        resolvedAt: null,
        ackedAt: null,
        ackNote: null,
        message: 'forged',
        ...extra,
      };
    case 'rejected':
      return { ts, topic: `devices/${DEVICE}/telemetry`, device: DEVICE, reason: 'invalid_json', payload: 'forged', ...extra };
    case 'stats':
      // "0000" sorts before any real instance id: a snapshot taken for real would steal the alert leadership.
      return {
        instance: '0000',
        at: ts,
        received: 1,
        accepted: 1,
        points: 1,
        rejected: {},
        ignoredRetained: 0,
        storeErrors: 0,
        unacked: 0,
        forwardDropped: 0,
        writeLatency: { bounds: [0.001], counts: [0, 0], sum: 0, count: 0 },
        alertLeader: true,
        webhook: { delivered: 0, failures: 0, dropped: 0, queued: 0 },
        store: {
          unackedReadings: 0,
          spooledRows: 0,
          readingsWritten: 0,
          droppedOutsideRetention: 0,
          droppedByBackend: 0,
          writeErrors: {},
          writeLatency: { count: 0, sumMs: 0, maxMs: 0 },
          blockedBy: null,
        },
        ...extra,
      };
    case 'rulesChanged':
      return { at: ts, ...extra };
  }
}

/** Every malformed message for a topic: the "Bad input" list, plus the topic's own traps. */
function hostile(key: Key): [string, Buffer][] {
  const now = Date.now();
  const common: [string, Buffer][] = [
    ['null', enc('null')],
    ['[null]', enc('[null]')],
    ['wrong type (number)', enc('42')],
    ['wrong type (string)', enc('"x"')],
    ['not JSON', enc('{nope')],
    ['ts "NaN"', enc(shaped(key, 'NaN'))],
    ['ts "Infinity"', enc(shaped(key, 'Infinity'))],
    ['ts 1e999', enc(JSON.stringify(shaped(key, 12345)).replace('12345', '1e999'))],
    ['ts 9e15', enc(shaped(key, 9e15))],
    ['ts a day ahead', enc(shaped(key, now + 86_400_000))],
    ['ts 0', enc(shaped(key, 0))],
    ['ts in epoch seconds', enc(shaped(key, Math.floor(now / 1000)))],
    ['1 MiB', Buffer.concat([Buffer.from('["'), Buffer.alloc(1024 * 1024 - 4, 'a'), Buffer.from('"]')])],
    ['5,000,000 elements', hugeArray(5_000_000)],
    ['nested 100,000 deep', nested(100_000)],
    ['nested 300 deep', nested(300)],
  ];
  const own: Record<Key, [string, Buffer][]> = {
    readings: [
      ['[null, valid]', enc([null, { device: DEVICE, ts: now, values: { t: 99 } }])],
      ['value "Infinity"', enc([{ device: DEVICE, ts: now, values: { t: 'Infinity' } }])],
      ['metric __proto__', enc(`[{"device":"${DEVICE}","ts":${now},"values":{"__proto__":99}}]`)],
      ['forged device id', enc([{ device: '../hb', ts: now, values: { t: 99 } }])],
      ['unknown event kind', enc({ kind: 'alert', device: DEVICE })],
    ],
    device: [
      ['unknown status', enc(shaped('device', now, { status: 'exploded' }))],
      ['status stale', enc(shaped('device', now, { status: 'stale' }))],
    ],
    alert: [
      ['unknown state', enc(shaped('alert', now, { state: 'pending' }))],
      ['unknown severity', enc(shaped('alert', now, { severity: 'fatal' }))],
      ['an ack without the alert', enc({ id: 'ack-check', acknowledged: true })],
    ],
    rejected: [
      ['unknown reason', enc(shaped('rejected', now, { reason: 'because' }))],
      ['payload as an object', enc(shaped('rejected', now, { payload: { a: 1 } }))],
    ],
    stats: [
      ['writeLatency {}', enc(shaped('stats', now, { writeLatency: {} }))],
      ['received injecting a line', enc(shaped('stats', now, { received: '1\nvigil_injected_total 999' }))],
      ['reject reason injecting a line', enc(shaped('stats', now, { rejected: { 'x"} 1\nvigil_injected_total 1': 1 } }))],
      ['unknown instance name', enc(shaped('stats', now, { instance: 'x"} 1\nvigil_injected_total 1' }))],
      ['empty instance', enc(shaped('stats', now, { instance: '' }))],
      ['unknown bus topic label', enc(shaped('stats', now, { busRejected: { 'vigil/else': { wrong_shape: 1 } } }))],
    ],
    rulesChanged: [['empty object', enc({})]],
  };
  return [...common, ...own[key]];
}

/** /metrics as comparable lines: the runtime's own figures, the rejection counter and the HTTP counters (this test's own scrapes) left out. */
function comparable(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .filter((l) => !/^(process_|nodejs_|vigil_bus_rejected_total|vigil_http_)/.test(l))
    .sort();
}

/** vigil_bus_rejected_total summed by topic, for one consumer (the API or ingest's alerter). */
function rejectedByTopic(text: string, consumer: 'api' | 'alerter'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^vigil_bus_rejected_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels['consumer'] !== consumer) continue;
    out[labels['topic']!] = (out[labels['topic']!] ?? 0) + Number(m[2]);
  }
  return out;
}

describe('hostile messages on Vigil topics', () => {
  let mosquitto: MosquittoServer | undefined;
  let vigil: TestVigil;
  let device: MqttClient;
  let outsider: MqttClient;
  let source: EventSource;
  const events: { type: string; data: string }[] = [];
  let metricsBefore: string[];
  let devicesBefore: unknown;
  const published: Record<Key, number> = { readings: 0, device: 0, alert: 0, rejected: 0, stats: 0, rulesChanged: 0 };
  const metrics = async () => {
    const res = await fetch(`${vigil.url}/metrics`);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    // The embedded broker refuses vigil/# and packets over 68 KiB to device clients
    // (embedded-broker-guard.test.ts); a Mosquitto without an ACL lets anything through, so the
    // decoders are tested here as the last line of defence.
    mosquitto = await startMosquitto();
    vigil = await startTestVigil({ VIGIL_TOKEN: TOKEN, MQTT_URL: mosquitto.url });
    await eventually(async () => (/^vigil_alert_leader 1$/m.test((await metrics()).text) ? true : undefined), 10_000, 'alert leader');
    const created = await fetch(`${vigil.url}/api/rules`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'hot', type: 'threshold', device: 'hb-*', metric: 't', op: 'above', value: 30, severity: 'critical' }),
    });
    expect(created.status).toBe(201);

    source = new EventSource(`${vigil.url}/api/stream`);
    for (const type of ['reading', 'device', 'alert', 'reset'])
      source.addEventListener(type, (e) => events.push({ type, data: String(e.data) }));
    await new Promise<void>((resolve) => (source.onopen = () => resolve()));
    device = await connectClient(vigil.brokerUrl);
    await device.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify({ t: 20 }), { qos: 1 });
    await eventually(
      async () => ((await getJson<{ id: string }[]>(`${vigil.url}/api/devices`)).body.some((d) => d.id === DEVICE) ? true : undefined),
      5_000,
      'device stored',
    );
    // The real reading and the device coming online stream first; only what follows counts.
    await eventually(
      async () => (events.some((e) => e.type === 'reading') && events.some((e) => e.type === 'device') ? true : undefined),
      5_000,
      'baseline streamed',
    );

    // Two snapshots a second apart that agree: ingest's counters have settled.
    metricsBefore = await eventually(
      async () => {
        const a = comparable((await metrics()).text);
        await new Promise((r) => setTimeout(r, 1_100));
        const b = comparable((await metrics()).text);
        return JSON.stringify(a) === JSON.stringify(b) ? b : undefined;
      },
      10_000,
      'settled /metrics',
    );
    devicesBefore = (await getJson(`${vigil.url}/api/devices`)).body;
    events.length = 0;

    outsider = await connectClient(vigil.brokerUrl, { clientId: 'outsider' });
    for (const key of Object.keys(TOPICS) as Key[]) {
      for (const [, payload] of hostile(key)) {
        await outsider.publishAsync(TOPICS[key], payload, { qos: 1 });
        published[key]++;
      }
    }
  });
  afterAll(async () => {
    source?.close();
    await closeClients();
    await vigil?.dispose();
    await mosquitto?.stop();
  });

  it('counts every malformed message in each process that reads its topic', async () => {
    const expectApi = Object.fromEntries(API_READS.map((k) => [TOPICS[k], published[k]]));
    const expectAlerter = Object.fromEntries(ALERTER_READS.map((k) => [TOPICS[k], published[k]]));
    const expected = JSON.stringify({ api: sorted(expectApi), alerter: sorted(expectAlerter) });
    let seen = '';
    await eventually(
      async () => {
        const { text } = await metrics();
        seen = JSON.stringify({
          api: sorted(rejectedByTopic(text, 'api')),
          alerter: sorted(rejectedByTopic(text, 'alerter')),
        });
        return seen === expected ? true : undefined;
      },
      20_000,
      'rejections counted',
    ).catch(() => undefined);
    // Compared here so a miss shows what was counted.
    expect(JSON.parse(seen)).toEqual(JSON.parse(expected));
  });

  it('leaves /metrics as it was but for the rejection counter, and never injects a line', async () => {
    const { status, text } = await metrics();
    expect(status).toBe(200);
    expect(text).not.toContain('vigil_injected_total');
    expect(comparable(text)).toEqual(metricsBefore);
  });

  it('streams nothing and stores nothing', async () => {
    expect(events).toEqual([]);
    expect((await getJson(`${vigil.url}/api/devices`)).body).toEqual(devicesBefore);
    expect((await getJson(`${vigil.url}/api/alerts?state=all`)).body).toEqual([]);
    expect((await getJson(`${vigil.url}/api/rejected`)).body).toEqual([]);
  });

  it('still fires the rule on a real breach', async () => {
    // Sent until it fires, in case the rule's reload was still on its way; each reading is newer.
    const breachFrom = Date.now();
    const fired = await eventually(
      async () => {
        await device.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify({ t: 50 }), { qos: 1 });
        const { body } = await getJson<{ device: string; state: string; value: number; startedAt: number }[]>(
          `${vigil.url}/api/alerts?state=active`,
        );
        return body.length > 0 ? body : undefined;
      },
      10_000,
      'alert fired on a real breach',
    );
    // The real breach's, not one a forged reading planted (value 99, ts in the future).
    expect(fired).toMatchObject([{ device: DEVICE, state: 'firing', value: 50 }]);
    expect(fired[0]!.startedAt).toBeGreaterThanOrEqual(breachFrom);
    expect(fired[0]!.startedAt).toBeLessThanOrEqual(Date.now());
    await eventually(async () => (events.some((e) => e.type === 'alert') ? true : undefined), 3_000, 'alert streamed');
  });
});

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
