import { describe, expect, it } from 'vitest';
import { formatFrame, readingOfFrame } from '../../../api/sse/frame.ts';
import { EventHub, type HubEvent } from '../../../api/sse/hub.ts';

describe('SSE frames', () => {
  it('formats one frame whose data line holds the whole payload', () => {
    expect(formatFrame('b-1', 'reading', { device: 'd', ts: 1, values: { t: 2 } })).toBe(
      'id: b-1\nevent: reading\ndata: {"device":"d","ts":1,"values":{"t":2}}\n\n',
    );
  });

  it('gives the reading back from its frame, for a metrics filter', () => {
    const values = Object.create(null) as Record<string, number>;
    values['temperature'] = 21.5;
    values['humidity'] = 40;
    const reading = readingOfFrame(formatFrame('b-7', 'reading', { device: 'dev-1', ts: 1_700_000_000_000, values }));
    expect(reading).toEqual({ device: 'dev-1', ts: 1_700_000_000_000, values: { temperature: 21.5, humidity: 40 } });
  });

  it('gives nothing back from a frame that is not a reading', () => {
    expect(readingOfFrame(formatFrame('b-2', 'alert', { id: 'a', device: 'd' }))).toBeUndefined();
    expect(readingOfFrame(': ping\n\n')).toBeUndefined();
  });

  it('keeps the frame in the ring, not the published object as well (issue 18, soak: what the ring holds is promoted)', () => {
    const hub = new EventHub();
    try {
      hub.publish('reading', { device: 'd', ts: 1, values: { t: 1 } }, 'd');
      const event = (hub as unknown as { source: { eventAt(seq: number): HubEvent | undefined } }).source.eventAt(1);
      expect(event?.frame).toContain('"values":{"t":1}');
      expect(Object.keys(event ?? {}).sort()).toEqual(['device', 'end', 'frame', 'seq', 'type']);
    } finally {
      hub.close();
    }
  });
});
