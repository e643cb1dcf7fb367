/**
 * The embedded MQTT broker (Aedes) that `npm start` runs when MQTT_URL is unset. Sessions and
 * retained messages live in memory: they survive client reconnects, not a broker restart
 * (docs/architecture.md says what that means for delivery).
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import type { Handle } from '../lib/lifecycle.ts';
import { closer, listen } from '../lib/net.ts';
import { startWith } from '../lib/lifecycle.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';

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

    const server = createServer((socket) => aedes.handle(socket));
    const close = closer(server);
    await listen(server, options.port, host, 'MQTT_PORT');
    resources.defer(close);

    aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'mqtt client error'));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    logger.info({ port, host }, 'embedded MQTT broker listening');
    return { url: `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port, clients: () => aedes.connectedClients };
  });
}
