/**
 * Does an external broker let a client without credentials publish on `vigil/#`? Then anyone who
 * reaches it can forge readings, alerts and ingest stats (docs/security.md). Ingest and the API
 * ask once at start, in the background: never failing or delaying the start, bounded by a short
 * timeout, and warn if so.
 *
 * How: if Vigil itself connects without credentials, anyone can, so no probe is needed. Otherwise
 * an anonymous MQTT 5 client publishes QoS 1 to a harmless `vigil/probe/<random>`: a refused
 * CONNECT, or a PUBACK reason code of 0x80 or above (Mosquitto 2 with an ACL answers 0x87 "not
 * authorized"), means no. A success PUBACK alone does not prove delivery (MQTT 3.1.1 brokers and
 * some ACLs drop silently), so Vigil's own connection subscribes to the probe topic first and the
 * probe counts as writable only if the message arrives.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { VigilConfig } from './config.ts';
import { primaryBrokerUrl } from './config.ts';
import type { Logger } from './logger.ts';
import { redact } from './mqtt.ts';

export type ProbeOutcome =
  | 'vigil connects anonymously'
  | 'anonymous publish delivered'
  | 'anonymous connect refused'
  | 'anonymous publish refused'
  | 'anonymous publish dropped'
  | 'inconclusive';

export const WRITABLE: ReadonlySet<ProbeOutcome> = new Set(['vigil connects anonymously', 'anonymous publish delivered']);

export interface ProbeOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 3_000;

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function hasCredentials(url: string, username: string | undefined): boolean {
  if (username) return true;
  try {
    return new URL(url).username !== '';
  } catch {
    return false;
  }
}

/** Connects or gives up, never throwing: the client, or the error (undefined: closed without one). */
function tryConnect(url: string, options: IClientOptions, clients: MqttClient[]): Promise<MqttClient | Error | undefined> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 2_000, clean: true, ...options });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', (err) => resolve(err));
    client.once('close', () => resolve(undefined));
  });
}

/** MQTT 5 first (its PUBACK says "not authorized"); a broker that refuses 5 is asked in 3.1.1. */
async function connectStranger(url: string, clients: MqttClient[]): Promise<MqttClient | undefined> {
  const clientId = `probe-${randomBytes(6).toString('hex')}`;
  const v5 = await tryConnect(url, { protocolVersion: 5, clientId }, clients);
  if (!(v5 instanceof Error) || !/protocol/i.test(v5.message)) return v5 instanceof Error ? undefined : v5;
  const v4 = await tryConnect(url, { protocolVersion: 4, clientId }, clients);
  return v4 instanceof Error ? undefined : v4;
}

/**
 * The publish's fate: 'refused' on a reason code >= 0x80, an error, or the broker closing the
 * connection before the PUBACK (what Vigil's embedded broker does); 'acked' otherwise.
 */
function publishProbe(client: MqttClient, topic: string): Promise<'acked' | 'refused'> {
  return new Promise((resolve) => {
    client.once('close', () => resolve('refused'));
    client.publish(topic, 'probe', { qos: 1 }, (err, packet) => {
      const code = (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
      resolve(err || code >= 0x80 ? 'refused' : 'acked');
    });
  });
}

export async function probeAnonymousVigilWrite(
  url: string,
  privileged: { readonly username: string | undefined; readonly password: string | undefined; readonly clientId: string },
  options: ProbeOptions = {},
): Promise<ProbeOutcome> {
  if (!hasCredentials(url, privileged.username)) return 'vigil connects anonymously';
  const clients: MqttClient[] = [];
  const topic = `vigil/probe/${randomBytes(8).toString('hex')}`;
  let timer: NodeJS.Timeout | undefined;
  let acked = false;
  // A success PUBACK and then nothing within the timeout: dropped after all.
  const timeout = new Promise<ProbeOutcome>(
    (resolve) =>
      (timer = setTimeout(() => resolve(acked ? 'anonymous publish dropped' : 'inconclusive'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS)),
  );
  const aborted = new Promise<ProbeOutcome>((resolve) =>
    options.signal?.addEventListener('abort', () => resolve('inconclusive'), { once: true }),
  );
  const run = async (): Promise<ProbeOutcome> => {
    const watcher = await tryConnect(
      url,
      {
        clientId: `${privileged.clientId}-probe-${randomBytes(4).toString('hex')}`,
        ...(privileged.username !== undefined ? { username: privileged.username } : {}),
        ...(privileged.password !== undefined ? { password: privileged.password } : {}),
      },
      clients,
    );
    // Without Vigil's own connection (or its subscription) a refusal still answers; an ack does not.
    let delivered: Promise<void> | undefined;
    if (watcher instanceof mqtt.MqttClient) {
      delivered = new Promise((resolve) => watcher.on('message', (t) => t === topic && resolve()));
      await watcher.subscribeAsync(topic, { qos: 0 }).catch(() => (delivered = undefined));
    }
    const stranger = await connectStranger(withoutCredentials(url), clients);
    if (!stranger) return 'anonymous connect refused';
    if ((await publishProbe(stranger, topic)) === 'refused') return 'anonymous publish refused';
    if (!delivered) return 'inconclusive';
    acked = true;
    // The timeout decides "dropped" when nothing arrives.
    await delivered;
    return 'anonymous publish delivered';
  };
  try {
    return await Promise.race([run().catch((): ProbeOutcome => 'inconclusive'), timeout, aborted]);
  } finally {
    clearTimeout(timer);
    for (const client of clients) client.end(true);
  }
}

/**
 * Runs the probe in the background for a process on an external broker and logs a warning when
 * anonymous clients can publish on vigil/#. Returns a cancel for the process's stop.
 */
export function warnIfAnonymousCanWrite(
  config: VigilConfig,
  logger: Logger,
  options: ProbeOptions = {},
): { cancel(): void; done: Promise<ProbeOutcome> } {
  const abort = new AbortController();
  const url = primaryBrokerUrl(config);
  const done = probeAnonymousVigilWrite(
    url,
    { username: config.mqtt.username, password: config.mqtt.password, clientId: config.mqtt.clientId },
    { ...options, signal: abort.signal },
  ).then((outcome) => {
    if (outcome === 'vigil connects anonymously') {
      logger.warn(
        { broker: redact(url) },
        'Vigil connects to the MQTT broker without credentials, so anyone who reaches it can publish on vigil/# and forge readings, alerts and stats; give the broker users and an ACL (deploy/mosquitto/acl) and set MQTT_USERNAME/MQTT_PASSWORD',
      );
    } else if (outcome === 'anonymous publish delivered') {
      logger.warn(
        { broker: redact(url), outcome },
        'the MQTT broker lets clients without credentials publish on vigil/#: anyone who reaches it can forge readings, alerts and stats; turn off anonymous access or deny it vigil/# in the ACL (deploy/mosquitto/acl)',
      );
    } else logger.debug({ broker: redact(url), outcome }, 'anonymous vigil/# probe');
    return outcome;
  });
  return { cancel: () => abort.abort(), done };
}
