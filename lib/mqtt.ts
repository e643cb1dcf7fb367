/**
 * One way to open an MQTT connection for every Vigil process: the first connect must succeed
 * within the timeout (a clear start-up error otherwise); after that mqtt.js reconnects by itself.
 * MQTT_PROTOCOL picks the version; `auto` tries 5 and falls back to 3.1.1 when the broker refuses
 * it, closes on it or does not answer it (RabbitMQ 3.10), so every process works on every broker.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttProtocol } from './config.ts';

export type { MqttClient } from 'mqtt';

export interface ConnectOptions extends Omit<IClientOptions, 'protocolVersion'> {
  /** How long the first connection may take before start-up fails (over every protocol tried). */
  readonly startTimeoutMs?: number;
  /**
   * Runs on the client before it connects. A persistent session delivers queued messages right
   * after CONNACK, so a custom handleMessage set any later would let mqtt.js acknowledge
   * (and lose) them with its default handler.
   */
  readonly prepare?: (client: MqttClient) => void;
  /** MQTT_PROTOCOL. Default `auto`: MQTT 5, then 3.1.1 if the broker refuses 5 or does not answer it. */
  readonly mqttProtocol?: MqttProtocol;
  /** Options only an MQTT 5 connection takes (session expiry, for instance). */
  readonly v5?: Pick<IClientOptions, 'properties'>;
  /** How long `auto` waits for a CONNACK to its MQTT 5 CONNECT before it tries 3.1.1. */
  readonly connackTimeoutMs?: number;
  /** Told when `auto` gave up on MQTT 5, with why, so the caller can log it. */
  readonly onFallBack?: (reason: string) => void;
}

/**
 * RabbitMQ 3.10's MQTT plugin neither accepts nor refuses an MQTT 5 CONNECT: it drops it. 3 s is
 * long enough for a CONNACK from any broker that answers, short enough not to drag start-up.
 */
export const V5_CONNACK_TIMEOUT_MS = 3_000;

/** What every process logs (at info: the embedded Aedes refuses v5 on every start, which is normal) when `auto` settles for 3.1.1. */
export const FALL_BACK_MESSAGE = 'the broker did not take MQTT 5; using MQTT 3.1.1 (set MQTT_PROTOCOL=3.1.1 to skip the probe)';

const PERMANENT =
  /not authori[sz]ed|bad user ?name or password|unacceptable protocol version|unsupported protocol version|certificate|self[- ]signed|unable to verify|ERR_TLS|CERT_/i;
const VERSION_REFUSED = /unacceptable protocol version|unsupported protocol version/i;

/** What the first connection attempt ran into before a CONNACK. */
export type AttemptEvent =
  | { readonly kind: 'error'; readonly message: string }
  /** The socket closed; `connectSent` says whether the broker had our CONNECT (else: TCP never came up). */
  | { readonly kind: 'closed'; readonly connectSent: boolean }
  | { readonly kind: 'no-connack' };

export type Verdict = 'retry' | 'fail' | 'fall-back';

/**
 * Decides what an event means for the attempt: `fall-back` (only while another protocol is left
 * to try) when the broker refused the version, dropped our CONNECT or never answered it; `fail`
 * for what will not fix itself; `retry` (mqtt.js reconnects) for a broker that is not up yet.
 */
export function judgeAttempt(event: AttemptEvent, canFallBack: boolean): Verdict {
  if (event.kind === 'error') {
    if (VERSION_REFUSED.test(event.message)) return canFallBack ? 'fall-back' : 'fail';
    return PERMANENT.test(event.message) ? 'fail' : 'retry';
  }
  if (event.kind === 'closed' && !event.connectSent) return 'retry';
  return canFallBack ? 'fall-back' : 'retry';
}

/** The protocol versions to try, in order, for an MQTT_PROTOCOL value. */
export function protocolVersions(protocol: MqttProtocol): readonly (4 | 5)[] {
  if (protocol === '5') return [5];
  if (protocol === '3.1.1') return [4];
  return [5, 4];
}

