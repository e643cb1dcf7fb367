/**
 * sourcesFor(config): the one place the source list is built. The native source comes first
 * when enabled; sources given by the caller follow as custom ones; a bad SOURCES name or an
 * unreadable SOURCES_FILE stops the start with one line per mistake.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type VigilConfig } from '../../../lib/config.ts';
import { sourcesFor } from '../../../ingest/sources.ts';
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
  it('runs the native source for SOURCES=all and SOURCES=vigil, test sources after it as custom', () => {
    for (const env of [{}, { SOURCES: 'vigil' }] as Record<string, string>[]) {
      const set = sourcesFor(config({ ...env, TOPIC_PREFIX: 'plant' }), [siteSource()]);
      expect(set.sources.map((s) => s.name)).toEqual(['vigil', 'site']);
      expect(set.sources[0]!.filters).toEqual(['plant/+/telemetry', 'plant/+/status']);
      expect(Object.fromEntries(set.kinds)).toEqual({ vigil: 'native', site: 'custom' });
    }
  });

  it('refuses names it does not know and a file it cannot read, one line each', () => {
    expect(() => sourcesFor(config({ SOURCES: 'vigil,nope,other', SOURCES_FILE: join(dir, 'missing.yaml') }))).toThrow(
      /^SOURCES names "nope".*\nSOURCES names "other".*\nSOURCES_FILE .*missing\.yaml cannot be read: ENOENT$/,
    );
  });

  it('reads SOURCES_FILE at start', async () => {
    const file = join(dir, 'sources.json');
    await writeFile(file, '[]');
    expect(sourcesFor(config({ SOURCES_FILE: file })).sources.map((s) => s.name)).toEqual(['vigil']);
  });

  it('refuses two sources of one name', () => {
    expect(() => sourcesFor(config(), [siteSource(), siteSource()])).toThrow('two sources are named "site"');
  });
});
