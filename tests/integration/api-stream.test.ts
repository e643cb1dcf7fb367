/**
 * The live stream over real HTTP with real EventSource clients: headers and no compression,
 * filters, resume with no gap and no duplicate while readings keep flowing, reset for a foreign
 * id, and a stuck client that is dropped without slowing another or growing memory.
 */
import { connect } from 'node:net';
import { EventSource } from 'eventsource';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, connectClient } from '../helpers/mqtt.ts';
import { eventually, startTestVigil, type TestVigil } from '../helpers/vigil.ts';

interface Reading {
  device: string;
  ts: number;
  values: Record<string, number>;
}

function open(url: string): Promise<EventSource> {
  const source = new EventSource(url);
  return new Promise((resolve, reject) => {
    source.onopen = () => resolve(source);
    source.onerror = (e) => reject(new Error(`stream failed: ${String(e.message)}`));
  });
}

describe('SSE /api/stream', () => {
  let vigil: TestVigil;
  let device: MqttClient;
  const base = Date.now() - 3_600_000;
  let seq = 0;
  const publish = (name: string, values: Record<string, number>) =>
    device.publishAsync(`devices/${name}/telemetry`, JSON.stringify({ ts: base + seq++, ...values }), { qos: 1 });

  beforeAll(async () => {
    vigil = await startTestVigil();
    device = await connectClient(vigil.brokerUrl);
  });
  afterAll(async () => {
    await closeClients();
    await vigil?.dispose();
  });

  it('answers with the SSE headers, uncompressed even when gzip is asked for, and opens with retry', async () => {
    const controller = new AbortController();
    const res = await fetch(`${vigil.url}/api/stream`, { headers: { 'Accept-Encoding': 'gzip, br' }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('content-encoding')).toBeNull();
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first.startsWith('retry: 3000\n\n')).toBe(true);
    controller.abort();
  });

  it('filters by device, metric and event type', async () => {
    const onlyA = await open(`${vigil.url}/api/stream?devices=f-a&metrics=x`);
    const onlyDevice = await open(`${vigil.url}/api/stream?events=device`);
    const got: Reading[] = [];
    const wrongType: string[] = [];
    onlyA.addEventListener('reading', (e) => got.push(JSON.parse(e.data as string) as Reading));
    onlyDevice.addEventListener('reading', () => wrongType.push('reading'));
    await publish('f-b', { x: 1 });
    await publish('f-a', { y: 2 });
    await publish('f-a', { x: 3, y: 4 });
    await eventually(async () => (got.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 200));
    onlyA.close();
    onlyDevice.close();
    expect(got.map((r) => ({ device: r.device, values: r.values }))).toEqual([{ device: 'f-a', values: { x: 3 } }]);
    expect(wrongType).toEqual([]);
  });

  it('rejects a bad filter with a JSON 400', async () => {
    const res = await fetch(`${vigil.url}/api/stream?events=reading,gossip`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_events');
  });

  it('resumes from Last-Event-ID with no gap and no duplicate while readings keep flowing', async () => {
    const TOTAL = 1_500;
    const seen: number[] = [];
    let lastId = '';
    const first = await open(`${vigil.url}/api/stream?devices=resume-1`);
    first.addEventListener('reading', (e) => {
      seen.push((JSON.parse(e.data as string) as Reading).values['v']!);
      lastId = e.lastEventId;
    });
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i++) await publish('resume-1', { v: i });
    })();
    await eventually(async () => (seen.length >= 300 ? true : undefined), 10_000, '300 events before the cut');
    first.close();
    // Readings go on while this client is away; the replay must cover them.
    await new Promise((r) => setTimeout(r, 100));
    const second = await open(`${vigil.url}/api/stream?devices=resume-1&lastEventId=${encodeURIComponent(lastId)}`);
    const resets: string[] = [];
    second.addEventListener('reset', (e) => resets.push(e.data as string));
    second.addEventListener('reading', (e) => seen.push((JSON.parse(e.data as string) as Reading).values['v']!));
    await publishing;
    await eventually(async () => (seen.length >= TOTAL ? true : undefined), 10_000, `all ${TOTAL} events (have ${seen.length})`);
    await new Promise((r) => setTimeout(r, 200));
    second.close();
    expect(resets).toEqual([]);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
  });

  it('sends reset for an id from another boot', async () => {
    const source = new EventSource(`${vigil.url}/api/stream?lastEventId=deadbeef-42`);
    const reset = await new Promise<string>((resolve) => source.addEventListener('reset', (e) => resolve(e.data as string)));
    source.close();
    expect(JSON.parse(reset)).toHaveProperty('reason');
  });

  it('drops a stuck client past its budget, counts it, and keeps a live client fed', async () => {
    const stuck = connect(Number(new URL(vigil.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => stuck.once('connect', () => resolve()));
    stuck.write('GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // Never read: the kernel buffers fill, then the server's queue for it grows to the budget.
    stuck.pause();
    let stuckClosed = false;
    stuck.once('close', () => (stuckClosed = true));

    const live = await open(`${vigil.url}/api/stream?devices=flood-1`);
    let liveCount = 0;
    live.addEventListener('reading', () => liveCount++);

    const heapBefore = process.memoryUsage().heapUsed;
    const BATCHES = 100;
    for (let b = 0; b < BATCHES; b++) {
      const batch = Array.from({ length: 1_000 }, (_, i) => ({ ts: base - 10_000_000 + b * 1_000 + i, v: i }));
      await device.publishAsync('devices/flood-1/telemetry', JSON.stringify(batch), { qos: 1 });
    }
    await eventually(
      async () => (liveCount >= BATCHES * 1_000 ? true : undefined),
      60_000,
      `live client got all 100000 (has ${liveCount})`,
    );
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    live.close();

    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    const dropped = Number(/vigil_sse_clients_dropped_total (\d+)/.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThanOrEqual(1);
    // Reading again drains what the kernel held; then the server's close shows.
    stuck.resume();
    await eventually(async () => (stuckClosed ? true : undefined), 5_000, 'stuck socket closed by the server');
    stuck.destroy();
    // One process holds the broker, ingest, SQLite and the API here; the bound is loose on purpose.
    expect(heapGrowthMb).toBeLessThan(150);
  }, 90_000);
});