export async function connectMqtt(url: string, options: ConnectOptions = {}): Promise<MqttClient> {
  const { startTimeoutMs = 10_000, mqttProtocol = 'auto', onFallBack, ...rest } = options;
  const deadline = Date.now() + startTimeoutMs;
  const versions = protocolVersions(mqttProtocol);
  for (const [i, version] of versions.entries()) {
    const outcome = await attempt(url, version, rest, deadline, i < versions.length - 1, startTimeoutMs);
    if (outcome.client) return outcome.client;
    onFallBack?.(outcome.fellBack);
  }
  throw new Error('unreachable: the last protocol never falls back');
}

type Outcome = { client: MqttClient; fellBack?: undefined } | { client?: undefined; fellBack: string };

function attempt(
  url: string,
  version: 4 | 5,
  options: Omit<ConnectOptions, 'startTimeoutMs' | 'mqttProtocol' | 'onFallBack'>,
  deadline: number,
  canFallBack: boolean,
  startTimeoutMs: number,
): Promise<Outcome> {
  const { prepare, v5, connackTimeoutMs = V5_CONNACK_TIMEOUT_MS, ...clientOptions } = options;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
      ...clientOptions,
      ...(version === 5 ? v5 : {}),
      protocolVersion: version,
    });
    prepare?.(client);
    let lastError: Error | undefined;
    let connectSent = false;
    /** The broker had a CONNECT of ours and never answered it (no CONNACK, or closed on it). */
    let unanswered = false;
    let connackTimer: NodeJS.Timeout | undefined;
    const settle = (then: () => void) => {
      cleanup();
      then();
    };
    const timer = setTimeout(
      () =>
        settle(() => {
          client.end(true);
          const hint = version === 5 && unanswered ? ' (no CONNACK to MQTT 5: does the broker speak it? try MQTT_PROTOCOL=3.1.1)' : '';
          const why = lastError ? `: ${lastError.message}` : '';
          reject(new Error(`cannot connect to the MQTT broker at ${redact(url)} within ${startTimeoutMs} ms${why}${hint}`));
        }),
      Math.max(0, deadline - Date.now()),
    );
    const on = (event: AttemptEvent) => {
      const verdict = judgeAttempt(event, canFallBack);
      if (verdict === 'retry') return;
      settle(() => {
        client.end(true);
        if (verdict === 'fall-back') resolve({ fellBack: describe(event) });
        else reject(new Error(`cannot connect to the MQTT broker at ${redact(url)}: ${lastError?.message ?? describe(event)}`));
      });
    };
    const onError = (err: Error) => {
      lastError = err;
      const code = String((err as NodeJS.ErrnoException).code ?? '');
      on({ kind: 'error', message: PERMANENT.test(code) ? `${err.message} (${code})` : err.message });
    };
    // The CONNECT is queued on the stream before TCP is up, so the CONNACK clock starts when the
    // socket (or TLS session) is: a broker that is merely slow to accept is not taken for one
    // that ignores MQTT 5. mqtt.js makes a new stream per (re)connect.
    const armStream = () => {
      clearTimeout(connackTimer);
      connectSent = false;
      const up = () => {
        connectSent = true;
        connackTimer = setTimeout(() => {
          unanswered = true;
          on({ kind: 'no-connack' });
        }, connackTimeoutMs);
      };
      const stream = client.stream as (typeof client.stream & { connecting?: boolean; encrypted?: boolean }) | undefined;
      if (stream?.connecting === true) stream.once(stream.encrypted === true ? 'secureConnect' : 'connect', up);
      else up();
    };
    const onReconnect = () => queueMicrotask(armStream);
    const onClose = () => {
      clearTimeout(connackTimer);
      const sent = connectSent;
      connectSent = false;
      if (sent) unanswered = true;
      on({ kind: 'closed', connectSent: sent });
    };
    const onConnect = () => settle(() => resolve({ client }));
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(connackTimer);
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('reconnect', onReconnect);
      client.off('close', onClose);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('reconnect', onReconnect);
    armStream();
    client.on('close', onClose);
  });
}

function describe(event: AttemptEvent): string {
  if (event.kind === 'error') return event.message;
  if (event.kind === 'no-connack') return 'no CONNACK to the MQTT 5 CONNECT';
  return 'the broker closed the connection before CONNACK';
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
