/**
 * One Vigil per store: a lock file beside SQLITE_PATH holding the owner's pid. Two all-in-one
 * processes on one store would also fight over the embedded broker's client ids and evict each
 * other. A lock left by a process that is gone (kill -9, power loss) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export class InstanceLockedError extends Error {}

export interface InstanceLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function acquireInstanceLock(path: string, pid = process.pid): InstanceLock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        release() {
          if (ownerOf(path) === pid) unlinkSync(path);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerOf(path);
      if (owner !== undefined && owner !== pid && alive(owner)) {
        throw new InstanceLockedError(`another Vigil (pid ${owner}) already uses this store (lock ${path}); stop it or set SQLITE_PATH`);
      }
      // Stale (its process is gone) or unreadable: take it over.
      unlinkSync(path);
    }
  }
  throw new InstanceLockedError(`cannot take the lock ${path}`);
}
