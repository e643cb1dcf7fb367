/**
 * The live stream's core: numbers every event (`<bootId>-<seq>`), keeps the most recent ones in
 * a ring bounded in events and in bytes, and lets every client read it through its own cursor
 * with its filters. A resume is just a cursor set back in the ring, streamed at the reader's
 * pace (SseClient); a cursor that is not in the ring any more gets `reset`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { CHUNK_BYTES, SseClient, type StreamFilter } from './client.ts';
import { formatFrame, type StreamEventType } from './frame.ts';
import { Ring } from './ring.ts';
import { SharedFrames } from './shared-frames.ts';

export type { StreamEventType } from './frame.ts';

/**
 * What the ring keeps of an event: its frame and what the filters look at, not the published
 * object (a reading's is decoded back from the frame for a metrics filter: readingOfFrame).
 */
export interface HubEvent {
  readonly seq: number;
  readonly type: StreamEventType;
  /** The device it concerns, for the devices filter. */
  readonly device: string | null;
  /** The whole frame, formatted once for every client without a metrics filter. */
  readonly frame: string;
  /** Bytes of frames published up to and including this one (a client's backlog is a difference of two). */
  readonly end: number;
}

export interface HubOptions {
  /** Events kept for resume. */
  readonly replayEvents?: number;
  /** Bytes of frames kept for resume (the newest event is always kept). */
  readonly replayBytes?: number;
  /** Bytes a client's socket may buffer before the hub stops writing to it and waits for it to drain. */
  readonly clientBudgetBytes?: number;
  readonly pingMs?: number;
  readonly retryMs?: number;
}

export interface HubStats {
  clients: number;
  eventsSent: number;
  clientsDropped: number;
  replayHits: number;
  resets: number;
}

export class EventHub {
  readonly bootId = randomBytes(6).toString('hex');
  private seq = 0;
  private published = 0;
  private readonly ring: Ring<HubEvent>;
  private readonly clients = new Set<SseClient>();
  private readonly budget: number;
  private readonly retryMs: number;
  private readonly pingTimer: NodeJS.Timeout;
  private flushScheduled = false;
  /**
   * Whether the next flush must pump every client (an event was published or a ping queued), or
   * only the ones attached since the last: a connect alone must not walk every other client, or
   * 10,000 clients connecting cost 10,000 walks of up to 10,000 clients (issue 18, sse-scale).
   */
  private pumpAll = false;
  private readonly attached = new Set<SseClient>();
  /** The newest sequence number when the last flush ran: its clients were pumped up to here. */
  private flushedHead = 0;
  /** Shared frame pieces the last flush built (tests: one per distinct cursor and event filter). */
  lastFlushBuilds = 0;
  readonly stats: HubStats = { clients: 0, eventsSent: 0, clientsDropped: 0, replayHits: 0, resets: 0 };
  private readonly source = {
    bootId: this.bootId,
    eventAt: (seq: number) => {
      const oldest = this.ring.first()?.seq;
      return oldest === undefined ? undefined : this.ring.at(seq - oldest);
    },
    head: () => this.seq,
    bytesFrom: (seq: number) => {
      const event = this.source.eventAt(seq);
      return event ? this.published - (event.end - event.frame.length) : seq > this.seq ? 0 : Infinity;
    },
  };

  constructor(options: HubOptions = {}) {
    this.ring = new Ring<HubEvent>(options.replayEvents ?? 20_000, options.replayBytes ?? 32 * 1024 * 1024, (e) => e.frame.length);
    this.budget = options.clientBudgetBytes ?? 1024 * 1024;
    this.retryMs = options.retryMs ?? 3_000;
    this.pingTimer = setInterval(() => this.ping(), options.pingMs ?? 15_000);
    this.pingTimer.unref();
  }

  /** Bytes and events the resume ring holds now. */
  get replayHeld(): { events: number; bytes: number } {
    return { events: this.ring.length, bytes: this.ring.held };
  }

