/**
 * Tasmota (https://tasmota.github.io/docs/MQTT/): `tele/{device}/SENSOR` and `tele/{device}/STATE`
 * carry JSON with one object per sensor (`{"Time":…,"AM2301":{"Temperature":23.5},"TempUnit":"C"}`);
 * `Time` is the device's local time without a zone (unless SetOption52 adds the offset), read in the
 * preset's zone; `tele/{device}/LWT` is `Online`/`Offline`. Units: `TempUnit`/`PressureUnit`/
 * `SpeedUnit` and Tasmota's fixed ENERGY units.
 */
import { Collector, flatten, isObject, newFlatOut, readJson } from '../payload.ts';
import { pattern } from '../pattern.ts';
import type { TsClock } from '../time.ts';
import type { Decoded, Source, SourceMessage, TopicClaim } from '../types.ts';
import { ownedBy, RETAINED, shortText, status, unitsByLeaf, who } from './common.ts';

const SENSOR = pattern('tele/{device}/SENSOR');
const STATE = pattern('tele/{device}/STATE');
const LWT = pattern('tele/{device}/LWT');

/** Fields that describe the message rather than measure anything: neither stored nor counted. */
const IGNORE_PATHS = new Set([
  'Time',
  'TempUnit',
  'PressureUnit',
  'SpeedUnit',
  'ENERGY.TotalStartTime',
  'Uptime',
  'SleepMode',
  'Wifi.SSId',
  'Wifi.BSSId',
  'Wifi.Mode',
  'Wifi.Downtime',
]);

/** Tasmota's fixed units (docs "Sensors", "Power Monitoring") by leaf name. */
const FIXED_UNITS: Readonly<Record<string, string>> = {
  Humidity: '%',
  Power: 'W',
  ApparentPower: 'VA',
  ReactivePower: 'var',
  Voltage: 'V',
  Current: 'A',
  Total: 'kWh',
  Today: 'kWh',
  Yesterday: 'kWh',
  Illuminance: 'lx',
  CarbonDioxide: 'ppm',
  UptimeSec: 's',
  Signal: 'dBm',
  RSSI: '%',
};

const TEMPERATURE = { C: '°C', F: '°F' } as const;

export function tasmotaSource(zone = 'UTC'): Source {
  const clock: TsClock = { unit: 'iso', zone };
  return {
    name: 'tasmota',
    filters: [SENSOR.filter, STATE.filter, LWT.filter],
    firstLevels: ['tele'],
    decode(message: SourceMessage): Decoded | undefined {
      if (!message.topic.startsWith('tele/')) return undefined;
      const lwt = LWT.match(message.topic);
      if (lwt) return decodeLwt(lwt['device']!, message);
      const m = SENSOR.match(message.topic) ?? STATE.match(message.topic);
      if (!m) return undefined;
      if (message.retain) return RETAINED;
      return decodeTele(m['device']!, message, clock);
    },
    claim(topic: string): TopicClaim | undefined {
      if (!topic.startsWith('tele/')) return undefined;
      const m = LWT.match(topic) ?? SENSOR.match(topic) ?? STATE.match(topic);
      return m ? ownedBy(m['device']!) : undefined;
    },
  };
}

function decodeLwt(device: string, message: SourceMessage): Decoded {
  const text = shortText(message.payload)?.toLowerCase();
  const d = who(device);
  if (text !== 'online' && text !== 'offline') {
    return { kind: 'rejected', device: d.id, reason: 'bad_status', detail: 'LWT payload must be Online or Offline' };
  }
  return status(d, text, message.retain);
}

function decodeTele(device: string, message: SourceMessage, clock: TsClock): Decoded {
  const d = who(device);
  const json = readJson(message.payload, d.id);
  if ('kind' in json) return json;
  if (!isObject(json.doc)) return { kind: 'rejected', device: d.id, reason: 'wrong_shape', detail: 'Tasmota telemetry is a JSON object' };
  const doc = json.doc;
  const col = new Collector(message.receivedAt);
  const out = newFlatOut();
  flatten(doc, '', out, { ignorePaths: IGNORE_PATHS });
  col.add(d.id, col.time(doc['Time'], clock), out);
  col.describe(d.id, device, units(out.values, doc));
  return col.result(d.id, 'no numeric values in the Tasmota message');
}

/** Unit tables per (TempUnit, PressureUnit, SpeedUnit): a device sends the same three every time. */
const tables = new Map<string, Readonly<Record<string, string>>>();

function units(values: Readonly<Record<string, number>>, doc: Record<string, unknown>): Record<string, string> {
  const key = `${String(doc['TempUnit'])}\0${String(doc['PressureUnit'])}\0${String(doc['SpeedUnit'])}`.slice(0, 200);
  let table = tables.get(key);
  if (!table) {
    table = tableFor(doc);
    if (tables.size > 64) tables.clear();
    tables.set(key, table);
  }
  return unitsByLeaf(values, table);
}

function tableFor(doc: Record<string, unknown>): Readonly<Record<string, string>> {
  const table: Record<string, string> = { ...FIXED_UNITS };
  const temp = doc['TempUnit'];
  if (temp === 'C' || temp === 'F') {
    table['Temperature'] = TEMPERATURE[temp];
    table['DewPoint'] = TEMPERATURE[temp];
  }
  if (typeof doc['PressureUnit'] === 'string' && doc['PressureUnit'] !== '') {
    table['Pressure'] = doc['PressureUnit'];
    table['SeaPressure'] = doc['PressureUnit'];
  }
  if (typeof doc['SpeedUnit'] === 'string' && doc['SpeedUnit'] !== '') table['Speed'] = doc['SpeedUnit'];
  return table;
}
