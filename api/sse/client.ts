import type { ServerResponse } from 'node:http';
import { formatFrame } from './frame.ts';
import type { HubEvent } from './hub.ts';

export interface StreamFilter {
  readonly devices?: ReadonlySet<string>;
  readonly metrics?: ReadonlySet<string>;
  readonly events?: ReadonlySet<string>;
}

interface ReadingData {
  device: string;
  ts: number;
  values: Record<string, number>;
}

/**
 * One browser's stream. Frames queue here until the hub flushes them in one write; a client
 * whose queue plus socket buffer passes its budget is cut off (it resumes with Last-Event-ID),
 * so a stalled reader can never make the server hold unbounded memory.
 */
export class SseClient {
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingEvents = 0;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly filter: StreamFilter,
    private readonly budgetBytes: number,
    private readonly onDrop: () => void,
  ) {
    res.once('close', () => {
      this.closed = true;
      this.pending = [];
    });
  }

  /** Queues an event if the client's filters want it (or the part of it they want). */
  offer(event: HubEvent, bootId: string): void {
    const { devices, metrics, events } = this.filter;
    if (events && !events.has(event.type)) return;
    if (devices && event.device !== null && !devices.has(event.device)) return;
    if (metrics && event.type === 'reading') {
      const frame = this.filterMetrics(event, bootId, metrics);
      if (frame) this.enqueue(frame, true);
      return;
    }
    this.enqueue(event.frame, true);
  }

  write(text: string): void {
    this.enqueue(text, false);
  }

  /** Writes what is queued; returns how many events went out. */
  flush(): number {
    if (this.closed || this.pending.length === 0) return 0;
    const sent = this.pendingEvents;
    this.res.write(this.pending.length === 1 ? this.pending[0]! : this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingEvents = 0;
    return sent;
  }

  end(): void {
    if (this.closed) return;
    this.flush();
    this.res.end();
  }

  private enqueue(text: string, isEvent: boolean): void {
    if (this.closed) return;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (isEvent) this.pendingEvents++;
    if (this.pendingBytes + this.res.writableLength > this.budgetBytes) {
      this.closed = true;
      this.pending = [];
      this.res.destroy();
      this.onDrop();
    }
  }

  private filterMetrics(event: HubEvent, bootId: string, metrics: ReadonlySet<string>): string | null {
    const data = event.data as ReadingData;
    const values: Record<string, number> = {};
    let any = false;
    for (const name of Object.keys(data.values)) {
      if (metrics.has(name)) {
        values[name] = data.values[name]!;
        any = true;
      }
    }
    return any ? formatFrame(`${bootId}-${event.seq}`, 'reading', { device: data.device, ts: data.ts, values }) : null;
  }
}
