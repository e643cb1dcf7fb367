/**
 * Sessions of connections ingest no longer opens. Mosquitto keeps dealing a share of the
 * $share/vigil group's messages to a member whose session is offline (docs/ingest.md, Scale-out),
 * so lowering INGEST_CONNECTIONS would leave the sessions of the dropped connections taking their
 * share for the 7 days of their expiry, unread. At start ingest therefore visits each of its
 * client ids above the count (up to MAX_INGEST_CONNECTIONS): one without a session is ended at
 * once; one with a session leaves the group (unsubscribe), hands over what was queued in it
 * through ingest's own durable handler, and once nothing has arrived for a while and nothing is
 * unacknowledged, is ended. Ended: DISCONNECT with session expiry 0, so the broker forgets it. A
 * stop before that disconnects keeping the session (MQTT 5 allows lowering the expiry at
 * DISCONNECT, never raising it from 0, hence the usual expiry at CONNECT), so nothing queued is lost.
 */
import type { Logger } from '../lib/logger.ts';
import { connectMqtt, endMqtt, redact, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';
import { SESSION_EXPIRY_S, subscriptionFilters } from './connect.ts';

type Handler = MqttClient['handleMessage'];

export interface RetireOptions {
  readonly url: string;
  readonly clientIds: readonly string[];
  readonly connect: Pick<ConnectOptions, 'username' | 'password'>;
  /** ingest's handler: stores, then calls back (which sends the PUBACK). */
  readonly handler: Handler;
  /** The device filters ingest subscribes to (the old session's shared subscriptions). */
  readonly filters: () => readonly string[];
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** How long the backlog must have been quiet before the session is ended. */
  readonly quietMs?: number;
}

/** Retires the sessions one after another; resolves with the ids that had one. Never rejects. */
export async function retireSessions(options: RetireOptions): Promise<string[]> {
  const retired: string[] = [];
  for (const clientId of options.clientIds) {
    if (options.signal.aborted) break;
    try {
      if (await retireOne(clientId, options)) retired.push(clientId);
    } catch (err) {
      options.logger.warn(
        { broker: redact(options.url), clientId, err: (err as Error).message },
        'could not check a session ingest no longer uses',
      );
    }
  }
  return retired;
}

async function retireOne(clientId: string, o: RetireOptions): Promise<boolean> {
  const quietMs = o.quietMs ?? 1_000;
  let present = false;
  let inFlight = 0;
  let lastArrival = performance.now();
  const client = await connectMqtt(o.url, {
    ...o.connect,
    clientId,
    clean: false,
    mqttProtocol: '5',
    reconnectPeriod: 0,
    startTimeoutMs: 5_000,
    v5: { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } },
    prepare: (c) => {
      c.once('connect', (connack) => (present = connack.sessionPresent === true));
      c.handleMessage = (packet, callback) => {
        inFlight++;
        lastArrival = performance.now();
        o.handler(packet, (err) => {
          inFlight--;
          callback(err);
        });
      };
    },
  });
  let drained = false;
  try {
    if (!present) {
      drained = true;
      return false;
    }
    o.logger.info(
      { broker: redact(o.url), clientId },
      'taking the backlog of a session ingest no longer uses (INGEST_CONNECTIONS was lowered), then ending it',
    );
    const filters = subscriptionFilters(o.filters(), true);
    if (filters.length > 0) await client.unsubscribeAsync(filters);
    while (!o.signal.aborted && (inFlight > 0 || performance.now() - lastArrival < quietMs)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    drained = !o.signal.aborted;
    return true;
  } finally {
    if (drained) await endSession(client);
    else await endMqtt(client);
  }
}

/** DISCONNECT with session expiry 0: the broker drops the session (and its place in the group). */
function endSession(client: MqttClient, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.end(true);
      resolve();
    }, timeoutMs);
    client.end(false, { properties: { sessionExpiryInterval: 0 } }, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
