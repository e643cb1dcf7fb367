/**
 * The least SSE parsing that measures delivery: split the byte stream into events at the blank
 * line, and read the number after `"ts":` in each (the publish time the simulator put in the
 * payload). Works on Buffers with native indexOf, so a client process can follow a fast stream
 * without spending its time decoding text. Pure.
 */

const EVENT_END = Buffer.from('\n\n');
const TS_KEY = Buffer.from('"ts":');

export class SseScanner {
  private carry: Buffer | undefined;

  /**
   * Feeds one chunk; calls `onEvent(ts)` for each complete event that carries a ts (comments,
   * `retry:` and events without one are skipped). Returns how many such events it saw.
   */
  feed(chunk: Buffer, onEvent: (ts: number) => void): number {
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let pos = 0;
    let events = 0;
    let tsAt = -2;
    for (;;) {
      const end = buf.indexOf(EVENT_END, pos);
      if (end < 0) break;
      // One search for the key can serve several events: reuse it until we pass it.
      if (tsAt !== -1 && tsAt < pos) tsAt = buf.indexOf(TS_KEY, pos);
      if (tsAt >= pos && tsAt < end) {
        let i = tsAt + TS_KEY.length;
        let ts = 0;
        let digits = 0;
        for (; i < end; i++) {
          const d = buf[i]! - 0x30;
          if (d < 0 || d > 9) break;
          ts = ts * 10 + d;
          digits++;
        }
        if (digits > 0) {
          onEvent(ts);
          events++;
        }
      }
      pos = end + 2;
    }
    // Copy the rest: a slice would pin the whole chunk in memory until the next one.
    this.carry = pos < buf.length ? Buffer.from(buf.subarray(pos)) : undefined;
    return events;
  }
}
