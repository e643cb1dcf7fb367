/**
 * The embedded MQTT broker (Aedes) that `npm start` runs when MQTT_URL is unset. Sessions and
 * retained messages live in memory: they survive client reconnects, not a broker restart
 * (docs/architecture.md says what that means for delivery).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Handle } from '../common/lifecycle.ts';
import { startWith } from '../common/lifecycle.ts';
import { silentLogger, type Logger } from '../common/logger.ts';

export interface BrokerOptions {
  readonly port: number;
  /** Loopback by default; devices on other hosts need 0.0.0.0. */
  readonly host?: string;
  readonly logger?: Logger;
}

export interface BrokerHandle extends Handle {
  readonly url: string;
  readonly port: number;
  /** Connected clients right now. */
  clients(): number;
}

export async function start(options: BrokerOptions): Promise<BrokerHandle> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  return startWith(async (resources) => {
    const aedes = await Aedes.createBroker();
    resources.defer(() => new Promise<void>((resolve) => aedes.close(() => resolve())));

    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    await listen(server, options.port, host);
    resources.defer(() => closeServer(server, sockets));

    aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'mqtt client error'));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    logger.info({ port, host }, 'embedded MQTT broker listening');
    return { url: `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port, clients: () => aedes.connectedClients };
  });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`MQTT_PORT ${port} is already in use on ${host}: stop what holds it or set MQTT_PORT (or MQTT_URL for an external broker)`)
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
}
