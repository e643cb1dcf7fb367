import { STREAM_EVENT_TYPES, parseStreamEvent, type StreamEventType, type StreamEvents } from './api.ts';
import { backoffDelay } from './backoff.ts';

export type ConnectionStatus = 'live' | 'reconnecting' | 'offline';

/** The part of the browser's EventSource this client uses, so tests can drive a fake one. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** Whether the browser believes it has a network, and word when that changes. */
export interface NetworkWatch {
  online(): boolean;
  subscribe(onChange: (online: boolean) => void): () => void;
}

export interface StreamOptions {
  url?: string;
  open?: (url: string) => EventSourceLike;
  network?: NetworkWatch;
  /** Nothing received for this long means the connection is dead even if the socket says otherwise. */
  idleMs?: number;
  /** Failing for this long turns "reconnecting" into "offline". */
  offlineAfterMs?: number;
  /** How long a watchdog reconnect may take before the indicator stops saying "live". */
  graceMs?: number;
  random?: () => number;
  onStatus?: (status: ConnectionStatus) => void;
  /** When the stream was lost (the first error since it was last open), or null again once it is open. */
  onDown?: (since: number | null) => void;
  now?: () => number;
}

export type ResyncReason = 'reset' | 'reconnect';

const CLOSED = 2;

type Handler<K extends StreamEventType> = (data: StreamEvents[K]) => void;
type AnyHandler = (data: StreamEvents[StreamEventType]) => void;

