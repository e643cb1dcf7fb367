/**
 * Tasmota: tele/{id}/SENSOR every TelePeriod with one nested object per sensor and `Time` in
 * the device's local time (no zone; these devices run `Timezone 0`, so it reads as UTC), plus
 * TempUnit/PressureUnit; tele/{id}/STATE with uptime and Wi-Fi; tele/{id}/LWT `Online`/`Offline`,
 * retained (Tasmota's own LWT). --batch does not apply: Tasmota sends one reading per message.
 */
import type { Entry } from '../device.ts';
import { json, localTime, pascal, rounded, text, type Format } from './format.ts';

/** Which sensor reports a metric, and under which key (Tasmota's driver names). */
const SENSORS: Readonly<Record<string, readonly [string, string]>> = {
  temperature: ['BME280', 'Temperature'],
  humidity: ['BME280', 'Humidity'],
  pressure: ['BME280', 'Pressure'],
  co2: ['SCD40', 'CarbonDioxide'],
  voltage: ['ENERGY', 'Voltage'],
  light: ['BH1750', 'Illuminance'],
  battery: ['ANALOG', 'Battery'],
};
/** A STATE message every this many SENSOR messages (Tasmota sends both each TelePeriod; fewer keeps counts readable). */
const STATE_EVERY = 10;

export function sensorPayload(entry: Entry): Record<string, unknown> {
  const out: Record<string, unknown> = { Time: localTime(entry.ts) };
  for (const [metric, value] of Object.entries(entry.values)) {
    const [sensor, key] = SENSORS[metric] ?? ['SIM', pascal(metric)];
    const group = (out[sensor] ??= {}) as Record<string, number>;
    group[key] = rounded(value, 1);
  }
  if ('BME280' in out && 'Temperature' in (out['BME280'] as object)) out['TempUnit'] = 'C';
  if ('BME280' in out && 'Pressure' in (out['BME280'] as object)) out['PressureUnit'] = 'hPa';
  return out;
}

export const tasmota: Format = {
  name: 'tasmota',
  batches: false,
  device({ id, index }) {
    let reports = 0;
    const bootedAt = Date.now();
    return {
      status: { topic: `tele/${id}/LWT`, online: text('Online'), offline: text('Offline') },
      announce: [],
      report(entries) {
        const entry = entries[entries.length - 1]!;
        const out = [{ topic: `tele/${id}/SENSOR`, payload: json(sensorPayload(entry)) }];
        if (reports++ % STATE_EVERY === 0) {
          const up = Math.max(0, Math.round((entry.ts - bootedAt) / 1000));
          out.push({
            topic: `tele/${id}/STATE`,
            payload: json({
              Time: localTime(entry.ts),
              Uptime: `${Math.floor(up / 86_400)}T${new Date(up * 1000).toISOString().slice(11, 19)}`,
              UptimeSec: up,
              Heap: 26,
              SleepMode: 'Dynamic',
              Sleep: 50,
              LoadAvg: 19,
              MqttCount: 1,
              POWER: 'ON',
              Wifi: { AP: 1, SSId: 'vigil-sim', Channel: 1 + (index % 11), Mode: '11n', RSSI: 76, Signal: -62, LinkCount: 1 },
            }),
          });
        }
        return out;
      },
    };
  },
};
