import type { StreamEventType, StreamEvents } from '../lib/api.ts';
import { StreamClient, type ConnectionStatus, type ResyncReason, type StreamOptions } from '../lib/stream.ts';

/**
 * The app's one EventSource to /api/stream (browsers allow six HTTP/1.1 connections per origin,
 * so every part of the page shares it), with the connection state as a rune for the indicator.
 * The reconnect logic lives in the plain StreamClient so it can be tested without a browser.
 */
export class LiveStream {
  status = $state<ConnectionStatus>('reconnecting');
  /** When the stream was lost, or null while it is open: past STALE_AFTER nothing shown is known to be current. */
  downSince = $state<number | null>(null);
  readonly #client: StreamClient;

  constructor(options: Omit<StreamOptions, 'onStatus' | 'onDown'> = {}) {
    this.#client = new StreamClient({
      ...options,
      onStatus: (status) => (this.status = status),
      onDown: (since) => (this.downSince = since),
    });
  }

  get lastEventId(): string | null {
    return this.#client.lastEventId;
  }

  start(): void {
    this.#client.start();
  }

  /** The stream is open: whatever is stored from now on reaches the subscribers. */
  get open(): boolean {
    return this.#client.status === 'live';
  }

  stop(): void {
    this.#client.stop();
  }

  get filtered(): boolean {
    return this.#client.filtered;
  }

  /** Only these devices' events (the device page), or every device's (null). */
  setDevices(devices: readonly string[] | null): void {
    this.#client.setDevices(devices);
  }

  retryNow(): void {
    this.#client.retryNow();
  }

  on<K extends StreamEventType>(type: K, handler: (data: StreamEvents[K]) => void): () => void {
    return this.#client.on(type, handler);
  }

  /** Subscribers refetch here: after a `reset` (resume was impossible) or a reconnect after an outage. */
  onResync(handler: (reason: ResyncReason) => void): () => void {
    return this.#client.onResync(handler);
  }
}
