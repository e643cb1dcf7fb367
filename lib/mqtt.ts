/**
 * One way to open an MQTT connection for every Vigil process: the first connect must succeed
 * within the timeout (a clear start-up error otherwise); after that mqtt.js reconnects by itself.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export type { MqttClient } from 'mqtt';

export interface ConnectOptions extends IClientOptions {
  /** How long the first connection may take before start-up fails. */
  readonly startTimeoutMs?: number;
  /**
   * Runs on the client before it connects. A persistent session delivers queued messages right
   * after CONNACK, so a custom handleMessage set any later would let mqtt.js acknowledge
   * (and lose) them with its default handler.
   */
  readonly prepare?: (client: MqttClient) => void;
}

const PERMANENT =
  /not authori[sz]ed|bad user ?name or password|unacceptable protocol version|unsupported protocol version|certificate|self[- ]signed|unable to verify|ERR_TLS|CERT_/i;

export function connectMqtt(url: string, options: ConnectOptions = {}): Promise<MqttClient> {
  const { startTimeoutMs = 10_000, prepare, ...clientOptions } = options;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 1_000, connectTimeout: 5_000, ...clientOptions });
    prepare?.(client);
    let lastError: Error | undefined;
    const timer = setTimeout(() => {
      cleanup();
      client.end(true);
      reject(new Error(`cannot connect to the MQTT broker at ${redact(url)} within ${startTimeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`));
    }, startTimeoutMs);
    const onError = (err: Error) => {
      lastError = err;
      // Bad credentials, an unsupported protocol or a certificate the client does not trust
      // will not fix themselves: fail now rather than at the start timeout.
      if (PERMANENT.test(err.message) || PERMANENT.test(String((err as NodeJS.ErrnoException).code ?? ''))) {
        cleanup();
        clearTimeout(timer);
        client.end(true);
        reject(new Error(`cannot connect to the MQTT broker at ${redact(url)}: ${err.message}`));
      }
    };
    const onConnect = () => {
      cleanup();
      clearTimeout(timer);
      resolve(client);
    };
    const cleanup = () => {
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}

/** Ends a client, waiting for in-flight packets briefly but never hanging a shutdown. */
export function endMqtt(client: MqttClient, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.end(true);
      resolve();
    }, timeoutMs);
    client.end(false, {}, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** URLs may carry credentials (mqtt://user:pass@host); logs and errors must not. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
