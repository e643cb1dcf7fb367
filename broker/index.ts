/**
 * The embedded MQTT broker (Aedes) that `npm start` runs when MQTT_URL is unset. Sessions and
 * retained messages live in memory: they survive client reconnects, not a broker restart.
 *
 * Device messages are not acknowledged from that memory: with a tap (lib/message-tap.ts), every
 * device publish (ingest takes `#`, so it also lists topics no source takes) is handed to ingest
 * in authorizePublish, which Aedes runs before
 * it writes the PUBACK, and the PUBACK waits until ingest says the readings are durable.
 */
import { createServer } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Client } from 'aedes';
import { Aedes } from 'aedes';
import type { Handle } from '../lib/lifecycle.ts';
import { closer, listen } from '../lib/net.ts';
import { startWith } from '../lib/lifecycle.ts';
import { RateLimitedLog, silentLogger, type Logger } from '../lib/logger.ts';
import type { MessageTap } from '../lib/message-tap.ts';

export interface BrokerOptions {
  readonly port: number;
  /** Loopback by default; devices on other hosts need 0.0.0.0. */
  readonly host?: string;
  readonly logger?: Logger;
  /** Where device messages go before they are acknowledged (the all-in-one's ingest). */
  readonly tap?: MessageTap;
  /**
   * Credentials only Vigil's own processes get (a random per-boot password, app/main.ts). When
   * set, only clients signed in with them may publish or subscribe to `vigil/#`, receive
   * messages on it, or use a client id starting with `reservedClientIdPrefix` (so nobody can
   * take over ingest's or the API's session).
   */
  readonly service?: { readonly username: string; readonly password: string; readonly reservedClientIdPrefix: string };
  /** Retained messages kept at most (count and payload bytes); a retained publish beyond is refused. */
  readonly retainedLimit?: { readonly count: number; readonly bytes: number };
}

/** Ingest's payload limit (SPEC: 64 KiB) plus headroom; a bigger publish is refused. */
export const MAX_PUBLISH_PAYLOAD = 64 * 1024 + 4 * 1024;
export const RETAINED_LIMIT = { count: 10_000, bytes: 16 * 1024 * 1024 };

/** Vigil's own topics: nobody but Vigil publishes, subscribes to or receives them. */
export function isVigilTopic(topic: string): boolean {
  return topic === 'vigil' || topic.startsWith('vigil/');
}

/** A subscription filter that could match a Vigil topic explicitly (`#` and `+/…` are filtered at delivery). */
function namesVigilTopic(filter: string): boolean {
  return isVigilTopic(filter) || filter === 'vigil/#';
}

