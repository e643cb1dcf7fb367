/**
 * What consumers do with bus input: the API's /metrics counts a bounded set of ingest instances and
 * shows rejections once per family, by consumer; subscribeBus hands handlers decoded values only; the fan-out
 * sends an acknowledgement once.
 */
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BusRejections, subscribeBus, VIGIL_TOPICS } from '../../../bus/index.ts';
import type { IngestSnapshot } from '../../../bus/ingest-stats.ts';
import { MAX_INGEST_INSTANCES, MetricsRegistry } from '../../../api/metrics.ts';
import { AlertStore } from '../../../alerts/alert-store.ts';
import { AlertFanOut } from '../../../alerts/fan-out.ts';
import { silentLogger } from '../../../lib/logger.ts';
import type { Alert, Transition } from '../../../domain/alert.ts';

const hub = { clients: 0, eventsSent: 0, clientsDropped: 0, replayHits: 0, resets: 0 };
const snap = (instance: string, at = Date.now()): IngestSnapshot => ({
  instance,
  at,
  received: 1,
  accepted: 1,
  points: 1,
  rejected: {},
  ignoredRetained: 0,
  storeErrors: 0,
  unacked: 0,
  forwardDropped: 0,
  writeLatency: { bounds: [0.001], counts: [1, 0], sum: 0.0005, count: 1 },
  alertLeader: false,
  webhook: { delivered: 0, failures: 0, dropped: 0, queued: 0 },
  store: {
    unackedReadings: 0,
    spooledRows: 0,
    readingsWritten: 1,
    droppedOutsideRetention: 0,
    droppedByBackend: 0,
    writeErrors: { partial: 0, transient: 0, timeout: 0, permanent: 0, too_large: 0, no_database: 0 },
    writeLatency: { count: 1, sumMs: 1, maxMs: 1 },
    blockedBy: null,
  },
  busRejected: { 'vigil/events/readings': { wrong_shape: 3 } },
});

