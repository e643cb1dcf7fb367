/** The README is the one config table operators read: every key the schema knows must be in it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../../lib/config.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('shows npm start then npm test first', () => {
    const commands = [...readme.matchAll(/^```sh\n([\s\S]*?)```/gm)][0]?.[1]?.trim().split('\n');
    expect(commands?.slice(0, 2)).toEqual(['npm start', 'npm test']);
  });

  it.each(CONFIG_KEYS.map((k) => k.name))('documents %s in the configuration table', (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });
});