  publish(type: StreamEventType, data: unknown, device: string | null): void {
    const seq = ++this.seq;
    const frame = formatFrame(`${this.bootId}-${seq}`, type, data);
    this.published += frame.length;
    this.ring.push({ seq, type, device, frame, end: this.published });
    this.pumpAll = true;
    this.scheduleFlush();
  }

  /** Starts streaming to `res`: the retry hint, then missed events or a reset, then live events. */
  attach(res: ServerResponse, filter: StreamFilter, lastEventId: string | undefined): SseClient {
    const resume = lastEventId ? this.resumeFrom(lastEventId) : { next: this.seq + 1 };
    const client: SseClient = new SseClient(
      res,
      filter,
      this.source,
      resume.next,
      this.budget,
      () => this.drop(client),
      (n) => (this.stats.eventsSent += n),
      () => this.stats.resets++,
    );
    client.write(`retry: ${this.retryMs}\n\n`);
    if (resume.reset) client.write(formatFrame(`${this.bootId}-${this.seq}`, 'reset', { reason: resume.reset }));
    this.clients.add(client);
    this.attached.add(client);
    this.stats.clients = this.clients.size;
    res.once('close', () => this.detach(client));
    this.scheduleFlush();
    return client;
  }

  close(): void {
    clearInterval(this.pingTimer);
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stats.clients = 0;
  }

  private resumeFrom(lastEventId: string): { next: number; reset?: string } {
    const cut = lastEventId.lastIndexOf('-');
    const boot = lastEventId.slice(0, cut);
    const seq = Number(lastEventId.slice(cut + 1));
    const oldest = this.ring.first()?.seq ?? this.seq + 1;
    // Resumable when the id is ours and nothing after it has left the ring.
    if (cut > 0 && boot === this.bootId && Number.isInteger(seq) && seq <= this.seq && seq >= oldest - 1) {
      this.stats.replayHits++;
      return { next: seq + 1 };
    }
    this.stats.resets++;
    const reset = boot !== this.bootId ? 'the server restarted since your last event' : 'your last event is too old to replay';
    return { next: this.seq + 1, reset };
  }

  private detach(client: SseClient): void {
    this.clients.delete(client);
    this.attached.delete(client);
    this.stats.clients = this.clients.size;
  }

  private drop(client: SseClient): void {
    this.stats.clientsDropped++;
    this.detach(client);
  }

  private ping(): void {
    for (const client of this.clients) client.write(': ping\n\n');
    this.pumpAll = true;
    this.scheduleFlush();
  }

  /**
   * The devices of the events since `from`, for skipping the clients that follow none of them
   * (10,000 dashboards on one device each: a flush would otherwise filter every new event for
   * every client, issue 18, sse-scale); undefined when an event concerns no device (every client
   * gets it) or has left the ring.
   */
  private devicesFrom(from: number): ReadonlySet<string> | undefined {
    const devices = new Set<string>();
    for (let seq = from; seq <= this.seq; seq++) {
      const event = this.source.eventAt(seq);
      if (!event || event.device === null) return undefined;
      devices.add(event.device);
    }
    return devices;
  }

  /** Coalesces everything published during this turn into one pump per client. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const oldest = this.ring.first()?.seq ?? this.seq + 1;
      const shared = new SharedFrames(this.source.eventAt, CHUNK_BYTES);
      const clients = this.pumpAll ? this.clients : this.attached;
      this.pumpAll = false;
      const since = this.flushedHead + 1;
      const touched = this.devicesFrom(since);
      for (const client of clients) {
        if (touched && client.skipUntouched(since, this.seq, touched)) continue;
        client.checkStuck(oldest);
        client.pump(shared);
      }
      this.flushedHead = this.seq;
      this.attached.clear();
      this.lastFlushBuilds = shared.builds;
    });
  }
}
