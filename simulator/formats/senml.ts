/**
 * SenML JSON (RFC 8428) on senml/{id}: a pack whose first record carries the base name
 * (`bn`, urn:dev:...:{id}:) and base time (`bt`, Unix seconds with ms), then one record per
 * metric with `n`, `u` (RFC 8428 / 8798 units: Cel, %RH, hPa, ppm, V, lx, %EL) and `v`. With
 * --batch N one pack holds N samples, later ones at `t` seconds after `bt`. No presence topic.
 */
import type { Entry } from '../device.ts';
import { json, rounded, VALUE_CHARS, type Format } from './format.ts';

const UNITS: Readonly<Record<string, string>> = {
  temperature: 'Cel',
  humidity: '%RH',
  pressure: 'hPa',
  co2: 'ppm',
  voltage: 'V',
  light: 'lx',
  battery: '%EL',
};

export function senmlPack(id: string, entries: readonly Entry[]): Record<string, unknown>[] {
  const bt = entries[0]!.ts;
  const pack: Record<string, unknown>[] = [];
  for (const entry of entries) {
    for (const [metric, value] of Object.entries(entry.values)) {
      const record: Record<string, unknown> = pack.length === 0 ? { bn: `urn:dev:vigil-sim:${id}:`, bt: bt / 1000 } : {};
      record['n'] = metric;
      const unit = UNITS[metric];
      if (unit) record['u'] = unit;
      record['v'] = rounded(value, 3);
      if (entry.ts !== bt) record['t'] = (entry.ts - bt) / 1000;
      pack.push(record);
    }
  }
  return pack;
}

export const senml: Format = {
  name: 'senml',
  batches: true,
  // Per metric {"n":..,"u":"%RH","v":..,"t":..}, plus the base name and time once (counted per sample to be safe).
  entryBytes: (metrics) => 110 + metrics.reduce((sum, m) => sum + m.length + 30 + 2 * VALUE_CHARS, 0),
  device({ id }) {
    return { status: undefined, announce: [], report: (entries) => [{ topic: `senml/${id}`, payload: json(senmlPack(id, entries)) }] };
  },
};
