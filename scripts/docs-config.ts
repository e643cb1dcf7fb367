/**
 * `npm run docs:config`: writes README.md's configuration table from CONFIG_KEYS (lib/config.ts),
 * the one place defaults live. tests/unit/docs/readme.test.ts fails when the README drifts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_KEYS, type ConfigKey } from '../lib/config.ts';

export const TABLE_MARKER = '<!-- config table: generated from CONFIG_KEYS in lib/config.ts by `npm run docs:config` -->';

function defaultCell(key: ConfigKey): string {
  if (key.default !== undefined) return `\`${key.default}\``;
  return key.unset ?? 'none';
}

export function renderConfigTable(keys: readonly ConfigKey[] = CONFIG_KEYS): string {
  const rows = keys.map((k) => `| \`${k.name}\` | ${defaultCell(k)} | ${k.meaning.replaceAll('|', '\\|')} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The table as it stands in the README: the lines after the marker up to the first blank line. */
export function readmeConfigTable(readme: string): string | undefined {
  const at = readme.indexOf(`${TABLE_MARKER}\n`);
  if (at === -1) return undefined;
  const rest = readme.slice(at + TABLE_MARKER.length + 1);
  const end = rest.indexOf('\n\n');
  return end === -1 ? rest.trimEnd() : rest.slice(0, end);
}

/** The README with its table replaced by the rendered one; undefined when the marker is missing. */
export function withConfigTable(readme: string): string | undefined {
  const current = readmeConfigTable(readme);
  if (current === undefined) return undefined;
  const at = readme.indexOf(`${TABLE_MARKER}\n`) + TABLE_MARKER.length + 1;
  return `${readme.slice(0, at)}${renderConfigTable()}${readme.slice(at + current.length)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = join(import.meta.dirname, '..', 'README.md');
  const next = withConfigTable(readFileSync(path, 'utf8'));
  if (next === undefined) {
    console.error(`docs:config: README.md has no line ${TABLE_MARKER}`);
    process.exit(1);
  }
  writeFileSync(path, next);
  console.log('docs:config: README.md configuration table written from CONFIG_KEYS');
}
