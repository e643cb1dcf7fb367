/**
 * Which device sources this ingest runs, built once from config at start (SPEC "Device sources").
 * This is the one place the list is made: the built-in presets (SOURCES) and the custom sources
 * of SOURCES_FILE join the native `vigil` source here, through sources/'s tryBuildSources and
 * parseSourcesFile. Everything downstream (the router, subscriptions, counters, /api/sources)
 * takes whatever list this returns.
 */
import { readFileSync } from 'node:fs';
import type { VigilConfig } from '../lib/config.ts';
import { isPresetName, parseSourcesFile, suggestPreset, tryBuildSources, type CustomSourceSpec } from '../sources/index.ts';
import type { Source } from '../sources/types.ts';

/** How /api/sources tells sources apart. */
export type SourceKind = 'native' | 'preset' | 'custom';

export interface SourceSet {
  readonly sources: readonly Source[];
  readonly kinds: ReadonlyMap<string, SourceKind>;
  /** The preset a topic and payload look like, for /api/sources/unmatched; absent when none is known. */
  readonly suggest?: (topic: string, payload: Uint8Array) => string | null;
}

/**
 * The sources of this config, then `extra` (tests add their own, as custom sources). Throws one
 * line per mistake (an unknown name in SOURCES, an unreadable or invalid SOURCES_FILE), so start
 * fails fast.
 */
export function sourcesFor(config: VigilConfig, extra: readonly Source[] = []): SourceSet {
  const { enabled, file } = config.sources;
  const errors: string[] = [];
  const custom = file === undefined ? [] : readSourcesFile(file, errors);
  const built = tryBuildSources({ prefix: config.topicPrefix, enabled, custom });
  if (!built.ok) errors.push(...built.errors);
  if (errors.length > 0 || !built.ok) throw new Error(errors.join('\n'));
  const sources: Source[] = [];
  const kinds = new Map<string, SourceKind>();
  for (const source of [...built.sources, ...extra]) {
    if (kinds.has(source.name)) throw new Error(`two sources are named "${source.name}"`);
    sources.push(source);
    kinds.set(source.name, source.name === 'vigil' ? 'native' : isPresetName(source.name) ? 'preset' : 'custom');
  }
  return { sources, kinds, suggest: suggestPreset };
}

/** The custom sources of SOURCES_FILE, or nothing with one error line per mistake. */
function readSourcesFile(path: string, errors: string[]): CustomSourceSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    errors.push(`SOURCES_FILE ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return [];
  }
  const parsed = parseSourcesFile(text, path);
  if (!parsed.ok) {
    errors.push(...parsed.errors.map((line) => `SOURCES_FILE ${line}`));
    return [];
  }
  return parsed.sources;
}
