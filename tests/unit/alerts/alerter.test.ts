/**
 * The alerter over the in-memory store, an in-memory alert store and an in-memory MQTT client
 * (the `connect` seam), on fake timers: leading after the quiet period, firing and resolving,
 * the fan-out of a transition (alert store, broker, store event), nodata seeded from the store's
 * devices, and standing down when a lower instance is heard.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../domain/alert.ts';
import { parseRule, type Rule } from '../../../domain/rule.ts';
import { VIGIL_TOPICS } from '../../../bus/topics.ts';
import { AlertStore } from '../../../alerts/alert-store.ts';
import { startAlerter, type AlerterHandle } from '../../../alerts/alerter.ts';
import { parseConfig } from '../../../lib/config.ts';
import { silentLogger } from '../../../lib/logger.ts';
import type { MqttClient } from '../../../lib/mqtt.ts';
import { IngestStats } from '../../../ingest/stats.ts';
import { MemoryStore } from '../../../store/memory.ts';

const START = Date.UTC(2025, 0, 15, 12, 0, 0);
const NO_WEBHOOK = { delivered: 0, failures: 0, dropped: 0, queued: 0 };

/** What the alerter uses of an MQTT client: messages in, publish and subscribe out. */
class FakeBroker extends EventEmitter {
  readonly published: { topic: string; payload: string }[] = [];
  subscribed: string[] = [];
  publish(topic: string, payload: string | Buffer): this {
    this.published.push({ topic, payload: payload.toString() });
    return this;
  }
  subscribeAsync(topics: string[] | Record<string, unknown>): Promise<[]> {
    // subscribeBus hands mqtt.js a topic -> options map; only the topics matter here.
    this.subscribed = Array.isArray(topics) ? topics : Object.keys(topics);
    return Promise.resolve([]);
  }
  end(_force?: boolean, _options?: object, done?: () => void): this {
    done?.();
    return this;
  }
  deliver(topic: string, payload: unknown): void {
    this.emit('message', topic, Buffer.from(JSON.stringify(payload)), {});
  }
  alerts(): Alert[] {
    return this.published.filter((p) => p.topic === VIGIL_TOPICS.alert).map((p) => JSON.parse(p.payload) as Alert);
  }
}

function rule(input: unknown, id: string): Rule {
  const parsed = parseRule(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...parsed.rule, id } as Rule;
}

let store: MemoryStore;
let alerts: AlertStore;
let broker: FakeBroker;
let alerter: AlerterHandle | undefined;

async function start(instance = 'ingest-b'): Promise<AlerterHandle> {
  const parsed = parseConfig({ INSTANCE_ID: instance });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  alerter = await startAlerter(parsed.config, {
    alerts,
    store,
    logger: silentLogger,
    connect: async () => broker as unknown as MqttClient,
  });
  return alerter;
}

beforeEach(() => {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  store = new MemoryStore();
  alerts = new AlertStore(':memory:');
  broker = new FakeBroker();
});
afterEach(async () => {
  await alerter?.stop();
  alerter = undefined;
  alerts.close();
  vi.useRealTimers();
});

