import { describe, expect, it } from 'vitest';
import { SseScanner } from '../../../bench/clients/sse-parse.ts';

const frame = (seq: number, ts: number) =>
  `id: boot-${seq}\nevent: reading\ndata: {"device":"sim-001","ts":${ts},"values":{"temperature":21.5}}\n\n`;

describe('SseScanner', () => {
  it('reads the ts of every event and skips retry lines and comments', () => {
    const seen: number[] = [];
    const n = new SseScanner().feed(Buffer.from(`retry: 3000\n\n: ping\n\n${frame(1, 1000)}${frame(2, 1001)}`), (ts) => seen.push(ts));
    expect(n).toBe(2);
    expect(seen).toEqual([1000, 1001]);
  });

  it('reassembles events split across chunks at any byte', () => {
    const text = Buffer.from(frame(1, 1732430000123) + frame(2, 1732430000124) + frame(3, 1732430000125));
    for (let cut = 1; cut < text.length; cut += 7) {
      const seen: number[] = [];
      const scanner = new SseScanner();
      scanner.feed(text.subarray(0, cut), (ts) => seen.push(ts));
      scanner.feed(text.subarray(cut), (ts) => seen.push(ts));
      expect(seen).toEqual([1732430000123, 1732430000124, 1732430000125]);
    }
  });

  it('reads Nchan frames (the payload is the device message itself)', () => {
    const seen: number[] = [];
    new SseScanner().feed(Buffer.from(': hi\n\nid: 1:0\ndata: {"ts":1700000000000,"temperature":20}\n\n'), (ts) => seen.push(ts));
    expect(seen).toEqual([1700000000000]);
  });

  it('does not give an event the ts of the next one', () => {
    const seen: number[] = [];
    new SseScanner().feed(Buffer.from(`event: device\ndata: {"device":"a"}\n\n${frame(1, 5)}`), (ts) => seen.push(ts));
    expect(seen).toEqual([5]);
  });
});
