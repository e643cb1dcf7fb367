import type { ServerResponse } from 'node:http';
import { formatFrame, readingOfFrame } from './frame.ts';
import type { HubEvent } from './hub.ts';
import type { SharedFrames } from './shared-frames.ts';

export interface StreamFilter {
  readonly devices?: ReadonlySet<string>;
  readonly metrics?: ReadonlySet<string>;
  readonly events?: ReadonlySet<string>;
}

/** What a client reads from: the hub's ring, addressed by sequence number. */
export interface EventSource {
  readonly bootId: string;
  /** The event numbered `seq`, or undefined when it has left the ring (or is not published yet). */
  eventAt(seq: number): HubEvent | undefined;
  /** The newest sequence number published. */
  head(): number;
  /** Bytes of frames from `seq` to the newest (Infinity when `seq` has left the ring). */
  bytesFrom(seq: number): number;
}

/** Frames of up to this size go to the socket in one write. */
export const CHUNK_BYTES = 64 * 1024;
/** Pings and the like queued for a client that is not reading; more are pointless. */
const MAX_CONTROL = 8;

/**
 * One browser's stream, as a cursor into the hub's ring: the client holds no copy of the events.
 * Each pump writes from the cursor while the socket's buffer is under the budget, and continues
 * on 'drain', so a long replay (20,000 missed events) streams at the reader's pace. A client whose
 * cursor falls out of the ring gets `reset` and continues live; one that also has a full socket
 * (it stopped reading) is cut off, as is a live client whose socket is full and whose backlog
 * passes the budget. Memory per client is its socket buffer: at most the budget
 * plus one chunk, and one event of any size always goes out on its own.
 */
export class SseClient {
  private readonly control: string[] = [];
  private closed = false;
  private waitingForDrain = false;
  /** Set once the cursor first reaches the newest event: the replay (if any) is done. */
  private live = false;
  /** For clients whose bytes depend only on the event-type filter: the key they share frames by. */
  private readonly shareKey: string | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly filter: StreamFilter,
    private readonly source: EventSource,
    /** The next sequence number to consider. */
    private next: number,
    private readonly budgetBytes: number,
    private readonly onDrop: () => void,
    private readonly onSent: (events: number) => void,
    private readonly onReset: () => void = () => {},
  ) {
    this.shareKey = filter.devices || filter.metrics ? undefined : filter.events ? [...filter.events].sort().join(',') : '*';
    res.once('close', () => {
      this.closed = true;
      this.control.length = 0;
    });
    res.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues a frame that is not an event (retry hint, ping, reset). */
  write(text: string): void {
    if (this.closed || this.control.length >= MAX_CONTROL) return;
    this.control.push(text);
  }

  /**
   * A caught-up client following devices, none of which the events `from`..`head` concern, has
   * nothing to send from them: its cursor moves past them without looking at each (the hub's
   * flush; a skipped event is one this client would have filtered out). False when it must pump.
   */
  skipUntouched(from: number, head: number, touched: ReadonlySet<string>): boolean {
    const devices = this.filter.devices;
    if (!devices || this.closed || this.waitingForDrain || this.next !== from || this.control.length > 0) return false;
    for (const device of devices) if (touched.has(device)) return false;
    this.next = head + 1;
    this.live = true;
    return true;
  }

  /**
   * Writes from the cursor as far as the budget allows; returns how many events went out. With
   * `shared`, a client without device or metric filters writes the frames formatted once for all.
   */
  pump(shared?: SharedFrames): number {
    if (this.closed || this.waitingForDrain) return 0;
    let sent = 0;
    let chunk = this.control.length > 0 ? this.control.splice(0).join('') : '';
    const head = this.source.head();
    if (shared && this.shareKey !== undefined) {
      if (chunk.length > 0) this.send(chunk);
      chunk = '';
      sent = this.pumpShared(shared, head);
    }
    while (this.next <= head && this.res.writableLength + chunk.length < this.budgetBytes) {
      const event = this.source.eventAt(this.next);
      if (!event) {
        // The ring moved past our cursor before we could write it (a stuck reader is dropped by checkStuck instead).
        chunk += formatFrame(`${this.source.bootId}-${head}`, 'reset', {
          reason: 'you fell too far behind to catch up; refetch and continue',
        });
        this.next = head + 1;
        this.onReset();
        break;
      }
      this.next++;
      const frame = this.frameFor(event);
      if (frame === null) continue;
      chunk += frame;
      sent++;
      if (chunk.length >= CHUNK_BYTES) {
        this.send(chunk);
        chunk = '';
        if (this.waitingForDrain) break;
      }
    }
    if (chunk.length > 0) this.send(chunk);
    if (this.next > head) this.live = true;
    if (sent > 0) this.onSent(sent);
    return sent;
  }

  private pumpShared(shared: SharedFrames, head: number): number {
    let sent = 0;
    const keep = (event: HubEvent) => this.frameFor(event) !== null;
    while (!this.waitingForDrain && this.next <= head && this.res.writableLength < this.budgetBytes) {
      const piece = shared.from(this.next, head, this.shareKey!, keep);
      // Out of the ring: the unshared path below sends the reset.
      if (!piece) break;
      this.next = piece.next;
      sent += piece.events;
      if (piece.bytes.length > 0) this.send(piece.bytes);
    }
    return sent;
  }

  /**
   * The socket buffers up to the budget (far past its high-water mark, so a fast reader is not
   * slowed by one round trip per 16 KiB); past it we wait for 'drain', which a write that
   * returned false is sure to emit.
   */
  private send(chunk: string | Buffer): void {
    this.res.write(chunk);
    if (this.res.writableLength >= this.budgetBytes) this.waitingForDrain = true;
  }

  /**
   * Drops a reader that stopped reading: its socket is full and either the ring has overtaken its
   * cursor, or, once live, its backlog passed the budget too. A replaying client is expected to
   * be behind, so only the ring's overtaking counts for it.
   */
  checkStuck(oldest: number): void {
    if (this.closed || !this.waitingForDrain) return;
    if (this.next < oldest || (this.live && this.source.bytesFrom(this.next) > this.budgetBytes)) this.drop();
  }

  end(): void {
    if (this.closed) return;
    this.waitingForDrain = false;
    this.pump();
    this.closed = true;
    this.res.end();
  }

  private drop(): void {
    this.closed = true;
    this.control.length = 0;
    this.res.destroy();
    this.onDrop();
  }

  private frameFor(event: HubEvent): string | null {
    const { devices, metrics, events } = this.filter;
    if (events && !events.has(event.type)) return null;
    if (devices && event.device !== null && !devices.has(event.device)) return null;
    if (metrics && event.type === 'reading') return this.filterMetrics(event, metrics);
    return event.frame;
  }

  private filterMetrics(event: HubEvent, metrics: ReadonlySet<string>): string | null {
    const data = readingOfFrame(event.frame);
    if (!data) return null;
    // Null prototype: metric names are data, never property lookups (as in domain/reading.ts).
    const values = Object.create(null) as Record<string, number>;
    let any = false;
    for (const name of Object.keys(data.values)) {
      if (metrics.has(name)) {
        values[name] = data.values[name]!;
        any = true;
      }
    }
    return any ? formatFrame(`${this.source.bootId}-${event.seq}`, 'reading', { device: data.device, ts: data.ts, values }) : null;
  }
}
