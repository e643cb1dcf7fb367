/**
 * One way to open an MQTT connection for every Vigil process: the first connect must succeed
 * within the timeout (a clear start-up error otherwise); after that mqtt.js reconnects by itself.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export type { MqttClient } from 'mqtt';

export interface ConnectOptions extends IClientOptions {
  /** How long the first connection may take before start-up fails. */
  readonly startTimeoutMs?: number;
  /**
   * Runs on the client before it connects. A persistent session delivers queued messages right
   * after CONNACK, so a custom handleMessage set any later would let mqtt.js acknowledge
   * (and lose) them with its default handler.
   */
  readonly prepare?: (client: MqttClient) => void;
}

const PERMANENT =
  /not authori[sz]ed|bad user ?name or password|unacceptable protocol version|unsupported protocol version|certificate|self[- ]signed|unable to verify|ERR_TLS|CERT_/i;

export function connectMqtt(url: string, options: ConnectOptions = {}): Promise<MqttClient> {
  const { startTimeoutMs = 10_000, prepare, ...clientOptions } = options;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 1_000, connectTimeout: 5_000, ...clientOptions });
    prepare?.(client);
    let lastError: Error | undefined;
    const timer = setTimeout(() => {
      cleanup();
      client.end(true);
      reject(
        new Error(
          `cannot connect to the MQTT broker at ${redact(url)} within ${startTimeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`,
        ),
      );
    }, startTimeoutMs);
    const onError = (err: Error) => {
      lastError = err;
      // Bad credentials, an unsupported protocol or a certificate the client does not trust
      // will not fix themselves: fail now rather than at the start timeout.
      if (PERMANENT.test(err.message) || PERMANENT.test(String((err as NodeJS.ErrnoException).code ?? ''))) {
        cleanup();
        clearTimeout(timer);
        client.end(true);
        reject(new Error(`cannot connect to the MQTT broker at ${redact(url)}: ${err.message}`));
      }
    };
    const onConnect = () => {
      cleanup();
      clearTimeout(timer);
      resolve(client);
    };
    const cleanup = () => {
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}

/** Ends a client, waiting for in-flight packets briefly but never hanging a shutdown. */
export function endMqtt(client: MqttClient, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.end(true);
      resolve();
    }, timeoutMs);
    client.end(false, {}, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** URLs may carry credentials (mqtt://user:pass@host); logs and errors must not. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** MQTT 5 DISCONNECT reason: another client connected with this client's id. */
export const SESSION_TAKEN_OVER = 0x8e;
/**
 * A 3.1.1 broker says nothing, and neither does Mosquitto 2.0 on MQTT 5 (it just closes): a
 * connection closed this soon after CONNACK, twice running, is taken.
 */
const SHORT_LIVED_MS = 2_000;
const REPEATS = 2;
/** How long after the last takeover health keeps reporting the broker as failing. */
export const TAKEOVER_REPORT_MS = 10_000;

export interface Takeover {
  readonly clientId: string;
  readonly at: number;
  readonly how: 'reason 0x8E' | 'repeated disconnects after connect';
}

/**
 * Session takeovers seen by this process's clients. Process-wide on purpose: in the all-in-one
 * the API's health check must see what ingest's and the alerter's clients saw.
 */
export const sessionTakeovers = {
  count: 0,
  last: undefined as Takeover | undefined,
  /** The takeover that is still going on (seen within TAKEOVER_REPORT_MS), if any. */
  recent(now = Date.now()): Takeover | undefined {
    return this.last && now - this.last.at < TAKEOVER_REPORT_MS ? this.last : undefined;
  },
};

/**
 * Watches a client with a fixed id (ingest's persistent session, the alerter) for another client
 * taking that id: a thief with clean: false receives the session's messages instead of Vigil.
 * Each takeover is counted, logged as an error and reported by /api/health while it goes on.
 */
export function watchSessionTakeover(client: MqttClient, onTakeover: (takeover: Takeover) => void): void {
  let connectedAt = 0;
  let shortLived = 0;
  let toldByBroker = false;
  const report = (how: Takeover['how']) => {
    const takeover: Takeover = { clientId: client.options.clientId ?? '', at: Date.now(), how };
    sessionTakeovers.count++;
    sessionTakeovers.last = takeover;
    onTakeover(takeover);
  };
  client.on('connect', () => (connectedAt = Date.now()));
  client.on('disconnect', (packet) => {
    if (packet.reasonCode === SESSION_TAKEN_OVER) {
      shortLived = 0;
      toldByBroker = true;
      report('reason 0x8E');
    }
  });
  client.on('close', () => {
    if (connectedAt === 0 || client.disconnecting) return;
    const lived = Date.now() - connectedAt;
    connectedAt = 0;
    if (toldByBroker) {
      toldByBroker = false;
      return;
    }
    shortLived = lived < SHORT_LIVED_MS ? shortLived + 1 : 0;
    if (shortLived >= REPEATS) report('repeated disconnects after connect');
  });
}
