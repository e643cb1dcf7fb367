import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, parseConfig, primaryBrokerUrl, type VigilConfig } from '../../../lib/config.ts';

function ok(env: Record<string, string | undefined>): VigilConfig {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.errors.join('; ')}`);
  return result.config;
}

function errors(env: Record<string, string | undefined>): string[] {
  const result = parseConfig(env);
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(env)}`);
  return result.errors;
}

describe('parseConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    // toMatchObject: settings added later (with their own defaults) must not break this contract.
    expect(ok({})).toMatchObject({
      mqtt: {
        urls: [],
        username: undefined,
        password: undefined,
        embeddedPort: 1883,
        clientId: 'vigil',
        protocol: 'auto',
        anonymous: true,
      },
      topicPrefix: 'devices',
      store: {
        kind: 'sqlite',
        sqlitePath: './data/vigil.db',
        influx: { url: 'http://127.0.0.1:8086', token: undefined, database: 'vigil' },
        retentionMs: 7 * 86_400_000,
      },
      http: { host: '127.0.0.1', port: 8080 },
      token: undefined,
      staleAfterMs: 60_000,
      simDevices: 10,
      alertWebhookUrl: undefined,
      logLevel: 'info',
    });
  });

  it('treats every empty variable as unset', () => {
    const empty = Object.fromEntries(CONFIG_KEYS.map((k) => [k.name, '']));
    expect(ok(empty)).toEqual(ok({}));
  });

  it('ignores variables it does not own', () => {
    expect(ok({ PATH: '/bin', HOME: '/root', PORT_EXTRA: 'abc' })).toEqual(ok({}));
  });

  it('reads every documented variable', () => {
    const config = ok({
      MQTT_URL: 'mqtt://a:1883, mqtts://b:8883',
      MQTT_USERNAME: 'user',
      MQTT_PASSWORD: 'secret',
      MQTT_PORT: '11883',
      MQTT_CLIENT_ID: 'site-1',
      MQTT_PROTOCOL: '3.1.1',
      TOPIC_PREFIX: 'plant/a',
      STORE: 'influx',
      SQLITE_PATH: '/var/lib/vigil/v.db',
      INFLUX_URL: 'https://influx.example:8086/',
      INFLUX_TOKEN: 'user:pass',
      INFLUX_DATABASE: 'vigil_prod',
      RETENTION: '30d',
      HOST: '0.0.0.0',
      PORT: ' 9090 ',
      VIGIL_TOKEN: '0123456789abcdef',
      STALE_AFTER: '2m',
      SIM_DEVICES: '0',
      ALERT_WEBHOOK_URL: 'http://hooks.example/alert',
      LOG_LEVEL: 'debug',
    });
    expect(config.mqtt).toEqual({
      urls: ['mqtt://a:1883', 'mqtts://b:8883'],
      username: 'user',
      password: 'secret',
      embeddedPort: 11883,
      clientId: 'site-1',
      protocol: '3.1.1',
      // HOST=0.0.0.0: devices need credentials unless MQTT_ANONYMOUS says otherwise.
      anonymous: false,
    });
    expect(config.topicPrefix).toBe('plant/a');
    expect(config.store).toEqual({
      kind: 'influx',
      sqlitePath: '/var/lib/vigil/v.db',
      influx: { url: 'https://influx.example:8086', token: 'user:pass', database: 'vigil_prod' },
      retentionMs: 30 * 86_400_000,
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9090, trustProxy: false });
    expect(config.token).toBe('0123456789abcdef');
    expect(config.staleAfterMs).toBe(120_000);
    expect(config.simDevices).toBe(0);
    expect(config.alertWebhookUrl).toBe('http://hooks.example/alert');
    expect(config.logLevel).toBe('debug');
    expect(primaryBrokerUrl(config)).toBe('mqtt://a:1883');
  });

  it('MQTT_ANONYMOUS defaults to true on a loopback HOST only, and an explicit value wins', () => {
    expect(ok({}).mqtt.anonymous).toBe(true);
    expect(ok({ HOST: 'localhost' }).mqtt.anonymous).toBe(true);
    expect(ok({ HOST: '::1' }).mqtt.anonymous).toBe(true);
    expect(ok({ HOST: '0.0.0.0' }).mqtt.anonymous).toBe(false);
    expect(ok({ HOST: '192.168.1.20' }).mqtt.anonymous).toBe(false);
    expect(ok({ HOST: '0.0.0.0', MQTT_ANONYMOUS: 'true' }).mqtt.anonymous).toBe(true);
    expect(ok({ HOST: '0.0.0.0', MQTT_ANONYMOUS: '1' }).mqtt.anonymous).toBe(true);
    expect(ok({ MQTT_ANONYMOUS: 'false' }).mqtt.anonymous).toBe(false);
    expect(ok({ MQTT_ANONYMOUS: '0' }).mqtt.anonymous).toBe(false);
  });

  it('points at the embedded broker when MQTT_URL is unset', () => {
    expect(primaryBrokerUrl(ok({ MQTT_PORT: '2883' }))).toBe('mqtt://127.0.0.1:2883');
  });

  const bad: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['MQTT_PORT', '-1'],
    ['STORE', 'postgres'],
    ['RETENTION', 'xyz'],
    ['RETENTION', '10m'],
    ['STALE_AFTER', '5ms'],
    ['MQTT_URL', 'http://x'],
    ['MQTT_URL', 'mqtt://ok:1883,ftp://bad'],
    ['MQTT_CLIENT_ID', 'has space'],
    ['TOPIC_PREFIX', 'a/#'],
    ['TOPIC_PREFIX', '/leading'],
    ['TOPIC_PREFIX', '$SYS'],
    ['INFLUX_URL', 'ftp://influx'],
    ['INFLUX_DATABASE', 'bad name'],
    ['HOST', '   '],
    ['VIGIL_TOKEN', 'short'],
    ['SIM_DEVICES', '-1'],
    ['SIM_DEVICES', '10001'],
    ['ALERT_WEBHOOK_URL', 'not-a-url'],
    ['ALERT_WEBHOOK_SECRET', 'whsec_not base64!'],
    ['ALERT_WEBHOOK_SECRET', 'whsec_'],
    ['LOG_LEVEL', 'loud'],
    ['MQTT_PROTOCOL', '4'],
    ['MQTT_ANONYMOUS', 'yes'],
  ];
  it.each(bad)('%s=%j gives exactly one error, naming the variable', (name, value) => {
    const found = errors({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}\\b`));
  });

  it('takes ALERT_WEBHOOK_SECRET as whsec_<base64> or plain text, and unset when empty', () => {
    expect(ok({ ALERT_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).alertWebhookSecret).toBe(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
    expect(ok({ ALERT_WEBHOOK_SECRET: 'a plain shared secret' }).alertWebhookSecret).toBe('a plain shared secret');
    expect(ok({ ALERT_WEBHOOK_SECRET: '' }).alertWebhookSecret).toBeUndefined();
    expect(ok({}).alertWebhookSecret).toBeUndefined();
  });

  it('reports every bad variable at once, one line each', () => {
    const found = errors({ PORT: 'abc', STORE: 'postgres', RETENTION: 'xyz', MQTT_URL: 'http://x' });
    expect(found).toHaveLength(4);
    for (const name of ['PORT', 'STORE', 'RETENTION', 'MQTT_URL']) {
      expect(found.filter((line) => line.startsWith(name))).toHaveLength(1);
    }
    for (const line of found) expect(line).not.toContain('\n');
  });

  it('returns a deeply frozen config', () => {
    const config = ok({ MQTT_URL: 'mqtt://a:1' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.mqtt)).toBe(true);
    expect(Object.isFrozen(config.mqtt.urls)).toBe(true);
    expect(Object.isFrozen(config.store.influx)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.mqtt.urls as string[]).push('mqtt://b:1')).toThrow(TypeError);
  });

  it('gives every key either a literal default or words for what unset means', () => {
    for (const key of CONFIG_KEYS)
      expect(
        [key.default, key.unset].filter((v) => v !== undefined),
        key.name,
      ).toHaveLength(1);
  });

  // The literal defaults are the only ones (the schema has none of its own): setting a key to its
  // documented default must change nothing, so the README table cannot drift from the code.
  it.each(CONFIG_KEYS.filter((k) => k.default !== undefined).map((k) => [k.name, k.default ?? ''] as const))(
    'parses %s=%s exactly as if it were unset',
    (name, value) => {
      expect(ok({ [name]: value })).toEqual(ok({}));
    },
  );

  it('documents each key once', () => {
    const names = CONFIG_KEYS.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads the device source settings', () => {
    expect(ok({}).sources).toEqual({ enabled: 'all', file: undefined, discoverTopics: false });
    expect(ok({ SOURCES: ' Vigil, tasmota ,vigil', SOURCES_FILE: ' ./sources.yaml ', DISCOVER_TOPICS: 'true' }).sources).toEqual({
      enabled: ['vigil', 'tasmota'],
      file: './sources.yaml',
      discoverTopics: true,
    });
  });

  it.each([
    ['SOURCES', ' , '],
    ['SOURCES', 'vigil,bad name'],
    ['SOURCES', 'all,vigil'],
    ['DISCOVER_TOPICS', 'yes'],
  ])('refuses %s=%j with a line naming it', (name, value) => {
    const lines = errors({ [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name}`));
  });

  it('reads INGEST_CONNECTIONS: 4 by default, 1 to 16', () => {
    expect(ok({}).ingestConnections).toBe(4);
    expect(ok({ INGEST_CONNECTIONS: ' 1 ' }).ingestConnections).toBe(1);
    expect(ok({ INGEST_CONNECTIONS: '16' }).ingestConnections).toBe(16);
    for (const bad of ['0', '17', '2.5', 'four']) {
      expect(errors({ INGEST_CONNECTIONS: bad })).toEqual([`INGEST_CONNECTIONS must be a whole number from 1 to 16 (got "${bad}")`]);
    }
  });
});
