/**
 * The access log of a live stream over real HTTP: one line when /api/stream opens, one when the
 * client leaves (with how long it stayed), and neither carries the query string.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startVigil, type VigilHandle } from '../../app/main.ts';
import { parseConfig } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { freePort } from '../helpers/ports.ts';
import { eventually } from '../helpers/vigil.ts';

const lineSchema = z.object({ msg: z.string(), component: z.string().optional(), path: z.string().optional() }).passthrough();

describe('access log of an SSE stream', () => {
  const lines: z.infer<typeof lineSchema>[] = [];
  const raw: string[] = [];
  let vigil: VigilHandle;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-access-'));
    const parsed = parseConfig({
      PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      SQLITE_PATH: join(dir, 'vigil.db'),
      SIM_DEVICES: '0',
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n').filter(Boolean)) {
          raw.push(text);
          const line = lineSchema.safeParse(JSON.parse(text));
          if (line.success) lines.push(line.data);
        }
        done();
      },
    });
    vigil = await startVigil(parsed.config, { logger: createLogger({ level: 'info', destination }) });
  });
  afterAll(async () => {
    await vigil?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs the stream opening and closing, without the query', async () => {
    const abort = new AbortController();
    const res = await fetch(`${vigil.url}/api/stream?lastEventId=secret-resume-id&events=alert`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const opened = await eventually(async () => lines.find((l) => l.msg === 'stream opened'));
    expect(opened).toMatchObject({ component: 'api', method: 'GET', path: '/api/stream', status: 200 });
    await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    const closed = await eventually(async () => lines.find((l) => l.msg === 'stream closed'));
    expect(closed).toMatchObject({ component: 'api', method: 'GET', path: '/api/stream', status: 200 });
    expect(closed['ms']).toEqual(expect.any(Number));
    expect(closed['ms'] as number).toBeGreaterThanOrEqual(100);
    expect(closed['bytes'] as number).toBeGreaterThan(0);
    expect(lines.filter((l) => l.msg === 'stream opened' || l.msg === 'stream closed')).toHaveLength(2);
    expect(raw.join('\n')).not.toContain('secret-resume-id');
  });
});
