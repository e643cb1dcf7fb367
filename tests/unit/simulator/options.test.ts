import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FAULT_RATE,
  DEFAULT_OPTIONS,
  deviceId,
  parseArgs,
  USAGE,
  validateOptions,
  type SimulatorOptions,
} from '../../../simulator/options.ts';

function options(argv: string[], env: Record<string, string> = {}): SimulatorOptions {
  const result = parseArgs(argv, env);
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.options;
}

function error(argv: string[], env: Record<string, string> = {}): string {
  const result = parseArgs(argv, env);
  if (result.ok) throw new Error(`expected an error for ${argv.join(' ')}`);
  return result.error;
}

describe('simulator options', () => {
  it('has the documented defaults', () => {
    expect(options([])).toEqual({
      ...DEFAULT_OPTIONS,
      devices: 10,
      intervalMs: 1000,
      metrics: ['temperature', 'humidity'],
      seed: 1,
      broker: 'mqtt://127.0.0.1:1883',
      prefix: 'devices',
      qos: 0,
      batch: 1,
      anomalies: 0,
      faults: 0,
      rate: undefined,
      count: undefined,
      durationMs: undefined,
    });
  });

  it('parses every flag, in both --flag value and --flag=value forms', () => {
    const o = options([
      '--devices',
      '50',
      '--interval=500ms',
      '--metrics',
      'temperature,co2,battery',
      '--seed',
      '42',
      '--broker',
      'mqtt://10.0.0.5:1884',
      '--duration',
      '2m',
      '--count',
      '1000',
      '--rate=250.5',
      '--qos',
      '1',
      '--batch',
      '10',
      '--anomalies',
      '5%',
      '--faults',
      '0.1',
      '--prefix',
      'site/a',
      '--id-prefix',
      'lab-',
    ]);
    expect(o).toMatchObject({
      devices: 50,
      intervalMs: 500,
      metrics: ['temperature', 'co2', 'battery'],
      seed: 42,
      broker: 'mqtt://10.0.0.5:1884',
      durationMs: 120_000,
      count: 1000,
      rate: 250.5,
      qos: 1,
      batch: 10,
      anomalies: 0.05,
      faults: 0.1,
      prefix: 'site/a',
      idPrefix: 'lab-',
    });
  });

  it('takes --faults alone as the default fault rate, and leaves the next flag alone', () => {
    expect(options(['--faults']).faults).toBe(DEFAULT_FAULT_RATE);
    expect(options(['--faults', '--devices', '3'])).toMatchObject({ faults: DEFAULT_FAULT_RATE, devices: 3 });
    expect(options(['--faults', '0.5']).faults).toBe(0.5);
    expect(options(['--faults=20%']).faults).toBe(0.2);
  });

  it('reads MQTT_URL (first of a list), credentials and TOPIC_PREFIX from env, and flags win', () => {
    const env = { MQTT_URL: 'mqtt://broker:1883,mqtt://other:1883', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p', TOPIC_PREFIX: 'plant' };
    expect(options([], env)).toMatchObject({ broker: 'mqtt://broker:1883', username: 'u', password: 'p', prefix: 'plant' });
    expect(options(['--broker', 'mqtt://x:1', '--prefix', 'y'], env)).toMatchObject({ broker: 'mqtt://x:1', prefix: 'y' });
    expect(error([], { MQTT_URL: 'http://nope' })).toMatch(/^MQTT_URL /);
    expect(error([], { TOPIC_PREFIX: 'a/#' })).toMatch(/^TOPIC_PREFIX /);
  });

  it('recognises --help and -h', () => {
    const result = parseArgs(['--devices', '3', '--help']);
    expect(result.ok && result.help).toBe(true);
    const short = parseArgs(['-h']);
    expect(short.ok && short.help).toBe(true);
    for (const flag of [
      '--devices',
      '--interval',
      '--metrics',
      '--seed',
      '--broker',
      '--duration',
      '--count',
      '--rate',
      '--qos',
      '--batch',
      '--anomalies',
      '--faults',
      '--prefix',
      '--help',
    ]) {
      expect(USAGE).toContain(flag);
    }
  });

  const BAD: [string[], string][] = [
    [['--devices', '0'], '--devices'],
    [['--devices', 'ten'], '--devices'],
    [['--devices', '1.5'], '--devices'],
    [['--devices', '10001'], '--devices'],
    [['--interval', 'soon'], '--interval'],
    [['--interval', '0ms'], '--interval'],
    [['--metrics', 'temperature,bad name'], '--metrics'],
    [['--metrics', 'temperature,temperature'], '--metrics'],
    [['--metrics', '1st'], '--metrics'],
    [['--metrics', '__proto__'], '--metrics'],
    [['--seed', '-1'], '--seed'],
    [['--seed', '4294967296'], '--seed'],
    [['--broker', 'http://127.0.0.1:1883'], '--broker'],
    [['--broker', '127.0.0.1:1883'], '--broker'],
    [['--duration', 'forever'], '--duration'],
    [['--count', '0'], '--count'],
    [['--count', '-5'], '--count'],
    [['--rate', '0'], '--rate'],
    [['--rate', 'fast'], '--rate'],
    [['--qos', '2'], '--qos'],
    [['--batch', '0'], '--batch'],
    [['--batch', '1001'], '--batch'],
    [['--metrics', Array.from({ length: 20 }, (_, i) => `metric_number_${i}`).join(','), '--batch', '1000'], '--batch'],
    [['--anomalies', '1.5'], '--anomalies'],
    [['--anomalies', 'lots'], '--anomalies'],
    [['--anomalies', '0.1', '--metrics', 'light,rpm'], '--anomalies'],
    [['--faults=2'], '--faults'],
    [['--prefix', 'a/+/b'], '--prefix'],
    [['--prefix', '/devices'], '--prefix'],
    [['--id-prefix', '-x'], '--id-prefix'],
    [['--id-prefix', 'a b'], '--id-prefix'],
  ];

  it.each(BAD)('rejects %j with one line naming %s', (argv, flag) => {
    const message = error(argv);
    expect(message.startsWith(flag)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('names unknown flags, stray arguments and missing values', () => {
    expect(error(['--devcies', '3'])).toBe('unknown flag --devcies (see --help)');
    expect(error(['3'])).toMatch(/unexpected argument "3"/);
    expect(error(['--devices'])).toBe('--devices needs a value (N)');
    expect(error(['--devices', '--count', '3'])).toBe('--devices needs a value (N)');
  });

  it('validates options given to start() directly with the same messages', () => {
    expect(validateOptions(DEFAULT_OPTIONS)).toBeNull();
    expect(validateOptions({ ...DEFAULT_OPTIONS, devices: 0 })).toMatch(/^--devices/);
    expect(validateOptions({ ...DEFAULT_OPTIONS, qos: 2 as 0 })).toMatch(/^--qos/);
  });

  it('pads device ids to at least three digits, more for big fleets', () => {
    expect(deviceId('sim-', 0, 10)).toBe('sim-001');
    expect(deviceId('sim-', 41, 999)).toBe('sim-042');
    expect(deviceId('sim-', 0, 1000)).toBe('sim-0001');
    expect(deviceId('sim-', 9999, 10000)).toBe('sim-10000');
  });
});
