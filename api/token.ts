import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VigilConfig } from '../lib/config.ts';

/**
 * The operator token: VIGIL_TOKEN when given; otherwise the one kept beside the store (mode
 * 0600), generated on first start so a restart keeps signed-in dashboards working.
 */
export function resolveToken(config: VigilConfig): { token: string; source: 'env' | 'file' | 'generated'; path: string } {
  const path = join(dirname(config.store.sqlitePath), 'vigil.token');
  if (config.token) return { token: config.token, source: 'env', path };
  try {
    const kept = readFileSync(path, 'utf8').trim();
    if (kept.length >= 16) return { token: kept, source: 'file', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`cannot read the operator token at ${path}: ${(err as Error).message}`);
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process (an ingest or API started at the same moment) wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveToken(config);
    throw new Error(`cannot write the operator token to ${path}: ${(err as Error).message}`);
  }
  return { token, source: 'generated', path };
}

/** Constant-time comparison, so response timing says nothing about how much of a guess was right. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export { isLoopbackHost } from '../lib/net.ts';
