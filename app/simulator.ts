import type { VigilConfig } from '../lib/config.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { componentLogger, type Logger } from '../lib/logger.ts';

/** The simulator `npm start` runs: SIM_DEVICES devices publishing every second. Loaded only when on. */
export async function startBuiltInSimulator(
  config: VigilConfig,
  brokerUrl: string,
  logger: Logger,
  /** On the embedded broker: each device signs in as its own id (`{id}`) with a per-boot secret. */
  auth?: { readonly username: string; readonly password: string },
): Promise<Handle> {
  const { start } = await import('../simulator/index.ts');
  return start(
    { devices: config.simDevices, broker: brokerUrl, prefix: config.topicPrefix, ...(auth ?? {}) },
    componentLogger(logger, 'simulator'),
  );
}
