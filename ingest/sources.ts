/**
 * Which device sources this ingest runs, built once from config at start (SPEC "Device sources").
 * This is the one place the list is made: the built-in presets (SOURCES) and the custom sources
 * of SOURCES_FILE join the native `vigil` source here, through sources/'s buildSources and
 * parseSourcesFile. Everything downstream (the router, subscriptions, counters, /api/sources)
 * takes whatever list this returns.
 */
import { readFileSync } from 'node:fs';
import type { VigilConfig } from '../lib/config.ts';
import type { Source } from '../sources/types.ts';
import { vigilSource } from '../sources/vigil.ts';

/** How /api/sources tells sources apart. */
export type SourceKind = 'native' | 'preset' | 'custom';

export interface SourceSet {
  readonly sources: readonly Source[];
  readonly kinds: ReadonlyMap<string, SourceKind>;
  /** The preset a topic and payload look like, for /api/sources/unmatched; absent when none is known. */
  readonly suggest?: (topic: string, payload: Uint8Array) => string | null;
}

/** Sources SOURCES may name today. */
const KNOWN_SOURCES: readonly string[] = ['vigil'];

/**
 * The sources of this config, then `extra` (tests add their own, as custom sources). Throws one
 * line per mistake (an unknown name in SOURCES, an unreadable SOURCES_FILE), so start fails fast.
 */
export function sourcesFor(config: VigilConfig, extra: readonly Source[] = []): SourceSet {
  const { enabled, file } = config.sources;
  const errors: string[] = [];
  if (enabled !== 'all') {
    for (const name of enabled)
      if (!KNOWN_SOURCES.includes(name)) errors.push(`SOURCES names "${name}", expected one of ${KNOWN_SOURCES.join(', ')}`);
  }
  if (file !== undefined) readSourcesFile(file, errors);
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const sources: Source[] = [];
  const kinds = new Map<string, SourceKind>();
  if (enabled === 'all' || enabled.includes('vigil')) {
    sources.push(vigilSource(config.topicPrefix));
    kinds.set('vigil', 'native');
  }
  for (const source of extra) {
    if (kinds.has(source.name)) throw new Error(`two sources are named "${source.name}"`);
    sources.push(source);
    kinds.set(source.name, 'custom');
  }
  return { sources, kinds };
}

/** The file's text; its content is validated by parseSourcesFile where the source formats are known. */
function readSourcesFile(path: string, errors: string[]): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    errors.push(`SOURCES_FILE ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return '';
  }
}
