import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTelemetry } from '../../domain/reading.ts';
import { parseDeviceTopic } from '../../domain/topics.ts';
import { start, type SimulatorHandle, type SimulatorOptions, type SimulatorSummary } from '../../simulator/index.ts';
import { closeClients, connectClient, startMosquitto, uniqueTopic, type MosquittoServer } from '../helpers/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
}

/** One process, no npx/tsx wrapper in between: the PID we kill is the simulator itself. */
function spawnCli(args: readonly string[]): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/simulate.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('close', (code) => {
      process.off('exit', killOnExit);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, exited };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('simulator against a real Mosquitto', () => {
  let broker: MosquittoServer | undefined;
  const handles: SimulatorHandle[] = [];
  const url = () => {
    if (!broker) throw new Error('mosquitto did not start');
    return broker.url;
  };

  /** A subscriber collecting everything under `filter`, connected before the simulator starts. */
  async function listen(filter: string): Promise<{ client: MqttClient; messages: Received[] }> {
    const client = await connectClient(url());
    const messages: Received[] = [];
    client.on('message', (topic, payload, packet) => messages.push({ topic, payload, retain: packet.retain }));
    await client.subscribeAsync(filter, { qos: 1 });
    return { client, messages };
  }

  async function simulate(options: Partial<SimulatorOptions>): Promise<SimulatorHandle> {
    const handle = await start({ broker: url(), ...options });
    handles.push(handle);
    return handle;
  }

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
    await closeClients();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('CLI --count N publishes exactly N telemetry messages, then prints the JSON summary as the last stdout line', async () => {
    const prefix = uniqueTopic('sim');
    const { messages } = await listen(`${prefix}/+/telemetry`);
    const { exited } = spawnCli(['--devices', '3', '--count', '57', '--interval', '20ms', '--broker', url(), '--prefix', prefix]);
    const { code, stdout, stderr } = await exited;
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!) as SimulatorSummary;
    expect(summary).toMatchObject({ sent: 57, entries: 57, errors: 0, devices: 3, stoppedBy: 'count' });
    await waitFor(() => messages.length >= 57, 5_000, '57 messages');
    await sleep(300);
    expect(messages).toHaveLength(57);
    expect(new Set(messages.map((m) => m.topic))).toEqual(
      new Set(['sim-001', 'sim-002', 'sim-003'].map((d) => `${prefix}/${d}/telemetry`)),
    );
  });

  it('CLI rejects a bad flag with one line naming it and exit code 2', async () => {
    const { code, stdout, stderr } = await spawnCli(['--devices', 'many']).exited;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^simulate: --devices must be a whole number from 1 to 10000 \(got "many"\)\n$/);
  });

  it('holds --rate within 10% over a few seconds', async () => {
    const prefix = uniqueTopic('sim');
    const { messages } = await listen(`${prefix}/+/telemetry`);
    const handle = await simulate({ devices: 10, rate: 400, durationMs: 3_000, prefix });
    await sleep(2_000);
    const live = handle.stats().rate;
    const summary = await handle.done;
    expect(summary.stoppedBy).toBe('duration');
    expect(Math.abs(summary.sent - 1_200) / 1_200).toBeLessThan(0.1);
    expect(Math.abs(live - 400) / 400).toBeLessThan(0.1);
    await sleep(200);
    expect(Math.abs(messages.length - 1_200) / 1_200).toBeLessThan(0.1);
  });

  it('publishes a retained online status per device, and a retained offline on a clean stop', async () => {
    const prefix = uniqueTopic('sim');
    const handle = await simulate({ devices: 4, prefix });
    expect(handle.deviceIds).toEqual(['sim-001', 'sim-002', 'sim-003', 'sim-004']);
    // A subscriber that arrives later still learns every device's state: the statuses are retained.
    const late = await listen(`${prefix}/+/status`);
    await waitFor(() => late.messages.length >= 4, 3_000, 'four retained statuses');
    expect(late.messages.every((m) => m.retain && m.payload.toString() === 'online')).toBe(true);
    expect(new Set(late.messages.map((m) => m.topic)).size).toBe(4);
    await handle.stop();
    const after = await listen(`${prefix}/+/status`);
    await waitFor(() => after.messages.length >= 4, 3_000, 'four retained offline statuses');
    expect(after.messages.map((m) => m.payload.toString())).toEqual(['offline', 'offline', 'offline', 'offline']);
  });

  it('the last will marks every device offline when the simulator process is killed with SIGKILL', async () => {
    const prefix = uniqueTopic('sim');
    const { messages } = await listen(`${prefix}/+/status`);
    const { child, exited } = spawnCli(['--devices', '3', '--interval', '200ms', '--broker', url(), '--prefix', prefix]);
    try {
      await waitFor(() => messages.filter((m) => m.payload.toString() === 'online').length >= 3, 10_000, 'three devices online');
      const before = messages.length;
      expect(child.kill('SIGKILL')).toBe(true);
      await waitFor(() => messages.slice(before).filter((m) => m.payload.toString() === 'offline').length >= 3, 5_000, 'three last wills');
      expect(new Set(messages.slice(before).map((m) => m.topic)).size).toBe(3);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('--batch N sends JSON arrays of N explicit entries with strictly increasing timestamps per device', async () => {
    const prefix = uniqueTopic('sim');
    const { messages } = await listen(`${prefix}/+/telemetry`);
    const handle = await simulate({ devices: 2, batch: 5, count: 12, intervalMs: 50, qos: 1, prefix });
    expect((await handle.done).sent).toBe(12);
    await waitFor(() => messages.length >= 12, 3_000, '12 batches');
    const lastTs = new Map<string, number>();
    for (const message of messages) {
      const doc = JSON.parse(message.payload.toString()) as unknown[];
      expect(Array.isArray(doc)).toBe(true);
      expect(doc).toHaveLength(5);
      for (const entry of doc) expect(Object.keys(entry as object).sort()).toEqual(['ts', 'values']);
      const topic = parseDeviceTopic(prefix, message.topic);
      if (!topic.ok) throw new Error(topic.detail);
      const parsed = parseTelemetry(topic.device, message.payload, Date.now());
      if (!parsed.ok) throw new Error(parsed.reason);
      for (const entry of parsed.entries) {
        expect(entry.ts).toBeGreaterThan(lastTs.get(topic.device) ?? 0);
        lastTs.set(topic.device, entry.ts);
      }
    }
  });

  it('replays the same devices and value sequences for a seed, and different ones for another seed', async () => {
    const sequences = async (seed: number) => {
      const prefix = uniqueTopic('sim');
      const { messages } = await listen(`${prefix}/+/telemetry`);
      const handle = await simulate({
        devices: 3,
        count: 30,
        seed,
        intervalMs: 10,
        metrics: ['temperature', 'co2'],
        anomalies: 0.2,
        prefix,
      });
      await handle.done;
      await waitFor(() => messages.length >= 30, 3_000, '30 messages');
      const byDevice: Record<string, unknown[]> = {};
      for (const m of messages) {
        const { ts: _ts, ...values } = JSON.parse(m.payload.toString()) as Record<string, number>;
        (byDevice[m.topic.slice(prefix.length + 1)] ??= []).push(values);
      }
      return byDevice;
    };
    const first = await sequences(7);
    expect(Object.keys(first).sort()).toEqual(['sim-001/telemetry', 'sim-002/telemetry', 'sim-003/telemetry']);
    expect(await sequences(7)).toEqual(first);
    expect(await sequences(8)).not.toEqual(first);
  });

  it('--faults publishes bad payloads that ingest rejects for the reasons the summary counts, and still sends exactly --count', async () => {
    const prefix = uniqueTopic('sim');
    const { messages } = await listen(`${prefix}/+/telemetry`);
    // About 1.5 s of sending, so a device cut off early has time to reconnect even on a busy machine.
    const handle = await simulate({ devices: 4, faults: 0.4, count: 300, intervalMs: 20, qos: 1, reconnectMs: 100, prefix });
    const summary = await handle.done;
    expect(summary.sent).toBe(300);
    await waitFor(() => messages.length >= 300, 5_000, '300 messages');
    await sleep(200);
    expect(messages).toHaveLength(300);
    const reasons: Record<string, number> = {};
    for (const m of messages) {
      const device = m.topic.slice(prefix.length + 1, -'/telemetry'.length);
      const parsed = parseTelemetry(device, m.payload, Date.now());
      if (!parsed.ok) reasons[parsed.reason] = (reasons[parsed.reason] ?? 0) + 1;
    }
    const { bad_status: _status, disconnect, offline, clock_skew: _skew, ...payloadFaults } = summary.faults;
    expect(reasons).toEqual(payloadFaults);
    expect(Object.keys(reasons).length).toBeGreaterThan(5);
    expect((disconnect ?? 0) + (offline ?? 0)).toBeGreaterThan(0);
    expect(summary.reconnects).toBeGreaterThan(0);
  });
});