const browserNetwork: NetworkWatch = {
  online: () => typeof navigator === 'undefined' || navigator.onLine !== false,
  subscribe(onChange) {
    const on = () => onChange(true);
    const off = () => onChange(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

/**
 * The page's one connection to /api/stream. The browser's EventSource retries a dropped
 * connection by itself, but gives up for good on a non-200 answer (a 502 while the API is
 * redeployed) and cannot see a connection that silently died, so this client reopens it with
 * backoff, recycles it when it has been quiet too long, and resumes from the last event id.
 */
export class StreamClient {
  readonly #url: string;
  readonly #open: (url: string) => EventSourceLike;
  readonly #network: NetworkWatch;
  readonly #idleMs: number;
  readonly #offlineAfterMs: number;
  readonly #graceMs: number;
  readonly #random: () => number;
  readonly #onStatus: (status: ConnectionStatus) => void;
  readonly #onDown: (since: number | null) => void;
  readonly #now: () => number;
  #downSince: number | null = null;
  /** The `devices=` filter of the stream; null for every device. */
  #devices: readonly string[] | null = null;
  /** The filter was widened: the narrower stream skipped events that are wanted now. */
  #widened = false;
  #switchTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #handlers = new Map<StreamEventType, Set<AnyHandler>>();
  readonly #resync = new Set<(reason: ResyncReason) => void>();

  #source: EventSourceLike | null = null;
  #lastId: string | null = null;
  #attempt = 0;
  #isOpen = false;
  /** An error happened since the last open, so events may have been missed. */
  #outage = false;
  #failedLong = false;
  /** A watchdog reconnect is under way; the indicator keeps saying "live" for a grace period. */
  #recycling = false;
  #networkUp = true;
  #status: ConnectionStatus = 'reconnecting';
  #running = false;
  #stopNetwork: (() => void) | null = null;

  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #offlineTimer: ReturnType<typeof setTimeout> | undefined;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: StreamOptions = {}) {
    this.#url = options.url ?? '/api/stream';
    this.#open = options.open ?? ((url) => new EventSource(url));
    this.#network = options.network ?? browserNetwork;
    this.#idleMs = options.idleMs ?? 35_000;
    this.#offlineAfterMs = options.offlineAfterMs ?? 10_000;
    this.#graceMs = options.graceMs ?? 2_000;
    this.#random = options.random ?? Math.random;
    this.#onStatus = options.onStatus ?? (() => {});
    this.#onDown = options.onDown ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** Since when nothing can be heard (the first error after the last open); null while open. */
  get downSince(): number | null {
    return this.#downSince;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get lastEventId(): string | null {
    return this.#lastId;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#networkUp = this.#network.online();
    this.#stopNetwork = this.#network.subscribe((online) => this.#onNetwork(online));
    this.#connect();
    this.#update();
  }

  stop(): void {
    this.#running = false;
    this.#stopNetwork?.();
    this.#stopNetwork = null;
    this.#closeSource();
    for (const timer of [this.#retryTimer, this.#idleTimer, this.#offlineTimer, this.#graceTimer, this.#switchTimer]) clearTimeout(timer);
  }

  /** Whether the stream carries only some devices' events. */
  get filtered(): boolean {
    return this.#devices !== null;
  }

  /**
   * Narrows the stream to these devices' events (null: every device), still one EventSource: it
   * is reopened with `devices=`, resuming from the last event id, so the narrowed stream has no
   * gap. Widening cannot resume (the narrow stream skipped the other devices' events), so after
   * the reopen subscribers are asked to refetch. Changes in one tick make one reopen.
   */
  setDevices(devices: readonly string[] | null): void {
    const next = devices === null ? null : [...new Set(devices)].sort();
    const before = this.#devices;
    if (next?.join(',') === before?.join(',') && (next === null) === (before === null)) return;
    if (before !== null && (next === null || next.some((d) => !before.includes(d)))) this.#widened = true;
    this.#devices = next;
    if (!this.#running) return;
    clearTimeout(this.#switchTimer);
    this.#switchTimer = setTimeout(() => this.#running && this.#recycle(), 0);
  }

  /** Tries to connect now rather than at the end of the backoff (after signing in, say). */
  retryNow(): void {
    if (!this.#running || this.#isOpen) return;
    clearTimeout(this.#retryTimer);
    this.#attempt = 0;
    this.#connect();
    this.#update();
  }

  on<K extends StreamEventType>(type: K, handler: Handler<K>): () => void {
    const set = this.#handlers.get(type) ?? new Set<AnyHandler>();
    this.#handlers.set(type, set);
    const h = handler as AnyHandler;
    set.add(h);
    return () => set.delete(h);
  }

  /** Called when what a subscriber holds may be incomplete: after `reset`, or after an outage. */
  onResync(handler: (reason: ResyncReason) => void): () => void {
    this.#resync.add(handler);
    return () => this.#resync.delete(handler);
  }

  #connect(): void {
    this.#closeSource();
    const params = new URLSearchParams();
    if (this.#devices !== null) params.set('devices', this.#devices.join(','));
    if (this.#lastId) params.set('lastEventId', this.#lastId);
    const query = params.toString().replace(/%2C/g, ',');
    const url = query ? `${this.#url}${this.#url.includes('?') ? '&' : '?'}${query}` : this.#url;
    const source = this.#open(url);
    this.#source = source;
    source.addEventListener('open', () => source === this.#source && this.#onOpen());
    source.addEventListener('error', () => source === this.#source && this.#onError(source));
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (event) => source === this.#source && this.#onEvent(type, event));
    }
    this.#armIdle();
  }

  #closeSource(): void {
    this.#source?.close();
    this.#source = null;
    this.#isOpen = false;
    clearTimeout(this.#idleTimer);
  }

  #onOpen(): void {
    this.#isOpen = true;
    this.#attempt = 0;
    this.#failedLong = false;
    this.#recycling = false;
    clearTimeout(this.#offlineTimer);
    this.#offlineTimer = undefined;
    clearTimeout(this.#graceTimer);
    this.#armIdle();
    this.#update();
    if (this.#downSince !== null) {
      this.#downSince = null;
      this.#onDown(null);
    }
    if (this.#outage || this.#widened) {
      this.#outage = false;
      this.#widened = false;
      this.#emitResync('reconnect');
    }
  }

  #onError(source: EventSourceLike): void {
    this.#isOpen = false;
    this.#recycling = false;
    this.#outage = true;
    if (this.#downSince === null) {
      this.#downSince = this.#now();
      this.#onDown(this.#downSince);
    }
    if (this.#offlineTimer === undefined) {
      this.#offlineTimer = setTimeout(() => {
        this.#failedLong = true;
        this.#update();
      }, this.#offlineAfterMs);
    }
    if (source.readyState === CLOSED) {
      this.#closeSource();
      this.#scheduleReopen();
    }
    // Otherwise the browser is already retrying on its own, honouring the server's `retry:`.
    this.#update();
  }

  #onEvent(type: StreamEventType, event: MessageEvent): void {
    this.#armIdle();
    if (event.lastEventId && this.#isReplayed(event.lastEventId)) return;
    if (event.lastEventId) this.#lastId = event.lastEventId;
    const data = typeof event.data === 'string' ? parseStreamEvent(type, event.data) : null;
    if (data === null) return;
    for (const handler of this.#handlers.get(type) ?? []) {
      try {
        handler(data);
      } catch (err) {
        console.error(`vigil: a "${type}" subscriber failed`, err);
      }
    }
    if (type === 'reset') this.#emitResync('reset');
  }

  /**
   * Ids are `<bootId>-<seq>`. The browser's own retry sends the newest id as a header while our
   * reopened URL still carries an older one as a query parameter; if the server ever honoured
   * the older one, events would come twice, so anything not newer than what we have is dropped.
   */
  #isReplayed(id: string): boolean {
    if (this.#lastId === null) return false;
    const [boot, seq] = splitId(id);
    const [lastBoot, lastSeq] = splitId(this.#lastId);
    return boot === lastBoot && seq !== null && lastSeq !== null && seq <= lastSeq;
  }

  #emitResync(reason: ResyncReason): void {
    for (const handler of this.#resync) {
      try {
        handler(reason);
      } catch (err) {
        console.error('vigil: a resync subscriber failed', err);
      }
    }
  }

  #scheduleReopen(delay = backoffDelay(this.#attempt++, this.#random)): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#running && this.#connect(), delay);
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#recycle(), this.#idleMs);
  }

  /**
   * EventSource hides the server's `: ping` comments, so a quiet but healthy stream looks the same
   * as a dead one; reopening is cheap (the server resumes from our id without replaying anything),
   * and the indicator only changes if the new connection does not open within the grace period.
   */
  #recycle(): void {
    if (!this.#running) return;
    if (this.#isOpen) {
      this.#recycling = true;
      clearTimeout(this.#graceTimer);
      this.#graceTimer = setTimeout(() => {
        this.#recycling = false;
        this.#update();
      }, this.#graceMs);
    }
    this.#connect();
    this.#update();
  }

  #onNetwork(online: boolean): void {
    this.#networkUp = online;
    if (online && !this.#isOpen && this.#running) {
      // The network is back: try now rather than sleeping out the rest of a long backoff.
      clearTimeout(this.#retryTimer);
      this.#attempt = 0;
      this.#connect();
    }
    this.#update();
  }

  #update(): void {
    const next: ConnectionStatus = !this.#networkUp
      ? 'offline'
      : this.#isOpen || this.#recycling
        ? 'live'
        : this.#failedLong
          ? 'offline'
          : 'reconnecting';
    if (next === this.#status) return;
    this.#status = next;
    this.#onStatus(next);
  }
}

function splitId(id: string): [boot: string, seq: number | null] {
  const dash = id.lastIndexOf('-');
  if (dash < 0) return [id, null];
  const seq = Number(id.slice(dash + 1));
  return [id.slice(0, dash), Number.isSafeInteger(seq) ? seq : null];
}
