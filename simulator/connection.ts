/**
 * One device's MQTT connection: its own client with a stable client id, a retained `online` on
 * connect and a retained `offline` last will (in its format's words, where it has any), plus the two ways a real device vanishes (the
 * socket dies and the client retries; or it stays dark for a while, then comes back).
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { OutMessage, StatusForm } from './formats/index.ts';
import { backoffDelay } from '../domain/backoff.ts';

export interface ConnectionOptions {
  readonly url: string;
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The format's presence topic and words; undefined: no `online`, no will (Telegraf, SenML, TTN). */
  readonly status: StatusForm | undefined;
  /** Published, in order, on every connect before `online` (Home Assistant discovery, ...). */
  readonly announce: readonly OutMessage[];
  readonly reconnectMs: number;
  readonly connectTimeoutMs: number;
}

export interface ConnectionEvents {
  /** Every successful connect, the first one included. */
  connected(first: boolean): void;
  /** The connection dropped without us asking for it. */
  lost(): void;
  error(err: Error): void;
  /** A publish finished (either way): a chance for the scheduler to send more. */
  settled(): void;
}

export type PublishDone = (err: Error | undefined) => void;

export class DeviceConnection {
  private client: MqttClient | undefined;
  private offlineTimer: NodeJS.Timeout | undefined;
  private everConnected = false;
  private closing = false;
  /** Set while we take the connection down on purpose, so that it is not counted as lost. */
  private intended = false;
  private seq = 0;
  /** Publishes handed to the client whose outcome is not known yet. */
  private readonly waiting = new Map<number, { qos: 0 | 1; done: PublishDone }>();

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {}

  get pending(): number {
    return this.waiting.size;
  }

  get connected(): boolean {
    return this.client?.connected === true && !this.closing;
  }

  open(): void {
    if (this.closing || this.client) return;
    const o = this.options;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      reconnectPeriod: o.reconnectMs,
      connectTimeout: o.connectTimeoutMs,
      resubscribe: false,
      // Never queue telemetry while disconnected: the device keeps its own backlog instead.
      queueQoSZero: false,
      ...(o.status ? { will: { topic: o.status.topic, payload: o.status.offline, qos: 1, retain: true } } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    };
    const client = connect(o.url, clientOptions);
    this.client = client;
    // mqtt.js retries at a fixed period; a fleet cut off by one broker restart would then come
    // back in the same instant, every device at once. 'offline' fires just before the client
    // arms its reconnect timer with options.reconnectPeriod, so each outage gets its own period,
    // jittered within [reconnectMs/2, reconnectMs] (domain/backoff.ts), never longer than asked.
    client.on('offline', () => {
      const policy = { baseMs: o.reconnectMs, maxMs: o.reconnectMs };
      client.options.reconnectPeriod = Math.max(1, backoffDelay(1, policy));
    });
    client.on('connect', () => {
      // Backpressure here is per publish callback, not per 'drain' listener.
      client.stream.setMaxListeners?.(0);
      this.intended = false;
      const first = !this.everConnected;
      this.everConnected = true;
      const onError = (err: Error | undefined) => {
        if (err && !this.closing) this.events.error(err);
      };
      for (const m of o.announce) client.publish(m.topic, m.payload, { qos: 1, retain: m.retain === true }, onError);
      if (o.status) client.publish(o.status.topic, o.status.online, { qos: 1, retain: true }, onError);
      this.events.connected(first);
    });
    let up = false;
    client.on('connect', () => (up = true));
    client.on('close', () => {
      // A QoS 0 publish parked on the dead socket's 'drain' would never call back; QoS 1 ones
      // stay in the client's store and are resent after the reconnect.
      this.settleAll(new Error('connection lost'), 0);
      // Every failed retry closes too; only the drop of a live connection counts as lost.
      if (up && !this.intended && !this.closing) this.events.lost();
      up = false;
    });
    client.on('error', (err) => {
      if (!this.closing) this.events.error(err);
    });
  }

  /** Resolves on the first connect; rejects with the first error, or after `timeoutMs`. */
  whenConnected(timeoutMs: number, failOnError: boolean): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not opened'));
    if (client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('connect', onConnect);
        client.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onConnect = () => done();
      const onError = (err: Error) => (failOnError ? done(err) : undefined);
      const timer = setTimeout(() => done(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      client.on('connect', onConnect);
      client.on('error', onError);
    });
  }

  publish(topic: string, payload: Buffer, qos: 0 | 1, done: PublishDone, retain = false): void {
    const client = this.client;
    if (!client) {
      done(new Error('not connected'));
      return;
    }
    const id = ++this.seq;
    this.waiting.set(id, { qos, done });
    client.publish(topic, payload, { qos, retain }, (err) => this.settle(id, err ?? undefined));
  }

  private settle(id: number, err: Error | undefined): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    waiting.done(err);
    this.events.settled();
  }

  private settleAll(err: Error, onlyQos?: 0 | 1): void {
    for (const [id, waiting] of [...this.waiting]) {
      if (onlyQos === undefined || waiting.qos === onlyQos) this.settle(id, err);
    }
  }

  /** The socket dies under the client (power blip, NAT timeout): the broker fires the will, the client retries. */
  drop(): void {
    if (!this.client || this.closing) return;
    this.intended = true;
    this.client.stream.destroy();
  }

  /** Goes dark without a DISCONNECT (so the will fires) and comes back after `ms` with a new client. */
  goOffline(ms: number): void {
    const client = this.client;
    if (!client || this.closing) return;
    this.intended = true;
    this.client = undefined;
    client.end(true);
    this.settleAll(new Error('device went offline'));
    this.offlineTimer = setTimeout(() => {
      this.offlineTimer = undefined;
      this.open();
    }, ms);
  }

  /** A clean goodbye: retained `offline`, DISCONNECT; forced if the broker does not answer in time. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.offlineTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (!client.connected) {
      await client.endAsync(true).catch(() => undefined);
      this.settleAll(new Error('simulator stopped'));
      return;
    }
    const graceful = (async () => {
      const status = this.options.status;
      if (status) await client.publishAsync(status.topic, status.offline, { qos: 1, retain: true });
      await client.endAsync(false);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([
      graceful.then(
        () => 'ok' as const,
        () => 'failed' as const,
      ),
      timeout,
    ]);
    clearTimeout(timer);
    if (outcome !== 'ok') await client.endAsync(true).catch(() => undefined);
    this.settleAll(new Error('simulator stopped'));
  }
}
