/** The minutes the rollups mark dirty come from the timestamps of the telemetry lines a batch wrote. */
import { describe, expect, it } from 'vitest';
import { telemetryTimes } from '../../../store/influx/forwarder.ts';
import { statusLine, telemetryLine } from '../../../store/influx/lines.ts';
import type { SpoolRow } from '../../../store/influx/spool.ts';

function row(id: number, line: string, device: string | null): SpoolRow {
  return { id, line, points: 1, device, seenAt: device === null ? null : 5 };
}

describe('telemetryTimes', () => {
  it('reads the ts of telemetry lines, escaped ids included, and skips status, alerts and empty rows', () => {
    const values = Object.assign(Object.create(null) as Record<string, number>, { 'a b': 1, t: 2 });
    const batch = [
      row(1, telemetryLine({ device: 'dev one,x=y', ts: 1_700_000_000_123, values }), 'dev one,x=y'),
      row(2, statusLine('dev-2', 'online', 1_700_000_000_999), null),
      row(3, '', 'dev-3'),
      row(4, telemetryLine({ device: 'd', ts: 0, values }), 'd'),
    ];
    expect([...telemetryTimes(batch)]).toEqual([1_700_000_000_123, 0]);
  });
});
