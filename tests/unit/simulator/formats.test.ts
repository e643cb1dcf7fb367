/** Each simulator format's topics, payload shapes, status and will (SPEC "Device sources" presets). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SimDevice, type Entry } from '../../../simulator/device.ts';
import { FORMAT_NAMES, FORMATS, type DeviceFormat, type FormatName } from '../../../simulator/formats/index.ts';
import { DEFAULT_OPTIONS, parseArgs } from '../../../simulator/options.ts';

const TS = Date.UTC(2026, 0, 15, 9, 30, 5, 250);
const entry = (values: Record<string, number>, ts = TS): Entry => ({ ts, values, anomaly: undefined });
const ENV = entry({ temperature: 21.4567, humidity: 40.21, pressure: 1013.27 });

function speaker(name: FormatName, metrics: readonly string[] = ['temperature', 'humidity', 'pressure'], index = 0): DeviceFormat {
  return FORMATS[name].device({ id: 'sim-001', index, metrics }, { prefix: 'devices' });
}
const body = (payload: Buffer): unknown => JSON.parse(payload.toString());
const str = (payload: Buffer | undefined) => payload?.toString();

describe('simulator formats', () => {
  it('has one format per SPEC preset and vigil, each selectable with --format', () => {
    expect([...FORMAT_NAMES].sort()).toEqual(
      ['esphome', 'homeassistant', 'senml', 'shelly', 'tasmota', 'telegraf', 'ttn', 'vigil', 'zigbee2mqtt'].sort(),
    );
    for (const name of FORMAT_NAMES) {
      const parsed = parseArgs(['--format', name]);
      expect(parsed.ok && parsed.options.format).toBe(name);
    }
    expect(parseArgs([]).ok && DEFAULT_OPTIONS.format).toBe('vigil');
    expect(parseArgs(['--format', 'lorawan'])).toEqual({
      ok: false,
      error: expect.stringMatching(/^--format must be one of vigil, tasmota/),
    });
  });

  it('keeps --faults to the vigil format', () => {
    expect(parseArgs(['--format', 'tasmota', '--faults'])).toEqual({ ok: false, error: expect.stringContaining('--format vigil only') });
    expect(parseArgs(['--faults']).ok).toBe(true);
  });

  it('vigil: flat readings on {prefix}/{id}/telemetry, batches as arrays, status online/offline', () => {
    const d = speaker('vigil');
    expect(d.status && [d.status.topic, str(d.status.online), str(d.status.offline)]).toEqual([
      'devices/sim-001/status',
      'online',
      'offline',
    ]);
    const [m] = d.report([ENV]);
    expect(m!.topic).toBe('devices/sim-001/telemetry');
    expect(body(m!.payload)).toEqual({ ts: TS, temperature: 21.4567, humidity: 40.21, pressure: 1013.27 });
    expect(body(d.report([ENV, entry({ temperature: 1 }, TS + 1)])[0]!.payload)).toHaveLength(2);
  });

  it('tasmota: nested SENSOR objects with a zone-less local Time and units, STATE, LWT Online/Offline', () => {
    const d = speaker('tasmota', ['temperature', 'humidity', 'pressure', 'co2', 'voltage', 'flow']);
    expect(d.status && [d.status.topic, str(d.status.online), str(d.status.offline)]).toEqual(['tele/sim-001/LWT', 'Online', 'Offline']);
    const out = d.report([entry({ temperature: 21.46, humidity: 40.2, pressure: 1013.27, co2: 612, voltage: 230.1, flow: 3.3 })]);
    expect(out.map((m) => m.topic)).toEqual(['tele/sim-001/SENSOR', 'tele/sim-001/STATE']);
    expect(body(out[0]!.payload)).toEqual({
      Time: '2026-01-15T09:30:05',
      BME280: { Temperature: 21.5, Humidity: 40.2, Pressure: 1013.3 },
      SCD40: { CarbonDioxide: 612 },
      ENERGY: { Voltage: 230.1 },
      SIM: { Flow: 3.3 },
      TempUnit: 'C',
      PressureUnit: 'hPa',
    });
    expect(body(out[1]!.payload)).toMatchObject({
      Time: '2026-01-15T09:30:05',
      UptimeSec: expect.any(Number),
      POWER: 'ON',
      Wifi: { RSSI: 76 },
    });
    // STATE only now and then, as Tasmota's TelePeriod sends it beside SENSOR.
    expect(d.report([ENV]).map((m) => m.topic)).toEqual(['tele/sim-001/SENSOR']);
  });

  it('zigbee2mqtt: flat JSON on zigbee2mqtt/{name}, availability {"state":..} retained, the bridge state from the first device', () => {
    const d = speaker('zigbee2mqtt', ['temperature', 'battery', 'voltage']);
    expect(d.status && [d.status.topic, str(d.status.online), str(d.status.offline)]).toEqual([
      'zigbee2mqtt/sim-001/availability',
      '{"state":"online"}',
      '{"state":"offline"}',
    ]);
    expect(d.announce.map((m) => [m.topic, str(m.payload), m.retain])).toEqual([['zigbee2mqtt/bridge/state', '{"state":"online"}', true]]);
    expect(speaker('zigbee2mqtt', ['temperature'], 1).announce).toEqual([]);
    const [m] = d.report([entry({ temperature: 21.456, battery: 87.2, voltage: 2.95 })]);
    expect(m!.topic).toBe('zigbee2mqtt/sim-001');
    expect(body(m!.payload)).toEqual({ temperature: 21.46, battery: 87.2, voltage: 2950, linkquality: expect.any(Number) });
  });

  it('esphome: one retained bare value per sensor, a binary sensor ON/OFF, status online/offline', () => {
    const d = speaker('esphome', ['temperature', 'light']);
    expect(d.status && [d.status.topic, str(d.status.online), str(d.status.offline)]).toEqual(['sim-001/status', 'online', 'offline']);
    const out = d.report([entry({ temperature: 21.456, light: 350 })]);
    expect(out.map((m) => [m.topic, str(m.payload), m.retain])).toEqual([
      ['sim-001/sensor/temperature/state', '21.46', true],
      ['sim-001/sensor/light/state', '350.00', true],
      ['sim-001/binary_sensor/occupancy/state', 'ON', true],
    ]);
  });

  it('shelly: a NotifyStatus frame on {id}/events/rpc with component:id keys and ts in seconds, online true/false', () => {
    const d = speaker('shelly', ['temperature', 'humidity', 'battery', 'co2']);
    expect(d.status && [d.status.topic, str(d.status.online), str(d.status.offline)]).toEqual(['sim-001/online', 'true', 'false']);
    const [m] = d.report([entry({ temperature: 20, humidity: 41.26, battery: 80, co2: 700 })]);
    expect(m!.topic).toBe('sim-001/events/rpc');
    expect(body(m!.payload)).toEqual({
      src: 'sim-001',
      dst: 'sim-001/events',
      method: 'NotifyStatus',
      params: {
        ts: 1768469405.25,
        'temperature:0': { id: 0, tC: 20, tF: 68 },
        'humidity:0': { id: 0, rh: 41.3 },
        'devicepower:0': { id: 0, battery: { V: 4.6, percent: 80 }, external: { present: false } },
        'number:200': { id: 200, value: 700 },
      },
    });
  });

  it('homeassistant: retained discovery configs naming a state topic and value_json templates, then JSON state', () => {
    const d = speaker('homeassistant', ['temperature', 'co2']);
    const config = z.object({
      name: z.string(),
      unique_id: z.string(),
      state_topic: z.string(),
      value_template: z.string(),
      unit_of_measurement: z.string(),
      device_class: z.string(),
      availability_topic: z.string(),
      device: z.object({ identifiers: z.array(z.string()), name: z.string() }),
    });
    expect(d.announce.map((m) => [m.topic, m.retain])).toEqual([
      ['homeassistant/sensor/sim-001/temperature/config', true],
      ['homeassistant/sensor/sim-001/co2/config', true],
    ]);
    const temperature = config.parse(body(d.announce[0]!.payload));
    expect(temperature).toMatchObject({
      unit_of_measurement: '°C',
      device_class: 'temperature',
      value_template: '{{ value_json.temperature }}',
    });
    expect(config.parse(body(d.announce[1]!.payload))).toMatchObject({ unit_of_measurement: 'ppm', device_class: 'carbon_dioxide' });
    expect(d.status?.topic).toBe(temperature.availability_topic);
    const [m] = d.report([entry({ temperature: 21.456, co2: 612 })]);
    expect(m!.topic).toBe(temperature.state_topic);
    expect(body(m!.payload)).toEqual({ temperature: 21.46, co2: 612 });
  });

  it('telegraf: JSON with fields, name, tags and timestamp in seconds on telegraf/{host}/{measurement}; --batch as {"metrics":[..]}', () => {
    const d = speaker('telegraf');
    expect(d.status).toBeUndefined();
    const [m] = d.report([ENV]);
    expect(m!.topic).toBe('telegraf/sim-001/sensors');
    expect(body(m!.payload)).toEqual({
      fields: { temperature: 21.457, humidity: 40.21, pressure: 1013.27 },
      name: 'sensors',
      tags: { host: 'sim-001', site: 'vigil-sim' },
      timestamp: Math.floor(TS / 1000),
    });
    const batch = body(d.report([ENV, entry({ temperature: 1 }, TS + 2000)])[0]!.payload) as { metrics: { timestamp: number }[] };
    expect(batch.metrics.map((x) => x.timestamp)).toEqual([Math.floor(TS / 1000), Math.floor(TS / 1000) + 2]);
  });

  it('senml: an RFC 8428 pack on senml/{id} with bn, bt in seconds, units, and t offsets in a batch', () => {
    const d = speaker('senml');
    expect(d.status).toBeUndefined();
    const [m] = d.report([entry({ temperature: 21.5, humidity: 40 }), entry({ temperature: 21.6 }, TS + 1500)]);
    expect(m!.topic).toBe('senml/sim-001');
    expect(body(m!.payload)).toEqual([
      { bn: 'urn:dev:vigil-sim:sim-001:', bt: TS / 1000, n: 'temperature', u: 'Cel', v: 21.5 },
      { n: 'humidity', u: '%RH', v: 40 },
      { n: 'temperature', u: 'Cel', v: 21.6, t: 1.5 },
    ]);
  });

  it('ttn: a v3 uplink on v3/{app}@{tenant}/devices/{id}/up with decoded_payload, received_at and frm_payload', () => {
    const d = speaker('ttn');
    expect(d.status).toBeUndefined();
    const [first] = d.report([entry({ temperature: 21.5, humidity: 40.25 })]);
    const [second] = d.report([entry({ temperature: 21.6, humidity: 40 }, TS + 60_000)]);
    expect(first!.topic).toBe('v3/vigil-sim@ttn/devices/sim-001/up');
    const up = body(first!.payload) as Record<string, Record<string, unknown>>;
    expect(up['end_device_ids']).toMatchObject({ device_id: 'sim-001', application_ids: { application_id: 'vigil-sim' } });
    expect(up['received_at']).toBe('2026-01-15T09:30:05.250Z');
    expect(up['uplink_message']).toMatchObject({ f_port: 1, f_cnt: 0, decoded_payload: { temperature: 21.5, humidity: 40.25 } });
    const raw = Buffer.from(String(up['uplink_message']!['frm_payload']), 'base64');
    expect([raw.readInt16BE(0), raw.readInt16BE(2)]).toEqual([2150, 4025]);
    expect((body(second!.payload) as { uplink_message: { f_cnt: number } }).uplink_message.f_cnt).toBe(1);
  });

  it('formats that send one reading per message take one sample per turn whatever --batch says', () => {
    const batching = FORMAT_NAMES.filter((n) => FORMATS[n].batches);
    expect(batching).toEqual(['vigil', 'telegraf', 'senml']);
  });

  it('a device of a non-batching format takes one sample per turn whatever --batch says, and keeps no backlog', () => {
    const options = { ...DEFAULT_OPTIONS, batch: 5 };
    const tasmota = new SimDevice(options, 0, 1000, FORMATS.tasmota);
    const vigil = new SimDevice(options, 0, 1000, FORMATS.vigil);
    expect(tasmota.take(TS).entries).toHaveLength(1);
    expect(vigil.take(TS).entries).toHaveLength(5);
    tasmota.buffer(TS + 1000);
    expect([tasmota.backlogSize, tasmota.dropped]).toEqual([0, 1]);
    expect(tasmota.take(TS + 2000).entries).toHaveLength(1);
  });

  it('replays the same payloads for a seed in every format (given the same clock)', () => {
    for (const name of FORMAT_NAMES) {
      const run = (seed: number) => {
        const device = new SimDevice({ ...DEFAULT_OPTIONS, seed, batch: 2 }, 3, 1000, FORMATS[name]);
        const speaks = FORMATS[name].device({ id: device.id, index: 3, metrics: DEFAULT_OPTIONS.metrics }, { prefix: 'devices' });
        // Tasmota's STATE carries an uptime from the wall clock; SENSOR is what the seed fixes.
        return Array.from({ length: 5 }, (_, i) => speaks.report(device.take(TS + i * 1000).entries)[0]!.payload.toString());
      };
      expect(run(42), name).toEqual(run(42));
      expect(run(42), name).not.toEqual(run(43));
    }
  });
});
