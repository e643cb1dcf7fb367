/**
 * Every --format against a real Mosquitto: an outside subscriber on `#` sees the ecosystem's
 * topics and payloads, the status in its words (retained) and the goodbye, and --count holds.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../simulator/index.ts';
import type { FormatName } from '../../simulator/formats/index.ts';
import { closeClients, connectClient, startMosquitto, type MosquittoServer } from '../helpers/index.ts';

interface Seen {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** What each format's devices publish: [topic pattern, payload check] per kind of message. */
const EXPECT: Record<FormatName, { report: RegExp; status?: [RegExp, string, string]; announce?: RegExp; body(p: string): unknown }> = {
  vigil: { report: /^devices\/fmt-vigil-\d+\/telemetry$/, status: [/^devices\/[^/]+\/status$/, 'online', 'offline'], body: JSON.parse },
  tasmota: { report: /^tele\/fmt-tasmota-\d+\/(SENSOR|STATE)$/, status: [/^tele\/[^/]+\/LWT$/, 'Online', 'Offline'], body: JSON.parse },
  zigbee2mqtt: {
    report: /^zigbee2mqtt\/fmt-zigbee2mqtt-\d+$/,
    status: [/^zigbee2mqtt\/[^/]+\/availability$/, '{"state":"online"}', '{"state":"offline"}'],
    announce: /^zigbee2mqtt\/bridge\/state$/,
    body: JSON.parse,
  },
  esphome: {
    report: /^fmt-esphome-\d+\/sensor\/(temperature|humidity)\/state$/,
    status: [/^[^/]+\/status$/, 'online', 'offline'],
    body: Number,
  },
  shelly: { report: /^fmt-shelly-\d+\/events\/rpc$/, status: [/^[^/]+\/online$/, 'true', 'false'], body: JSON.parse },
  homeassistant: {
    report: /^vigil-sim\/fmt-homeassistant-\d+\/state$/,
    status: [/^vigil-sim\/[^/]+\/availability$/, 'online', 'offline'],
    announce: /^homeassistant\/sensor\/fmt-homeassistant-\d+\/(temperature|humidity)\/config$/,
    body: JSON.parse,
  },
  telegraf: { report: /^telegraf\/fmt-telegraf-\d+\/sensors$/, body: JSON.parse },
  senml: { report: /^senml\/fmt-senml-\d+$/, body: JSON.parse },
  ttn: { report: /^v3\/vigil-sim@ttn\/devices\/fmt-ttn-\d+\/up$/, body: JSON.parse },
};

describe('simulator formats through a real Mosquitto', () => {
  let mosquitto: MosquittoServer;
  let watcher: MqttClient;
  const seen: Seen[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    watcher = await connectClient(mosquitto.url, { clientId: 'format-watcher' });
    watcher.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await watcher.subscribeAsync('#', { qos: 1 });
  });
  afterAll(async () => {
    await closeClients();
    await mosquitto?.stop();
  });

  it.each(Object.keys(EXPECT) as FormatName[])('%s', async (format) => {
    const want = EXPECT[format];
    const idPrefix = `fmt-${format}-`;
    const mine = () => seen.filter((m) => m.topic.includes(idPrefix) || (want.announce?.test(m.topic) ?? false));
    const sim = await start({ broker: mosquitto.url, format, devices: 2, count: 6, intervalMs: 40, qos: 1, idPrefix, seed: 7, batch: 3 });
    const summary = await sim.done;
    await sim.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(summary).toMatchObject({ sent: 6, format, errors: 0 });

    const messages = mine();
    const reports = messages.filter((m) => want.report.test(m.topic));
    expect(reports.length).toBe(summary.messages);
    expect(reports.length).toBeGreaterThanOrEqual(6);
    for (const r of reports) expect(want.body(r.payload)).toBeTruthy();
    // Nothing outside the format's own topics.
    const known = (t: string) => want.report.test(t) || (want.status?.[0].test(t) ?? false) || (want.announce?.test(t) ?? false);
    expect(messages.filter((m) => !known(m.topic)).map((m) => m.topic)).toEqual([]);

    if (want.status) {
      const [pattern, online, offline] = want.status;
      const statuses = messages.filter((m) => pattern.test(m.topic)).map((m) => m.payload);
      expect(statuses.filter((p) => p === online)).toHaveLength(2);
      expect(statuses.filter((p) => p === offline)).toHaveLength(2);
      // Retained: a newcomer still learns the last word of each device.
      const late = await connectClient(mosquitto.url, { clientId: `late-${format}` });
      const retained: string[] = [];
      late.on('message', (topic, payload) => pattern.test(topic) && topic.includes(idPrefix) && retained.push(payload.toString()));
      await late.subscribeAsync('#', { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(retained).toEqual([offline, offline]);
    }
    if (want.announce) expect(messages.filter((m) => want.announce!.test(m.topic)).length).toBeGreaterThan(0);
    if (format === 'telegraf' || format === 'senml' || format === 'vigil') {
      // These batch: --batch 3 puts 3 samples in each report.
      expect(summary.entries).toBe(18);
    } else expect(summary.entries).toBe(6);
  });
});