describe('MetricsRegistry and bus input', () => {
  it('keeps at most MAX_INGEST_INSTANCES made-up instances, refusing (and counting) the rest', async () => {
    let now = 1_000_000;
    const registry = new MetricsRegistry(hub as never, undefined, () => now);
    for (let i = 0; i < 10_000; i++) registry.recordIngest(snap(`fake-${i}`));
    expect(registry.ingestInstances).toBe(MAX_INGEST_INSTANCES);
    expect(registry.busRejections.count(VIGIL_TOPICS.stats, 'too_many_instances')).toBe(10_000 - MAX_INGEST_INSTANCES);
    const text = await registry.text();
    expect(text).toMatch(new RegExp(`^vigil_ingest_instances ${MAX_INGEST_INSTANCES}$`, 'm'));
    // Nothing of a report reaches /metrics but the count: no per-instance series, whatever the names.
    expect(text).not.toMatch(/fake-|instance=/);
    expect(text).not.toMatch(/^vigil_messages_received_total/m);
    // Silent ones make room for a real newcomer after a while, and are no longer counted.
    now += 11_000;
    expect(registry.recordIngest(snap('ingest-real'))).toBe(true);
    expect(registry.ingestInstances).toBe(1);
    now += 11_000;
    expect(await registry.text()).toMatch(/^vigil_ingest_instances 0$/m);
  });

  it("shows the API's and an in-process alerter's rejections in one family, by consumer", async () => {
    const rejections = new BusRejections();
    rejections.reject(VIGIL_TOPICS.alert, { ok: false, reason: 'unknown_kind', detail: '' }, 10);
    const ingest = { registry: new Registry(), busRejected: () => snap('x').busRejected };
    const registry = new MetricsRegistry(hub as never, undefined, Date.now, rejections, ingest);
    registry.recordIngest(snap('ingest-1'));
    const text = await registry.text();
    expect(text.match(/^# TYPE vigil_bus_rejected_total counter$/gm)).toHaveLength(1);
    expect(text).toContain('vigil_bus_rejected_total{consumer="api",topic="vigil/events/alert",reason="unknown_kind"} 1');
    expect(text).toContain('vigil_bus_rejected_total{consumer="alerter",topic="vigil/events/readings",reason="wrong_shape"} 3');
  });

  it('refuses at start an in-process registry that defines a family the API already has', () => {
    const clash = new Registry();
    new Gauge({ name: 'vigil_sse_clients', help: 'twice', registers: [clash] });
    expect(
      () => new MetricsRegistry(hub as never, undefined, Date.now, new BusRejections(), { registry: clash, busRejected: () => ({}) }),
    ).toThrow(/vigil_sse_clients/);
  });
});

describe('subscribeBus', () => {
  it('calls handlers with decoded values only, counts the rest, and survives a throwing handler', async () => {
    let listener: ((topic: string, payload: Buffer) => void) | undefined;
    const subscribed: Record<string, { qos: 0 | 1 }>[] = [];
    const client = {
      on: (_event: 'message', l: (topic: string, payload: Buffer) => void) => (listener = l),
      subscribeAsync: async (topics: Record<string, { qos: 0 | 1 }>) => subscribed.push(topics),
    };
    const got: unknown[] = [];
    const rejections = new BusRejections();
    await subscribeBus(
      client,
      {
        readings: (entries) => got.push(entries),
        rulesChanged: () => {
          throw new Error('handler bug');
        },
      },
      { rejections, logger: silentLogger },
    );
    expect(subscribed).toEqual([{ 'vigil/events/readings': { qos: 1 }, 'vigil/rules/changed': { qos: 1 } }]);
    const now = Date.now();
    listener!('vigil/events/readings', Buffer.from('[null]'));
    listener!('vigil/events/readings', Buffer.from(JSON.stringify([{ device: 'd', ts: 9e15, values: { t: 1 } }])));
    listener!('vigil/events/readings', Buffer.from(JSON.stringify([{ device: 'd', ts: now, values: { t: 1 } }])));
    expect(() => listener!('vigil/rules/changed', Buffer.from(JSON.stringify({ at: now })))).not.toThrow();
    listener!('vigil/events/alert', Buffer.from('{}')); // not subscribed here: not ours
    expect(got).toEqual([[{ device: 'd', ts: now, values: { t: 1 } }]]);
    expect(rejections.snapshot()).toEqual({ 'vigil/events/readings': { wrong_shape: 1, bad_ts: 1 } });
  });
});

describe('AlertFanOut', () => {
  const transition: Transition = {
    kind: 'fired',
    ruleId: 'r-1',
    device: 'd-1',
    metric: 't',
    severity: 'warning',
    ts: 1_700_000_000_000,
    startedAt: 1_700_000_000_000,
    value: 31,
    threshold: 30,
    message: 'hot',
  };

  it('stores, publishes, sends and records a transition, and an acknowledgement once', () => {
    const alerts = new AlertStore(':memory:');
    const published: { topic: string; message: string; qos: number | undefined }[] = [];
    const sent: [string, Alert][] = [];
    const recorded: [string, string, number][] = [];
    const fanOut = new AlertFanOut({
      alerts,
      store: { recordAlertEvent: (a, kind, ts) => recorded.push([a.id, kind, ts]) },
      bus: { publish: (topic, message, options) => published.push({ topic, message, qos: options.qos }) },
      webhook: { send: (event, a) => sent.push([event, a]) },
    });
    const stored = fanOut.transition(transition);
    expect(alerts.getAlert(stored.id)).toEqual(stored);
    expect(fanOut.acknowledge(stored.id, 1_700_000_100_000)).toMatchObject({
      changed: true,
      alert: { acknowledged: true, ackedAt: 1_700_000_100_000 },
    });
    expect(fanOut.acknowledge(stored.id, 1_700_000_200_000)).toMatchObject({ changed: false, alert: { ackedAt: 1_700_000_100_000 } });
    expect(fanOut.acknowledge('nope', 1)).toBeUndefined();
    expect(published.map((p) => [p.topic, p.qos, (JSON.parse(p.message) as Alert).acknowledged])).toEqual([
      ['vigil/events/alert', 1, false],
      ['vigil/events/alert', 1, true],
    ]);
    expect(sent.map(([event]) => event)).toEqual(['fired', 'acknowledged']);
    expect(recorded).toEqual([
      [stored.id, 'fired', transition.ts],
      [stored.id, 'acknowledged', 1_700_000_100_000],
    ]);
    alerts.close();
  });
});
