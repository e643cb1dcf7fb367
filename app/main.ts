/**
 * The all-in-one process of `npm start`: embedded broker (unless MQTT_URL), one store shared by
 * ingest and the API, the API with the dashboard, and the built-in simulator. Started in
 * dependency order; a failure unwinds what was already running.
 */
import type { VigilConfig } from '../lib/config.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { startWith } from '../lib/lifecycle.ts';
import { silentLogger, type Logger } from '../lib/logger.ts';
import { openStore } from '../store/index.ts';
import { start as startApi } from '../api/index.ts';
import { start as startBroker } from '../broker/index.ts';
import { start as startIngest } from '../ingest/index.ts';
import { startBuiltInSimulator } from './simulator.ts';

export interface VigilHandle extends Handle {
  readonly url: string;
  readonly token: string;
  readonly tokenSource: 'env' | 'file' | 'generated';
  readonly brokerUrl: string;
  /** True when this process runs the embedded broker. */
  readonly embeddedBroker: boolean;
}

export interface VigilOptions {
  readonly logger?: Logger;
  readonly dashboardDir?: string;
}

export async function startVigil(config: VigilConfig, options: VigilOptions = {}): Promise<VigilHandle> {
  const logger = options.logger ?? silentLogger;
  return startWith(async (resources) => {
    let effective = config;
    let brokerUrl = config.mqtt.urls[0];
    if (brokerUrl === undefined) {
      // The embedded broker listens where the API does: loopback by default, the LAN with HOST=0.0.0.0.
      const broker = await resources.open(startBroker({ port: config.mqtt.embeddedPort, host: config.http.host, logger }), (b) => b.stop());
      brokerUrl = broker.url;
      // Every component below reads the broker from config, so point it at the embedded one.
      effective = { ...config, mqtt: { ...config.mqtt, urls: [broker.url] } };
    }
    const store = await resources.open(openStore(effective, { logger }), (s) => s.close());
    await resources.open(startIngest(effective, { logger, store }), (h) => h.stop());
    const api = await resources.open(
      startApi(effective, { logger, store, ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}) }),
      (h) => h.stop(),
    );
    if (config.simDevices > 0) {
      await resources.open(startBuiltInSimulator(effective, brokerUrl, logger), (h) => h.stop());
    }
    return {
      url: api.url,
      token: api.token,
      tokenSource: api.tokenSource,
      brokerUrl,
      embeddedBroker: config.mqtt.urls.length === 0,
    };
  });
}
