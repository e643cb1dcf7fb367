/**
 * The live stream's core: numbers every event (`<bootId>-<seq>`), keeps the most recent ones in
 * a bounded ring for resume, and fans out to clients with their filters. Node runs the replay
 * and the attach in one turn of the event loop, so no event can slip between replay and live.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { SseClient, type StreamFilter } from './client.ts';
import { formatFrame, type StreamEventType } from './frame.ts';
import { Ring } from './ring.ts';

export type { StreamEventType } from './frame.ts';

export interface HubEvent {
  readonly seq: number;
  readonly type: StreamEventType;
  readonly data: unknown;
  /** The device it concerns, for the devices filter. */
  readonly device: string | null;
  /** The whole frame, formatted once for every client without a metrics filter. */
  readonly frame: string;
}

export interface HubOptions {
  /** Events kept for resume. */
  readonly replayEvents?: number;
  /** Bytes a client may have queued (ours plus the socket's) before it is dropped. */
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
  private readonly ring: Ring<HubEvent>;
  private readonly clients = new Set<SseClient>();
  private readonly budget: number;
  private readonly retryMs: number;
  private readonly pingTimer: NodeJS.Timeout;
  private flushScheduled = false;
  readonly stats: HubStats = { clients: 0, eventsSent: 0, clientsDropped: 0, replayHits: 0, resets: 0 };

  constructor(options: HubOptions = {}) {
    this.ring = new Ring(options.replayEvents ?? 20_000);
    this.budget = options.clientBudgetBytes ?? 1024 * 1024;
    this.retryMs = options.retryMs ?? 3_000;
    this.pingTimer = setInterval(() => this.ping(), options.pingMs ?? 15_000);
    this.pingTimer.unref();
  }

  publish(type: StreamEventType, data: unknown, device: string | null): void {
    const seq = ++this.seq;
    const event: HubEvent = { seq, type, data, device, frame: formatFrame(`${this.bootId}-${seq}`, type, data) };
    this.ring.push(event);
    for (const client of this.clients) client.offer(event, this.bootId);
    this.scheduleFlush();
  }

  /** Starts streaming to `res`: the retry hint, then missed events or a reset, then live events. */
  attach(res: ServerResponse, filter: StreamFilter, lastEventId: string | undefined): SseClient {
    const client = new SseClient(res, filter, this.budget, () => this.drop(client));
    client.write(`retry: ${this.retryMs}\n\n`);
    if (lastEventId) this.replay(client, lastEventId);
    this.clients.add(client);
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

  private replay(client: SseClient, lastEventId: string): void {
    const cut = lastEventId.lastIndexOf('-');
    const boot = lastEventId.slice(0, cut);
    const seq = Number(lastEventId.slice(cut + 1));
    const oldest = this.ring.first()?.seq ?? this.seq + 1;
    // Resumable when the id is ours and nothing after it has left the ring.
    if (cut > 0 && boot === this.bootId && Number.isInteger(seq) && seq <= this.seq && seq >= oldest - 1) {
      this.stats.replayHits++;
      for (const event of this.ring.after((e) => e.seq > seq)) client.offer(event, this.bootId);
      return;
    }
    this.stats.resets++;
    const reason = boot !== this.bootId ? 'the server restarted since your last event' : 'your last event is too old to replay';
    client.write(formatFrame(`${this.bootId}-${this.seq}`, 'reset', { reason }));
  }

  private detach(client: SseClient): void {
    this.clients.delete(client);
    this.stats.clients = this.clients.size;
  }

  private drop(client: SseClient): void {
    this.stats.clientsDropped++;
    this.detach(client);
  }

  private ping(): void {
    for (const client of this.clients) client.write(': ping\n\n');
    this.scheduleFlush();
  }

  /** Coalesces everything queued during this turn into one socket write per client. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const client of this.clients) this.stats.eventsSent += client.flush();
    });
  }
}
