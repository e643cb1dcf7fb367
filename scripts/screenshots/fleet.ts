/**
 * The fleet the documentation's screenshots show: six simulated devices with hours of seeded
 * history and live readings with anomalies, a boiler whose temperature climbed past the critical
 * limit and stays there, a device that went offline and one that went quiet (stale), the
 * simulator's default rules, registry names, labels and units, and an acknowledged alert with a
 * note. Everything is seeded, so two runs show the same values; only the wall clock differs.
 */
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { Rng } from '../../simulator/prng.ts';
import { DEFAULT_RULES, DeviceSignals } from '../../simulator/signals.ts';
import { deviceId } from '../../simulator/options.ts';
import { start as startSimulator, type SimulatorHandle } from '../../simulator/index.ts';

export const SEED = 7;
export const SIM_DEVICES = 6;
export const METRICS = ['temperature', 'humidity'] as const;
/** How far back the seeded history reaches, and its spacing. */
export const HISTORY_MS = 6 * 3_600_000;
const HISTORY_STEP_MS = 30_000;
/** Share of historical and live samples pushed past a default rule. */
const HISTORY_ANOMALIES = 0.01;
const LIVE_ANOMALIES = 0.01;

export const BOILER = 'boiler-1';
export const OFFLINE = 'gate-3';
export const STALE = 'attic-4';
export const SIM_IDS = Array.from({ length: SIM_DEVICES }, (_, i) => deviceId('sim-', i, SIM_DEVICES));

/** When the boiler started overheating: the zoomed chart's window is around it. */
export const BOILER_FAULT_AGO_MS = 50 * 60_000;

interface Entry {
  readonly ts: number;
  readonly values: Record<string, number>;
}

export interface Api {
  readonly url: string;
  readonly token: string;
}

async function call(api: Api, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The rules the simulator's anomalies are built to trip, for every device. */
export async function createDefaultRules(api: Api): Promise<void> {
  for (const rule of DEFAULT_RULES.filter((r) => (METRICS as readonly string[]).includes(r.metric))) {
    await call(api, 'POST', '/api/rules', {
      name: rule.name,
      device: '*',
      metric: rule.metric,
      type: 'threshold',
      op: rule.op,
      value: rule.value,
      hysteresis: rule.metric === 'temperature' ? 1 : 2,
      for: 0,
      severity: rule.severity,
      enabled: true,
    });
  }
}

/**
 * A simulated device's history, ending just before `end`. The samples come from the same seeded
 * model the live simulator runs (same base, amplitude and starting drift per device), stamped
 * backwards from `end`: the sample nearest now is the model's first, so the history meets the
 * live readings without a step. The model's hour of day is its own, not the wall clock's, so
 * running its daily cycle backwards is invisible.
 */
export function simHistory(index: number, end: number): Entry[] {
  const signals = new DeviceSignals({
    seed: SEED,
    deviceIndex: index,
    metrics: METRICS,
    intervalMs: HISTORY_STEP_MS,
    anomalies: HISTORY_ANOMALIES,
  });
  const n = HISTORY_MS / HISTORY_STEP_MS;
  const out: Entry[] = [];
  for (let k = 0; k < n; k++) out.push({ ts: end - (k + 1) * HISTORY_STEP_MS, values: signals.next().values });
  return out.reverse();
}

const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;

/** The boiler room: warm and steady, then from 50 min ago climbing past 40 °C within 20 min. */
export function boilerSample(rng: Rng, ts: number, end: number): Entry {
  const ago = end - ts;
  const normal = 26 + 1.2 * Math.sin(ts / 2_700_000);
  const rise = Math.min(1, Math.max(0, (BOILER_FAULT_AGO_MS - ago) / (20 * 60_000)));
  const temperature = normal + rise * (47 - normal) + 0.15 * rng.normal();
  const humidity = 38 - rise * 9 + 0.6 * rng.normal();
  return { ts, values: { temperature: round(temperature, 2), humidity: round(humidity, 1) } };
}

function quietHistory(rng: Rng, end: number, stopAgoMs: number, base: { temperature: number; humidity: number }): Entry[] {
  const out: Entry[] = [];
  for (let ts = end - HISTORY_MS; ts <= end - stopAgoMs; ts += 60_000) {
    const cycle = Math.sin(ts / 5_000_000);
    out.push({
      ts,
      values: {
        temperature: round(base.temperature + 2 * cycle + 0.1 * rng.normal(), 2),
        humidity: round(base.humidity - 5 * cycle + 0.5 * rng.normal(), 1),
      },
    });
  }
  return out;
}

/** Publishes entries as batches (under the 1000-entry and 64 KiB limits), oldest first, QoS 1. */
async function publishHistory(mqtt: MqttClient, device: string, entries: readonly Entry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 250) {
    await mqtt.publishAsync(`devices/${device}/telemetry`, JSON.stringify(entries.slice(i, i + 250)), { qos: 1 });
  }
}

