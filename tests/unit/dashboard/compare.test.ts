import { describe, expect, it } from 'vitest';
import { legendText, seriesNames, sharedUnit, tooltipText } from '../../../dashboard/src/lib/compare.ts';

const line = (device: string, metric: string, name: string | null = null, unit?: string) => ({ device, metric, name, unit });

describe('compare series names', () => {
  it('names devices by their registry name, the id when they have none', () => {
    expect(seriesNames([line('sim-001', 'temperature', 'Cold store'), line('sim-002', 'temperature')])).toEqual(['Cold store', 'sim-002']);
  });

  it('names metrics when one device shows several, both when several devices show several', () => {
    expect(seriesNames([line('a', 'temperature', 'A'), line('a', 'humidity', 'A')])).toEqual(['temperature', 'humidity']);
    expect(seriesNames([line('a', 't', 'A'), line('b', 'h')])).toEqual(['A · t', 'b · h']);
  });

  it('adds the id to devices that share a name', () => {
    expect(seriesNames([line('a', 't', 'Pump'), line('b', 't', 'Pump'), line('c', 't', 'Tank')])).toEqual(['Pump (a)', 'Pump (b)', 'Tank']);
  });
});

describe('compare units', () => {
  it('puts a unit on the axis only when every line shares it', () => {
    expect(sharedUnit(['°C', '°C'])).toBe('°C');
    expect(sharedUnit(['°C', '%'])).toBeUndefined();
    expect(sharedUnit(['°C', undefined])).toBeUndefined();
    expect(sharedUnit([undefined, undefined])).toBeUndefined();
    expect(sharedUnit([])).toBeUndefined();
  });

  it('names a line its unit in the legend when the axis does not', () => {
    expect(legendText('Office', '°C', '°C')).toBe('Office');
    expect(legendText('humidity', '%', undefined)).toBe('humidity (%)');
    expect(legendText('sim-003', undefined, undefined)).toBe('sim-003');
  });

  it('shows a tooltip value in the locale with its unit', () => {
    expect(tooltipText('Office', 21.5, '°C', 'de-DE')).toBe('Office: 21,5 °C');
    expect(tooltipText('Office', 1234.5, undefined, 'en-US')).toBe('Office: 1234.5');
    expect(tooltipText('Office', undefined, '°C', 'en-US')).toBe('Office: –');
  });
});
