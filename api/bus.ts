/**
 * The API's side of the broker: every API process subscribes to what ingest forwards, so any of
 * them can serve any browser. A clean session on purpose: an API that was down has nothing to
 * catch up on (browsers refetch history after a reset). Every message is decoded by bus/ first;
 * the listener sees only valid values.
 */
import { randomBytes } from 'node:crypto';
import type { Alert } from '../domain/alert.ts';
import type { DeviceStatus, TelemetryEntry } from '../domain/reading.ts';
import type { DeviceEvent, RejectedMessage } from '../domain/events.ts';
import type { IngestSnapshot } from '../bus/ingest-stats.ts';
import type { SourcesSnapshot } from '../bus/sources.ts';
import { subscribeBus, type BusRejections } from '../bus/index.ts';
import type { Logger } from '../lib/logger.ts';
import { connectMqtt, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';

export interface BusListener {
  readings(entries: readonly TelemetryEntry[]): void;
  device(event: DeviceEvent & { readonly status: DeviceStatus }): void;
  rejected(message: RejectedMessage): void;
  ingestStats(snapshot: IngestSnapshot): void;
  sources(snapshot: SourcesSnapshot): void;
  alert(alert: Alert): void;
}

export async function connectBus(
  url: string,
  options: ConnectOptions,
  listener: BusListener,
  logger: Logger,
  rejections: BusRejections,
): Promise<MqttClient> {
  const clientId = `${options.clientId ?? 'vigil'}-api-${randomBytes(4).toString('hex')}`;
  const client = await connectMqtt(url, { ...options, clientId, clean: true });
  await subscribeBus(
    client,
    {
      readings: (entries) => listener.readings(entries),
      device: (event) => listener.device(event),
      rejected: (message) => listener.rejected(message),
      stats: (snapshot) => listener.ingestStats(snapshot),
      sources: (snapshot) => listener.sources(snapshot),
      alert: (alert) => listener.alert(alert),
    },
    { rejections, logger },
  );
  return client;
}
