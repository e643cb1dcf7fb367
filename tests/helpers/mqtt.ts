import { connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly packet: IPublishPacket;
}

/** Test clients opened through connectClient, so closeClients() can end every one of them. */
const open = new Set<MqttClient>();

/** An mqtt.js client that fails fast instead of reconnecting forever against a dead broker. */
export async function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  // allowRetries=false: a refused connection rejects (on 'close') instead of waiting forever.
  const client = await connectAsync(url, { connectTimeout: 5_000, reconnectPeriod: 0, ...options }, false);
  open.add(client);
  return client;
}

/** Force-ends every client connectClient opened (for afterAll/afterEach). */
export async function closeClients(): Promise<void> {
  const clients = [...open];
  open.clear();
  await Promise.all(clients.map((client) => client.endAsync(true)));
}

/**
 * Resolves with the first message on `client` that `match` accepts. Call it before the publish
 * that should produce the message so nothing slips past between the two.
 */
export function nextMessage(
  client: MqttClient,
  match: (message: ReceivedMessage) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<ReceivedMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const message = { topic, payload, packet };
      if (!match(message)) return;
      cleanup();
      resolve(message);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching MQTT message within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('message', onMessage);
    };
    client.on('message', onMessage);
  });
}

/** A topic segment no other test (or earlier run against a persistent broker) has used. */
export function uniqueTopic(prefix = 'vigil-test'): string {
  return `${prefix}/${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
