/**
 * sourcesFor(config): the one place the source list is built. The native source comes first
 * when enabled, then the presets SOURCES names (all by default), then SOURCES_FILE's custom
 * sources, then sources given by the caller; a bad SOURCES name or a bad SOURCES_FILE stops the
 * start with one line per mistake.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type VigilConfig } from '../../../lib/config.ts';
import { sourcesFor } from '../../../ingest/sources.ts';
import { PRESET_NAMES } from '../../../sources/index.ts';
import { siteSource } from '../../helpers/test-source.ts';

function config(env: Record<string, string> = {}): VigilConfig {
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-sources-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sourcesFor', () => {
  it('runs the native source and every preset by default, test sources after them as custom', () => {
    const set = sourcesFor(config({ TOPIC_PREFIX: 'plant' }), [siteSource()]);
    expect(set.sources.map((s) => s.name)).toEqual(['vigil', ...PRESET_NAMES, 'site']);
    expect(set.sources[0]!.filters).toEqual(['plant/+/telemetry', 'plant/+/status']);
    expect(set.kinds.get('vigil')).toBe('native');
    expect(set.kinds.get('tasmota')).toBe('preset');
    expect(set.kinds.get('site')).toBe('custom');
    expect(set.suggest?.('tele/plug-1/SENSOR', Buffer.from('{"ENERGY":{"Power":5}}'))).toBe('tasmota');
  });

  it('runs only what SOURCES names: vigil alone is the strict native format', () => {
    expect(sourcesFor(config({ SOURCES: 'vigil' })).sources.map((s) => s.name)).toEqual(['vigil']);
    expect(sourcesFor(config({ SOURCES: 'esphome,tasmota' })).sources.map((s) => s.name)).toEqual(['tasmota', 'esphome']);
  });

  it('refuses names it does not know and a file it cannot read, one line each', () => {
    expect(() => sourcesFor(config({ SOURCES: 'vigil,nope,other', SOURCES_FILE: join(dir, 'missing.yaml') }))).toThrow(
      /^SOURCES_FILE .*missing\.yaml cannot be read: ENOENT\nSOURCES: unknown source "nope".*\nSOURCES: unknown source "other"/,
    );
  });

  it('reads SOURCES_FILE at start, custom sources after the presets, and names each mistake', async () => {
    const file = join(dir, 'sources.json');
    await writeFile(file, JSON.stringify([{ name: 'plant-env', topic: 'site/{device}/env/{metric}', format: 'value' }]));
    const names = sourcesFor(config({ SOURCES: 'vigil', SOURCES_FILE: file })).sources.map((s) => s.name);
    expect(names).toEqual(['vigil', 'plant-env']);
    expect(sourcesFor(config({ SOURCES: 'vigil', SOURCES_FILE: file })).kinds.get('plant-env')).toBe('custom');
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, '- name: x\n  topic: a/{device}\n  format: xml\n- topic: b/{device}\n  format: json\n');
    let message = '';
    try {
      sourcesFor(config({ SOURCES_FILE: bad }));
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^SOURCES_FILE .*bad\.yaml/);
  });

  it('refuses two sources of one name', () => {
    expect(() => sourcesFor(config(), [siteSource(), siteSource()])).toThrow('two sources are named "site"');
  });
});
