/**
 * The API's side of the broker: every API process subscribes to what ingest forwards, so any of
 * them can serve any browser. A clean session on purpose: an API that was down has nothing to
 * catch up on (browsers refetch history after a reset).
 */
import { randomBytes } from 'node:crypto';
import type { Alert } from '../domain/alert.ts';
import type { DeviceEvent, RejectedMessage } from '../domain/events.ts';
import type { IngestSnapshot } from '../bus/ingest-stats.ts';
import type { Logger } from '../lib/logger.ts';
import { connectMqtt, type ConnectOptions, type MqttClient } from '../lib/mqtt.ts';
import type { TelemetryEntry } from '../domain/reading.ts';
import { VIGIL_TOPICS } from '../domain/topics.ts';

export interface BusListener {
  readings(entries: readonly TelemetryEntry[]): void;
  device(event: DeviceEvent): void;
  rejected(message: RejectedMessage): void;
  ingestStats(snapshot: IngestSnapshot): void;
  alert(alert: Alert): void;
}

export async function connectBus(url: string, options: ConnectOptions, listener: BusListener, logger: Logger): Promise<MqttClient> {
  const clientId = `${options.clientId ?? 'vigil'}-api-${randomBytes(4).toString('hex')}`;
  const client = await connectMqtt(url, { ...options, clientId, clean: true });
  client.on('message', (topic, payload) => {
    let doc: unknown;
    try {
      doc = JSON.parse(payload.toString('utf8'));
    } catch {
      logger.warn({ topic }, 'ignoring a non-JSON message on a Vigil topic');
      return;
    }
    if (topic === VIGIL_TOPICS.readings && Array.isArray(doc)) listener.readings(doc.filter(isEntry));
    else if (topic === VIGIL_TOPICS.device && isDeviceEvent(doc)) listener.device(doc);
    else if (topic === VIGIL_TOPICS.rejected && isRejected(doc)) listener.rejected(doc);
    else if (topic === VIGIL_TOPICS.stats && isSnapshot(doc)) listener.ingestStats(doc);
    else if (topic === VIGIL_TOPICS.alert && isAlert(doc)) listener.alert(doc);
  });
  await client.subscribeAsync([VIGIL_TOPICS.readings, VIGIL_TOPICS.device, VIGIL_TOPICS.rejected, VIGIL_TOPICS.stats, VIGIL_TOPICS.alert], { qos: 1 });
  return client;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isEntry(v: unknown): v is TelemetryEntry {
  return isObject(v) && typeof v['device'] === 'string' && typeof v['ts'] === 'number' && isObject(v['values']);
}

function isDeviceEvent(v: unknown): v is DeviceEvent {
  return isObject(v) && typeof v['device'] === 'string' && typeof v['status'] === 'string' && typeof v['ts'] === 'number';
}

function isRejected(v: unknown): v is RejectedMessage {
  return isObject(v) && typeof v['topic'] === 'string' && typeof v['reason'] === 'string' && typeof v['payload'] === 'string';
}

function isSnapshot(v: unknown): v is IngestSnapshot {
  return isObject(v) && typeof v['instance'] === 'string' && typeof v['received'] === 'number' && isObject(v['rejected']) && isObject(v['writeLatency']) && isObject(v['webhook']) && isObject(v['store']);
}

function isAlert(v: unknown): v is Alert {
  return isObject(v) && typeof v['id'] === 'string' && typeof v['device'] === 'string' && (v['state'] === 'firing' || v['state'] === 'resolved');
}
