/**
 * Build step (a Vite plugin, dashboard/vite.config.ts): writes `<file>.br` and `<file>.gz` beside
 * every compressible file of the build, at the highest levels, once, so the API serves them
 * without compressing per request (api/static-send.ts picks one by Accept-Encoding). Files that
 * would not shrink by at least a tenth keep no variant.
 */
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|webmanifest|txt|map)$/;
/** Smaller files gain less than the headers cost. */
const MIN_BYTES = 512;

export interface PrecompressResult {
  readonly file: string;
  readonly bytes: number;
  readonly br: number | null;
  readonly gzip: number | null;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Writes the variants for every file under `dir`; returns what it did, per file. */
export function precompressDir(dir: string): PrecompressResult[] {
  const results: PrecompressResult[] = [];
  for (const file of filesUnder(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const source = readFileSync(file);
    if (source.length < MIN_BYTES) continue;
    const br = brotliCompressSync(source, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
      },
    });
    const gz = gzipSync(source, { level: 9 });
    const written = { br: write(file, '.br', br, source.length), gzip: write(file, '.gz', gz, source.length) };
    results.push({ file, bytes: source.length, ...written });
  }
  return results;
}

/** Writes the variant when it saves at least 10%, with the original's mtime (the server checks it). */
function write(file: string, suffix: string, data: Buffer, original: number): number | null {
  if (data.length > original * 0.9) return null;
  writeFileSync(file + suffix, data);
  const { atime, mtime } = statSync(file);
  utimesSync(file + suffix, atime, mtime);
  return data.length;
}

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'vigil-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const results = precompressDir(outDir);
      const total = (pick: (r: PrecompressResult) => number) => results.reduce((sum, r) => sum + pick(r), 0);
      this.info(
        `precompressed ${results.length} files: ${total((r) => r.bytes)} B -> br ${total((r) => r.br ?? r.bytes)} B, gzip ${total((r) => r.gzip ?? r.bytes)} B`,
      );
    },
  };
}
