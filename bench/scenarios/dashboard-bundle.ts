/**
 * What the dashboard costs a browser in bytes: the JavaScript a view loads, gzipped (zlib's
 * default level, what a compressing proxy in front of the API would send) and brotli'd.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export interface BundleSize {
  readonly files: readonly string[];
  readonly rawBytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

export function sizeOf(paths: readonly string[]): BundleSize {
  let rawBytes = 0;
  let gzipBytes = 0;
  let brotliBytes = 0;
  for (const path of paths) {
    const content = readFileSync(path);
    rawBytes += content.length;
    gzipBytes += gzipSync(content).length;
    brotliBytes += brotliCompressSync(content).length;
  }
  return { files: paths.map((p) => p.split('/').slice(-2).join('/')), rawBytes, gzipBytes, brotliBytes };
}

/** The entry script and modulepreloads index.html names: what every first view loads before anything else. */
export function entryScripts(distDir: string): string[] {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const out: string[] = [];
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) out.push(m[1]!);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) out.push(m[1]!);
  return out.map((url) => join(distDir, url.replace(/^\//, '')));
}

/** A script URL the browser loaded -> its file in dist, or undefined if it is not one of ours. */
export function distFileOf(distDir: string, url: string): string | undefined {
  const path = new URL(url).pathname;
  return path.startsWith('/assets/') && path.endsWith('.js') ? join(distDir, path.slice(1)) : undefined;
}