/** Every device's history, the offline device's goodbye. Call after the rules reached ingest, before the live readings. */
export async function seedHistory(mqtt: MqttClient, end: number): Promise<void> {
  const rng = new Rng(SEED);
  for (let i = 0; i < SIM_DEVICES; i++) await publishHistory(mqtt, SIM_IDS[i]!, simHistory(i, end));
  const boiler: Entry[] = [];
  for (let ts = end - HISTORY_MS; ts < end; ts += HISTORY_STEP_MS) boiler.push(boilerSample(rng, ts, end));
  await publishHistory(mqtt, BOILER, boiler);
  await publishHistory(mqtt, OFFLINE, quietHistory(rng, end, 40 * 60_000, { temperature: 9, humidity: 78 }));
  await publishHistory(mqtt, STALE, quietHistory(rng, end, 0, { temperature: 17, humidity: 52 }));
  // Apart from its readings: the API times a reading by its arrival, and a goodbye sent right
  // behind it could look older than it.
  await new Promise((r) => setTimeout(r, 300));
  await mqtt.publishAsync(`devices/${OFFLINE}/status`, 'offline', { qos: 1, retain: true });
}

/** Names, labels and units for three devices; the others show their bare ids and values. */
export async function seedRegistry(api: Api): Promise<void> {
  const units = { temperature: '°C', humidity: '%' };
  await call(api, 'PUT', `/api/devices/${BOILER}`, { name: 'Boiler room', labels: { site: 'plant-a', floor: 'basement' }, units });
  await call(api, 'PUT', `/api/devices/${SIM_IDS[0]}`, { name: 'Cold store', labels: { site: 'plant-a', zone: 'storage' }, units });
  await call(api, 'PUT', `/api/devices/${SIM_IDS[1]}`, { name: 'Office 2nd floor', labels: { site: 'hq' }, units });
}

/** The fields of an alert (SPEC "Alerts") this script reads. */
const alertDoc = z.object({
  id: z.string(),
  device: z.string(),
  severity: z.string(),
  state: z.enum(['firing', 'resolved']),
  acknowledged: z.boolean(),
  startedAt: z.number(),
});
export type AlertDoc = z.infer<typeof alertDoc>;

export async function listAlerts(api: Api): Promise<AlertDoc[]> {
  return z.array(alertDoc).parse(await call(api, 'GET', '/api/alerts?state=all&limit=500'));
}

/**
 * Acknowledges the newest resolved critical alert of the seeded history (the API lists newest
 * first) with a note, so the alarm table shows one, and returns it.
 */
export async function acknowledgeOne(api: Api): Promise<AlertDoc> {
  const resolved = (await listAlerts(api)).filter((a) => a.state === 'resolved' && !a.acknowledged);
  const pick = resolved.find((a) => a.severity === 'critical') ?? resolved[0];
  if (!pick) throw new Error('the seeded history produced no resolved alert to acknowledge');
  await call(api, 'POST', `/api/alerts/${pick.id}/ack`, { note: 'Checked on site: the loading door was left open. Closed it.' });
  return pick;
}

export interface LiveFleet {
  stop(): Promise<void>;
}

/**
 * The live part: the simulator (seeded, with anomalies) for the sim devices, and the boiler
 * reporting its overheated room every second, so its critical alert keeps firing.
 */
export async function startLive(mqtt: MqttClient, brokerUrl: string): Promise<LiveFleet> {
  const sim: SimulatorHandle = await startSimulator({
    devices: SIM_DEVICES,
    seed: SEED,
    metrics: [...METRICS],
    anomalies: LIVE_ANOMALIES,
    broker: brokerUrl,
    prefix: 'devices',
  });
  const rng = new Rng(SEED + 1);
  const timer = setInterval(() => {
    const now = Date.now();
    void mqtt.publishAsync(`devices/${BOILER}/telemetry`, JSON.stringify(boilerSample(rng, now, now)), { qos: 1 }).catch(() => undefined);
  }, 1_000);
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await sim.stop();
      })();
      return stopped;
    },
  };
}