describe('alerter', () => {
  it('subscribes to readings, stats and rule changes, and leads alone after the quiet period', async () => {
    const handle = await start();
    expect([...broker.subscribed].sort()).toEqual([VIGIL_TOPICS.readings, VIGIL_TOPICS.stats, VIGIL_TOPICS.rulesChanged].sort());
    expect(handle.isLeader()).toBe(false);
    await vi.advanceTimersByTimeAsync(1_750);
    expect(handle.isLeader()).toBe(true);
  });

  it('fires and resolves on readings, each transition stored, published and recorded beside the telemetry', async () => {
    alerts.putRule(rule({ name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30, hysteresis: 1 }, 'r-hot'));
    await start();
    await vi.advanceTimersByTimeAsync(1_750);
    const t0 = Date.now();
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: t0, values: { t: 31 } }]);
    await vi.advanceTimersByTimeAsync(600);
    expect(broker.alerts().map((a) => [a.ruleId, a.device, a.state, a.value])).toEqual([['r-hot', 'dev-1', 'firing', 31]]);
    // 29.5 is below the threshold but inside the hysteresis: still firing.
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: t0 + 1_000, values: { t: 29.5 } }]);
    await vi.advanceTimersByTimeAsync(600);
    expect(broker.alerts()).toHaveLength(1);
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: t0 + 2_000, values: { t: 28 } }]);
    await vi.advanceTimersByTimeAsync(600);
    const published = broker.alerts();
    expect(published.map((a) => a.state)).toEqual(['firing', 'resolved']);
    expect(published[1]!.id).toBe(published[0]!.id);
    expect(alerts.getAlert(published[0]!.id)).toMatchObject({ state: 'resolved', resolvedAt: t0 + 2_000 });
    expect(store.alertEvents.map((e) => [e.alert.id, e.event, e.ts])).toEqual([
      [published[0]!.id, 'fired', t0],
      [published[0]!.id, 'resolved', t0 + 2_000],
    ]);
  });

  it('evaluates readings that arrive out of order in ts order', async () => {
    alerts.putRule(rule({ name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30 }, 'r-hot'));
    await start();
    await vi.advanceTimersByTimeAsync(1_750);
    const t0 = Date.now();
    // The later, cool reading arrives first (two ingest workers); held together they go in ts order.
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: t0 + 1_000, values: { t: 20 } }]);
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: t0, values: { t: 35 } }]);
    await vi.advanceTimersByTimeAsync(600);
    expect(broker.alerts().map((a) => a.state)).toEqual(['firing', 'resolved']);
  });

  it('counts devices the store knows for nodata rules from their last sign of life', async () => {
    store.appendSync([{ device: 'quiet-1', ts: START - 1_000, values: { t: 1 } }], START - 1_000);
    alerts.putRule(rule({ name: 'silent', type: 'nodata', after: 10 }, 'r-silent'));
    await start();
    await vi.advanceTimersByTimeAsync(1_750);
    expect(broker.alerts()).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(broker.alerts().map((a) => [a.ruleId, a.device, a.state])).toEqual([['r-silent', 'quiet-1', 'firing']]);
  });

  it('stands down while a lower instance id is heard, and evaluates nothing', async () => {
    alerts.putRule(rule({ name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30 }, 'r-hot'));
    const handle = await start('ingest-b');
    const other = new IngestStats('ingest-a');
    const heartbeat = () => broker.deliver(VIGIL_TOPICS.stats, other.snapshot(0, true, NO_WEBHOOK, store.stats(), {}, Date.now()));
    for (let i = 0; i < 4; i++) {
      heartbeat();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(handle.isLeader()).toBe(false);
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: Date.now(), values: { t: 99 } }]);
    heartbeat();
    await vi.advanceTimersByTimeAsync(600);
    expect(broker.alerts()).toEqual([]);
    expect(store.alertEvents).toEqual([]);
    // Once it is no longer heard (ttl 3.5 s), this one takes over.
    await vi.advanceTimersByTimeAsync(4_000);
    expect(handle.isLeader()).toBe(true);
  });

  it('keeps its evaluator state for the next leader when it stops', async () => {
    alerts.putRule(rule({ name: 'hot', type: 'threshold', metric: 't', op: 'above', value: 30 }, 'r-hot'));
    await start();
    await vi.advanceTimersByTimeAsync(1_750);
    broker.deliver(VIGIL_TOPICS.readings, [{ device: 'dev-1', ts: Date.now(), values: { t: 31 } }]);
    await alerter!.stop();
    alerter = undefined;
    // The reading still held in the reorder buffer was evaluated on the way out.
    expect(broker.alerts().map((a) => a.state)).toEqual(['firing']);
    expect(alerts.loadEvaluatorState()).toBeDefined();
  });
});
