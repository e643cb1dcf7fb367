import { describe, expect, it } from 'vitest';
import { parseStat } from '../../../bench/harness/proc.ts';
import { textFrame } from '../../../bench/peers/ws.ts';

describe('parseStat', () => {
  it('counts fields from the last ")", whatever the command name holds', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '150', '50', ...Array.from({ length: 8 }, () => '0'), '1000'];
    const stat = parseStat(7, `7 (node (x) y) ${fields.join(' ')} 0 0`);
    expect(stat).toMatchObject({ pid: 7, comm: 'node (x) y', ppid: 42, ticks: 200 });
    expect(stat.rssBytes).toBeGreaterThan(0);
  });
});

describe('WebSocket text frames', () => {
  it('are masked, with the length in 7 or 16 bits, and unmask to the text', () => {
    for (const text of ['{"ts":1}', 'x'.repeat(300)]) {
      const frame = textFrame(text);
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      const header = text.length < 126 ? 2 : 4;
      expect(text.length < 126 ? frame[1]! & 0x7f : frame.readUInt16BE(2)).toBe(text.length);
      const mask = frame.subarray(header, header + 4);
      const payload = Buffer.from(frame.subarray(header + 4).map((b, i) => b ^ mask[i & 3]!));
      expect(payload.toString()).toBe(text);
    }
  });
});
