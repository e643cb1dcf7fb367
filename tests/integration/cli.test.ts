/**
 * The process edge as an engineer meets it: `node scripts/run.mjs` (what npm start runs) with
 * bad config stops with one clear line, and a real start prints the URL, serves the simulated
 * fleet, and stops cleanly on SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort } from '../helpers/ports.ts';
import { eventually, getJson } from '../helpers/vigil.ts';

const root = join(import.meta.dirname, '..', '..');

function runVigil(env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/run.mjs', 'start'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** The start's JSON line (stdout is a pipe here, not a TTY): url, tokenSource, token when Vigil made it. */
const bannerSchema = z.object({
  msg: z.literal('Vigil is running'),
  url: z.string(),
  tokenSource: z.string(),
  token: z.string().optional(),
});
function banner(stdout: string): z.infer<typeof bannerSchema> | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = bannerSchema.safeParse(JSON.parse(line));
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('npm start edge', () => {
  it.each([
    ['PORT', 'abc'],
    ['STORE', 'postgres'],
    ['STALE_AFTER', 'soon'],
    ['MQTT_URL', 'http://broker'],
  ])('%s=%s stops with one line naming the variable', async (name, value) => {
    const run = runVigil({ [name]: value });
    const code = await run.exited;
    expect(code).toBe(2);
    const lines = run.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vigil: config error: .*${name}`));
    expect(run.err()).not.toMatch(/\n\s+at /);
  });

  it('starts healthy with a simulated fleet, keeps data, and stops on SIGINT within a few seconds', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
    dirs.push(dir);
    const env = {
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      SQLITE_PATH: join(dir, 'vigil.db'),
      SIM_DEVICES: '3',
    };
    const run = runVigil(env);
    const first = await eventually(async () => banner(run.out()), 20_000, `start line logged (stderr: ${run.err()})`);
    const url = first.url;
    // Vigil made the token, so it says it once, in that one line; LOG_LEVEL=warn does not hide it.
    expect(first.tokenSource).toBe('generated');
    expect(first.token).toMatch(/^\S{16,}$/);
    expect(run.out().split(first.token!).length - 1).toBe(1);
    const devices = await eventually(
      async () => {
        const { body } = await getJson<{ id: string; values: Record<string, unknown> }[]>(`${url}/api/devices`);
        const withValues = body.filter((d) => Object.keys(d.values).length > 0);
        return withValues.length === 3 ? withValues : undefined;
      },
      20_000,
      '3 simulated devices with values',
    );
    expect(devices.map((d) => d.id)).toEqual(['sim-001', 'sim-002', 'sim-003']);

    const stopAsked = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(Date.now() - stopAsked).toBeLessThan(5_000);

    const again = runVigil({ ...env, SIM_DEVICES: '0' });
    const second = await eventually(async () => banner(again.out()), 20_000, 'start line logged on restart');
    const url2 = second.url;
    expect(second).toMatchObject({ tokenSource: 'file', token: first.token });
    const kept = await getJson<{ id: string }[]>(`${url2}/api/devices`);
    expect(kept.body.map((d) => d.id)).toEqual(['sim-001', 'sim-002', 'sim-003']);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 60_000);

  it('never prints a token given in VIGIL_TOKEN', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-cli-env-'));
    dirs.push(dir);
    const token = 'operator-own-token-0123456789';
    const run = runVigil({
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      SQLITE_PATH: join(dir, 'vigil.db'),
      SIM_DEVICES: '0',
      VIGIL_TOKEN: token,
      LOG_LEVEL: 'info',
    });
    const line = await eventually(async () => banner(run.out()), 20_000, `start line logged (stderr: ${run.err()})`);
    expect(line.tokenSource).toBe('env');
    expect(line.token).toBeUndefined();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out() + run.err()).not.toContain(token);
  }, 30_000);
});
