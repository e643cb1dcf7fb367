/**
 * The embedded MQTT broker (Aedes) that `npm start` runs when MQTT_URL is unset. Sessions and
 * retained messages live in memory: they survive client reconnects, not a broker restart.
 *
 * Device messages are not acknowledged from that memory: with a tap (lib/message-tap.ts), every
 * device publish (ingest takes `#`, so it also lists topics no source takes) is handed to ingest
 * in authorizePublish, which Aedes runs before
 * it writes the PUBACK, and the PUBACK waits until ingest says the readings are durable.
 *
 * Who may do what is in broker/access.ts; device passwords in broker/device-credentials.ts; the
 * packet size cap that runs before Aedes parses anything in broker/packet-guard.ts.
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
import {
  deviceMaySubscribe,
  isVigilTopic,
  namesVigilTopic,
  publishRight,
  type Identity,
  type PublishRight,
  type SourceFilters,
} from './access.ts';
import { DeviceCredentials } from './device-credentials.ts';
import { PacketGuardStream } from './packet-guard.ts';
import type { TopicClaims } from '../sources/claims.ts';

export { isVigilTopic } from './access.ts';

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
  /** Device access (docs/security.md). Without it: anonymous devices, prefix `devices`, no credentials. */
  readonly devices?: DeviceAccessOptions;
}

export interface DeviceAccessOptions {
  /** MQTT_ANONYMOUS: whether a device client without credentials may connect. */
  readonly anonymous: boolean;
  readonly topicPrefix: string;
  /** The password file `npm run device:add` writes (devicesPasswdPath), re-read when it changes. */
  readonly credentialsFile?: string;
  /**
   * A per-boot password the built-in simulator's devices sign in with, each as its own id (so each
   * may publish only under that id, like any device). Only ids matching `ids` may use it.
   */
  readonly bootDevices?: { readonly ids: RegExp; readonly password: string };
  /**
   * Whose each topic is by the enabled device sources (sources/claims.ts, built from the same
   * config as ingest's): a signed-in device may publish a source's topic that names its own id,
   * a gateway one of its sources' topics. Without it, only the native topics under its id.
   */
  readonly claims?: TopicClaims;
  /** Each source's MQTT filters: what a gateway of it may subscribe to (and hear) besides its own topics. */
  readonly sourceFilters?: SourceFilters;
}

/** Ingest's payload limit (SPEC: 64 KiB) plus headroom; a bigger publish is refused. */
export const MAX_PUBLISH_PAYLOAD = 64 * 1024 + 4 * 1024;
/**
 * The largest packet read from a client before it signs in, or from a device: the payload limit
 * plus room for a long topic and MQTT 5 properties. A header announcing more closes the connection
 * before the body is read (broker/packet-guard.ts).
 */
export const MAX_DEVICE_PACKET = MAX_PUBLISH_PAYLOAD + 8 * 1024;
/** Vigil's own clients publish reading batches of up to 512 KiB (bus/readings.ts). */
export const MAX_SERVICE_PACKET = 1024 * 1024;
export const RETAINED_LIMIT = { count: 10_000, bytes: 16 * 1024 * 1024 };
const OPEN_ACCESS: DeviceAccessOptions = { anonymous: true, topicPrefix: 'devices' };

const connectError = (message: string, returnCode: 2 | 4 | 5) => Object.assign(new Error(message), { returnCode });

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
  /** CONNECTs with a device user name and a wrong (or no) password. */
  badCredentials: number;
  /** CONNECTs without credentials while MQTT_ANONYMOUS is off. */
  anonymousRefused: number;
  /** Publishes and subscriptions of a signed-in device outside its own topics. */
  foreignTopic: number;
  /** Connections closed because a packet header announced more than the packet cap. */
  packetTooLarge: number;
}

