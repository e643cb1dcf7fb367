/** The README is the one config table operators read; it is generated from CONFIG_KEYS and must not drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../../lib/config.ts';
import { readmeConfigTable, renderConfigTable, withConfigTable } from '../../../scripts/docs-config.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('shows npm start then npm test first', () => {
    const commands = [...readme.matchAll(/^```sh\n([\s\S]*?)```/gm)][0]?.[1]?.trim().split('\n');
    expect(commands?.slice(0, 2)).toEqual(['npm start', 'npm test']);
  });

  it('has the configuration table generated from CONFIG_KEYS (run `npm run docs:config` after changing lib/config.ts)', () => {
    expect(readmeConfigTable(readme)).toBe(renderConfigTable());
  });

  it.each(CONFIG_KEYS.map((k) => k.name))('documents %s in the configuration table', (name) => {
    expect(readmeConfigTable(readme)).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });
});

describe('docs:config', () => {
  const marker = '<!-- config table: generated from CONFIG_KEYS in lib/config.ts by `npm run docs:config` -->';

  it('replaces a drifted table and leaves the text around it alone', () => {
    const stale = `# x\n\n${marker}\n| variable | default | meaning |\n|---|---|---|\n| \`PORT\` | \`9999\` | old |\n\nafter\n`;
    const next = withConfigTable(stale);
    expect(next).toBe(`# x\n\n${marker}\n${renderConfigTable()}\n\nafter\n`);
    expect(withConfigTable(next ?? '')).toBe(next);
  });

  it('shows literal defaults as code and the meaning of unset otherwise', () => {
    const table = renderConfigTable([
      { name: 'PORT', default: '8080', meaning: 'a | b' },
      { name: 'INSTANCE_ID', unset: 'the host name', meaning: 'm' },
    ]);
    expect(table.split('\n').slice(2)).toEqual(['| `PORT` | `8080` | a \\| b |', '| `INSTANCE_ID` | the host name | m |']);
  });

  it('finds no table without the marker', () => {
    expect(withConfigTable('| variable | default | meaning |\n')).toBeUndefined();
  });
});
