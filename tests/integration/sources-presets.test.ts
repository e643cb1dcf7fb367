/**
 * Every preset end to end on the default path: the simulator plays each ecosystem's topics and
 * payloads (simulator/formats, written from each project's docs) into the embedded broker of a
 * real all-in-one, unchanged; each fleet must appear in /api/devices with values, and, where the
 * ecosystem carries them, units and names, and /api/sources must count it. The decoders' exact
 * outputs on the documented sample payloads are checked in tests/unit/sources/presets.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as simulate } from '../../simulator/index.ts';
import type { FormatName } from '../../simulator/formats/index.ts';
import { eventually, getJson, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Device {
  readonly id: string;
  readonly name: string | null;
  readonly units: Record<string, string>;
  readonly values: Record<string, { value: number; ts: number }>;
}
interface SourceRow {
  readonly name: string;
  readonly counters: { readonly matched: number; readonly points: number };
}

/** Which source takes each format (the vigil format is the native source). */
const PRESETS: readonly (readonly [FormatName, string])[] = [
  ['tasmota', 'tasmota'],
  ['zigbee2mqtt', 'zigbee2mqtt'],
  ['esphome', 'esphome'],
  ['shelly', 'shelly'],
  ['homeassistant', 'homeassistant'],
  ['telegraf', 'telegraf'],
  ['senml', 'senml'],
  ['ttn', 'ttn'],
];

describe('every preset through the embedded broker', () => {
  let vigil: TestVigil;

  beforeAll(async () => {
    vigil = await startTestVigil();
  });
  afterAll(async () => {
    await vigil?.dispose();
  });

  it.each(PRESETS)('%s devices appear with values, and the %s source counts them', async (format, source) => {
    const idPrefix = `e2e-${format}-`;
    const sim = await simulate({ broker: vigil.brokerUrl, format, devices: 2, count: 6, intervalMs: 50, qos: 1, idPrefix, seed: 3 });
    const summary = await sim.done;
    await sim.stop();
    expect(summary.errors).toBe(0);
    const mine = await eventually(
      async () => {
        const { body } = await getJson<Device[]>(`${vigil.url}/api/devices?q=${encodeURIComponent(idPrefix)}`);
        const found = body.filter((d) => Object.keys(d.values).length > 0);
        return found.length >= 2 ? found : undefined;
      },
      10_000,
      `two ${format} devices with values`,
    );
    for (const device of mine) {
      expect(device.id).toContain(idPrefix);
      for (const { value } of Object.values(device.values)) expect(Number.isFinite(value)).toBe(true);
    }
    const row = await eventually(
      async () => {
        const { body } = await getJson<SourceRow[]>(`${vigil.url}/api/sources`);
        return body.find((s) => s.name === source && s.counters.points > 0);
      },
      10_000,
      `${source} counters`,
    );
    expect(row.counters.matched).toBeGreaterThan(0);
  });

  it('carries units from the ecosystems that send them into the registry', async () => {
    const withUnits = await eventually(
      async () => {
        const { body } = await getJson<Device[]>(`${vigil.url}/api/devices?q=e2e-`);
        const found = body.filter((d) => Object.keys(d.units).length > 0).map((d) => d.id.split('-')[1]);
        return found.includes('homeassistant') && found.includes('senml') ? found : undefined;
      },
      10_000,
      'units from discovery and SenML',
    );
    expect(withUnits).toEqual(expect.arrayContaining(['homeassistant', 'senml']));
  });
});