export interface BrokerHandle extends Handle {
  readonly url: string;
  readonly port: number;
  /** Connected clients right now. */
  clients(): number;
  readonly guard: BrokerGuardStats;
  /** How devices get in: MQTT_ANONYMOUS, the credentials file and the devices in it (as last read). */
  readonly devices: { readonly anonymous: boolean; readonly credentialsFile: string | undefined; count(): number };
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
  const access = options.devices ?? OPEN_ACCESS;
  const guard: BrokerGuardStats = {
    refused: 0,
    oversized: 0,
    retainedRefused: 0,
    badCredentials: 0,
    anonymousRefused: 0,
    foreignTopic: 0,
    packetTooLarge: 0,
  };
  const retainedLimit = options.retainedLimit ?? RETAINED_LIMIT;
  // Payload bytes per retained topic, as the broker keeps them (an empty payload clears one).
  const retained = new Map<string, number>();
  let retainedBytes = 0;
  const refusedLog = new RateLimitedLog(logger);
  const credentials = access.credentialsFile
    ? new DeviceCredentials(access.credentialsFile, {
        onBadLines: (count, file) =>
          logger.warn({ file, lines: count }, 'device credentials: lines that are not user:$7$… entries are ignored'),
      })
    : undefined;
  await credentials?.refresh();
  const identities = new WeakMap<Client, Identity>();
  // Without service credentials (a bare broker in tests) everyone not signed in as a device is trusted, as before.
  const unsigned: Identity = service === undefined ? { kind: 'service' } : { kind: 'anonymous' };
  const identityOf = (client: Client | null): Identity => (client === null ? { kind: 'service' } : (identities.get(client) ?? unsigned));
  const refuse = (what: string, client: Client | null, topic?: string): Error => {
    guard.refused++;
    refusedLog.warn(`refused:${what}`, { client: client?.id, topic, refused: guard.refused }, `refused: ${what}`);
    return new Error(what);
  };
  const foreign = (what: string, client: Client, topic: string): Error => {
    guard.foreignTopic++;
    const identity = identityOf(client);
    const device = identity.kind === 'device' ? identity.id : undefined;
    refusedLog.warn(`foreign:${device}`, { client: client.id, device, topic, foreignTopic: guard.foreignTopic }, `refused: ${what}`);
    return new Error(what);
  };
  const bootDevice = access.bootDevices;
  const NOT_A_GATEWAY: readonly string[] = [];
  /** The sources a signed-in device bridges (none for a plain device), or null when it may not sign in. */
  const deviceSignsIn = async (username: string, password: Buffer | undefined): Promise<readonly string[] | null> => {
    if (bootDevice?.ids.test(username) && sameSecret(password, bootDevice.password)) return NOT_A_GATEWAY;
    return (await credentials?.signIn(username, password))?.gateway ?? null;
  };
  return startWith(async (resources) => {
    const aedes = await Aedes.createBroker({
      authenticate(client, username, password, callback) {
        if (service && username === service.username) {
          if (!sameSecret(password, service.password)) {
            refuse('bad service credentials', client);
            return callback(connectError('bad user name or password', 4), false);
          }
          identities.set(client, { kind: 'service' });
          // Vigil's own batches are bigger than a device's publishes.
          if (client.conn instanceof PacketGuardStream) client.conn.limit = MAX_SERVICE_PACKET;
          return callback(null, true);
        }
        if (service && client.id.startsWith(service.reservedClientIdPrefix)) {
          refuse('client id reserved for Vigil', client);
          return callback(connectError('identifier rejected', 2), false);
        }
        if (username !== undefined && username !== '') {
          deviceSignsIn(username, password).then(
            (gateway) => {
              if (gateway) {
                identities.set(client, { kind: 'device', id: username, topicPrefix: access.topicPrefix, gateway });
                callback(null, true);
                return;
              }
              guard.badCredentials++;
              refusedLog.warn(
                `bad-credentials:${username}`,
                { client: client.id, username, badCredentials: guard.badCredentials },
                'refused: bad device user name or password',
              );
              callback(connectError('bad user name or password', 4), false);
            },
            () => callback(connectError('server unavailable', 5), false),
          );
          return;
        }
        if (!access.anonymous) {
          guard.anonymousRefused++;
          refusedLog.warn(
            'anonymous',
            { client: client.id, anonymousRefused: guard.anonymousRefused },
            'refused: a device without credentials (MQTT_ANONYMOUS is off; npm run device:add -- <id>)',
          );
          return callback(connectError('not authorized', 5), false);
        }
        callback(null, true);
      },
      authorizeSubscribe(client, sub, callback) {
        const identity = identityOf(client);
        if (identity.kind === 'service' || deviceMaySubscribe(identity, sub.topic, access.sourceFilters)) return callback(null, sub);
        if (namesVigilTopic(sub.topic)) refuse('subscribe to a vigil/ topic', client, sub.topic);
        else foreign("subscribe outside the device's own topics", client, sub.topic);
        callback(null, null);
      },
      // A device's `#` or `+/events/…` must not hear Vigil's own topics (nor, signed in, other devices').
      authorizeForward(client, packet) {
        const identity = identityOf(client);
        if (identity.kind === 'service') return packet;
        if (isVigilTopic(packet.topic)) return null;
        return identity.kind === 'device' && !deviceMaySubscribe(identity, packet.topic, access.sourceFilters) ? null : packet;
      },
      authorizePublish(client, packet, callback) {
        if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved'));
        const identity = identityOf(client);
        // List-only needs the tap: without it the message would reach subscribers undecided.
        const right: PublishRight = identity.kind === 'service' ? 'publish' : publishRight(identity, packet.topic, tap && access.claims);
        if (right === 'refused') {
          if (isVigilTopic(packet.topic) || client === null) return callback(refuse('publish to a vigil/ topic', client, packet.topic));
          return callback(foreign("publish outside the device's own topics", client, packet.topic));
        }
        const size = packet.payload.length;
        // Devices (and anyone on a broker without service credentials) get the payload limit;
        // Vigil's signed-in clients send batches bounded by their bus module (readings up to
        // 512 KiB) and by the packet guard's service limit.
        const signedService = client === null || identities.get(client)?.kind === 'service';
        if (!signedService && size > MAX_PUBLISH_PAYLOAD) {
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
        tap.deliver({ topic: packet.topic, payload, retain: false, listOnly: right === 'list-only' }, (err) => callback(err ?? null));
      },
    });
    resources.defer(() => new Promise<void>((resolve) => aedes.close(() => resolve())));

    const tooLargeLog = new RateLimitedLog(logger);
    const server = createServer((socket) => {
      const stream = new PacketGuardStream(socket, MAX_DEVICE_PACKET, (result) => {
        guard.packetTooLarge++;
        tooLargeLog.warn(
          `too-large:${socket.remoteAddress}`,
          { remote: socket.remoteAddress, result, packetTooLarge: guard.packetTooLarge },
          'MQTT packet over the size cap; connection closed before reading it',
        );
      });
      aedes.handle(stream);
    });
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
      devices: { anonymous: access.anonymous, credentialsFile: access.credentialsFile, count: () => credentials?.count() ?? 0 },
      async stopAccepting() {
        accepting = false;
        // close() without waiting: open connections (Vigil's own among them) end at stop().
        server.close();
        await tap?.drained();
      },
    };
  });
}