function sameSecret(given: Buffer | undefined, expected: string): boolean {
  if (!given) return false;
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

export interface BrokerGuardStats {
  /** Publishes, subscriptions and connects refused for speaking as Vigil. */
  refused: number;
  /** Publishes refused for a payload over MAX_PUBLISH_PAYLOAD. */
  oversized: number;
  /** Retained publishes refused because the retained store is full. */
  retainedRefused: number;
}

export interface BrokerHandle extends Handle {
  readonly url: string;
  readonly port: number;
  /** Connected clients right now. */
  clients(): number;
  readonly guard: BrokerGuardStats;
  /**
   * The first step of a shutdown: no new connections, every further device publish is refused
   * (the connection drops without a PUBACK, so the device sends it again later), and resolves
   * once the messages already handed to the tap are durable. Vigil's own connections stay up
   * until stop(), so ingest and the API can still finish their work.
   */
  stopAccepting(): Promise<void>;
}

export async function start(options: BrokerOptions): Promise<BrokerHandle> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const tap = options.tap;
  let accepting = true;
  const service = options.service;
  const guard: BrokerGuardStats = { refused: 0, oversized: 0, retainedRefused: 0 };
  const retainedLimit = options.retainedLimit ?? RETAINED_LIMIT;
  // Payload bytes per retained topic, as the broker keeps them (an empty payload clears one).
  const retained = new Map<string, number>();
  let retainedBytes = 0;
  const serviceClients = new WeakSet<Client>();
  const isService = (client: Client | null): boolean => service === undefined || client === null || serviceClients.has(client);
  const refusedLog = new RateLimitedLog(logger);
  const refuse = (what: string, client: Client | null, topic?: string): Error => {
    guard.refused++;
    refusedLog.warn(`refused:${what}`, { client: client?.id, topic, refused: guard.refused }, `refused: ${what}`);
    return new Error(what);
  };
  return startWith(async (resources) => {
    const aedes = await Aedes.createBroker({
      authenticate(client, username, password, callback) {
        if (service && username === service.username) {
          if (!sameSecret(password, service.password)) {
            refuse('bad service credentials', client);
            return callback(Object.assign(new Error('bad user name or password'), { returnCode: 4 as const }), false);
          }
          serviceClients.add(client);
          return callback(null, true);
        }
        if (service && client.id.startsWith(service.reservedClientIdPrefix)) {
          refuse('client id reserved for Vigil', client);
          return callback(Object.assign(new Error('identifier rejected'), { returnCode: 2 as const }), false);
        }
        callback(null, true);
      },
      authorizeSubscribe(client, sub, callback) {
        if (!isService(client) && namesVigilTopic(sub.topic)) {
          refuse('subscribe to a vigil/ topic', client, sub.topic);
          return callback(null, null);
        }
        callback(null, sub);
      },
      // A device's `#` or `+/events/…` must not hear Vigil's own topics either.
      authorizeForward(client, packet) {
        return !isService(client) && isVigilTopic(packet.topic) ? null : packet;
      },
      authorizePublish(client, packet, callback) {
        if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved'));
        if (!isService(client) && isVigilTopic(packet.topic)) return callback(refuse('publish to a vigil/ topic', client, packet.topic));
        const size = packet.payload.length;
        if (size > MAX_PUBLISH_PAYLOAD) {
          guard.oversized++;
          return callback(new Error(`payload of ${size} bytes is over ${MAX_PUBLISH_PAYLOAD}`));
        }
        if (packet.retain) {
          const had = retained.get(packet.topic);
          const count = retained.size + (had === undefined && size > 0 ? 1 : 0) - (had !== undefined && size === 0 ? 1 : 0);
          const bytes = retainedBytes - (had ?? 0) + size;
          if (size > 0 && (count > retainedLimit.count || bytes > retainedLimit.bytes)) {
            guard.retainedRefused++;
            refusedLog.warn(
              'retained-full',
              { client: client?.id, topic: packet.topic, retained: retained.size, retainedBytes },
              'retained store full; publish refused',
            );
            return callback(new Error('retained store full'));
          }
          retainedBytes = bytes;
          if (size === 0) retained.delete(packet.topic);
          else retained.set(packet.topic, size);
        }
        // Vigil's own topics are the service's, never a device's: the tap sees every other one.
        if (isVigilTopic(packet.topic) || !tap?.wants(packet.topic)) return callback(null);
        if (!accepting) return callback(new Error('broker is stopping'));
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        // The callback gates the PUBACK (and the routing): an error drops the client unacknowledged.
        tap.deliver({ topic: packet.topic, payload, retain: false }, (err) => callback(err ?? null));
      },
    });
    resources.defer(() => new Promise<void>((resolve) => aedes.close(() => resolve())));

    const server = createServer((socket) => aedes.handle(socket));
    const close = closer(server);
    await listen(server, options.port, host, 'MQTT_PORT');
    resources.defer(close);

    aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err }, 'mqtt client error'));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    logger.info({ port, host }, 'embedded MQTT broker listening');
    return {
      url: `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
      port,
      clients: () => aedes.connectedClients,
      guard,
      async stopAccepting() {
        accepting = false;
        // close() without waiting: open connections (Vigil's own among them) end at stop().
        server.close();
        await tap?.drained();
      },
    };
  });
}
