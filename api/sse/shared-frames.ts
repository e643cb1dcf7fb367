/**
 * Frames formatted once per flush for every client that would write the same bytes: with 100
 * dashboards on the whole stream, each turn's events become one Buffer (UTF-8 encoded once) that
 * every socket writes, instead of 100 string concatenations and 100 encodings of the same text.
 * Only clients without a devices or metrics filter share: their bytes depend on nothing but the
 * event-type filter and the cursor.
 */
import type { HubEvent } from './hub.ts';

export interface SharedPiece {
  readonly bytes: Buffer;
  /** Events in `bytes` (filtered ones are skipped, not counted). */
  readonly events: number;
  /** The cursor after this piece. */
  readonly next: number;
}

export class SharedFrames {
  private readonly pieces = new Map<string, SharedPiece>();
  /** Pieces built (not served from the cache): what the tests check sharing by. */
  builds = 0;

  constructor(
    private readonly eventAt: (seq: number) => HubEvent | undefined,
    private readonly chunkBytes: number,
  ) {}

  /**
   * Frames from `start` up to `head` (at most about chunkBytes), for clients whose event filter has
   * key `key`; undefined when `start` has left the ring (the client's own path sends the reset).
   */
  from(start: number, head: number, key: string, keep: (event: HubEvent) => boolean): SharedPiece | undefined {
    const id = `${key}|${start}`;
    const cached = this.pieces.get(id);
    if (cached) return cached;
    let text = '';
    let events = 0;
    let seq = start;
    while (seq <= head && text.length < this.chunkBytes) {
      const event = this.eventAt(seq);
      if (!event) {
        if (seq === start) return undefined;
        break;
      }
      seq++;
      if (!keep(event)) continue;
      text += event.frame;
      events++;
    }
    const piece = { bytes: Buffer.from(text, 'utf8'), events, next: seq };
    this.pieces.set(id, piece);
    this.builds++;
    return piece;
  }
}
