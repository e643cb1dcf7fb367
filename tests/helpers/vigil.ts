import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVigil, type VigilHandle, type VigilOptions } from '../../app/main.ts';
import { parseConfig, type VigilConfig } from '../../lib/config.ts';
import { freePort } from './ports.ts';

export interface TestVigil extends VigilHandle {
  readonly config: VigilConfig;
  readonly dir: string;
  /** Stops Vigil and starts it again on the same ports and store. */
  restart(): Promise<TestVigil>;
  /** Stops Vigil and removes its temp dir. */
  dispose(): Promise<void>;
}

/** The all-in-one on free loopback ports with its store in a temp dir; no simulator unless asked. */
export async function startTestVigil(env: Record<string, string> = {}, dir?: string, options: VigilOptions = {}): Promise<TestVigil> {
  const home = dir ?? (await mkdtemp(join(tmpdir(), 'vigil-test-')));
  const parsed = parseConfig({
    PORT: String(await freePort()),
    MQTT_PORT: String(await freePort()),
    SQLITE_PATH: join(home, 'vigil.db'),
    SIM_DEVICES: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const config = parsed.config;
  const vigil = await startVigil(config, options);
  const same = {
    PORT: String(config.http.port),
    MQTT_PORT: String(config.mqtt.embeddedPort),
    SQLITE_PATH: config.store.sqlitePath,
    SIM_DEVICES: String(config.simDevices),
    ...env,
  };
  return {
    ...vigil,
    config,
    dir: home,
    async restart() {
      await vigil.stop();
      return startTestVigil(same, home, options);
    },
    async dispose() {
      await vigil.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Polls `probe` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 2_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
