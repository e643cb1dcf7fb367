import { start, type BrokerHandle } from '../../broker/index.ts';
import { freePort } from './ports.ts';

/** Vigil's embedded Aedes broker on a free loopback port. */
export async function startAedes(): Promise<BrokerHandle> {
  return start({ port: await freePort() });
}
