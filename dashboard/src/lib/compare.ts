import { withUnit } from './devices.ts';
import { formatValue } from './format.ts';

/** One line of the compare chart before it is named: which device, which metric, and how the device is known. */
export interface CompareSeries {
  readonly device: string;
  readonly metric: string;
  /** The registry's display name, or null (the id is shown then). */
  readonly name: string | null;
  /** The metric's unit on that device, if the registry has one. */
  readonly unit: string | undefined;
}

/** A device as people know it: its registry name, or its id when it has none. */
export function deviceTitle(device: string, name: string | null | undefined): string {
  return name ?? device;
}

/**
 * What the legend and tooltip call each line: the device's name when several devices share one
 * metric, the metric when one device shows several, both otherwise. Two devices with the same
 * name get their ids added, so the legend never shows two identical entries.
 */
export function seriesNames(lines: readonly CompareSeries[]): string[] {
  const devices = new Set(lines.map((l) => l.device));
  const metrics = new Set(lines.map((l) => l.metric));
  const titles = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const device of devices) {
    const title = deviceTitle(device, lines.find((l) => l.device === device)?.name);
    titles.set(device, title);
    counts.set(title, (counts.get(title) ?? 0) + 1);
  }
  const who = (device: string) => {
    const title = titles.get(device) ?? device;
    return (counts.get(title) ?? 0) > 1 && title !== device ? `${title} (${device})` : title;
  };
  return lines.map((l) => {
    if (devices.size > 1 && metrics.size === 1) return who(l.device);
    if (metrics.size > 1 && devices.size === 1) return l.metric;
    return `${who(l.device)} · ${l.metric}`;
  });
}

/**
 * The unit the y axis can carry: the one every line shares. Lines in different units (or some
 * with none) share no unit, so the axis shows bare numbers and each line names its own.
 */
export function sharedUnit(units: readonly (string | undefined)[]): string | undefined {
  const first = units[0];
  return first && units.every((u) => u === first) ? first : undefined;
}

/** A legend entry: the line's name, plus its unit when the axis does not already say it. */
export function legendText(name: string, unit: string | undefined, axisUnit: string | undefined): string {
  return unit && unit !== axisUnit ? `${name} (${unit})` : name;
}

/** A tooltip line: the series' name and its value in its own unit. */
export function tooltipText(name: string, value: number | undefined, unit: string | undefined, locale?: string): string {
  return `${name}: ${withUnit(formatValue(value, locale), unit)}`;
}
