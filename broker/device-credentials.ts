/**
 * Device credentials for the embedded broker: the password file `npm run device:add -- <id>`
 * writes beside the store (`devices.passwd`, mode 0600), one `id:$7$rounds$salt$hash` line per
 * device in Mosquitto 2's PBKDF2-SHA512 format, so the same line works in a Mosquitto password file.
 * A gateway's line ends in `:gateway=zigbee2mqtt,ttn`: the sources whose topics it may publish for
 * any device (broker/access.ts). Mosquitto 2 reads the hash up to that `:` and ignores the rest.
 *
 * The file is re-read when it changes: every CONNECT stats it (cheap) and reloads on a new mtime,
 * size or inode, so a device added while Vigil runs can connect at once. Verification runs
 * crypto.pbkdf2 on libuv's thread pool, never on the event loop, and compares in constant time;
 * a success is remembered for a minute so a reconnecting fleet does not redo PBKDF2 each time.
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface PasswdEntry {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** The file name beside SQLITE_PATH (scripts/device-add.mjs writes the same). */
export const DEVICES_PASSWD_FILE = 'devices.passwd';

export function devicesPasswdPath(sqlitePath: string): string {
  return join(dirname(sqlitePath), DEVICES_PASSWD_FILE);
}

/** mosquitto_passwd writes 101 rounds; far more would let one file line tie up the thread pool. */
const MAX_ITERATIONS = 1_000_000;
const HASH_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

/** One `$7$rounds$salt$hash` value, or null when it is not one (other Mosquitto formats included). */
export function parsePasswdEntry(value: string): PasswdEntry | null {
  const match = /^\$7\$(\d{1,7})\$([^$]+)\$([^$]+)$/.exec(value.trim());
  if (!match) return null;
  const iterations = Number(match[1]);
  const [salt, hash] = [match[2] ?? '', match[3] ?? ''];
  if (iterations < 1 || iterations > MAX_ITERATIONS || !BASE64.test(salt) || !BASE64.test(hash)) return null;
  const entry = { iterations, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  return entry.salt.length > 0 && entry.hash.length === HASH_BYTES ? entry : null;
}

export interface PasswdUser extends PasswdEntry {
  /** The sources this credential bridges (`gateway=`), empty for a device. */
  readonly gateway: readonly string[];
}

/** A source name as SOURCES and SOURCES_FILE spell it (lib/config.ts). */
const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The fields after the hash: only `gateway=name[,name…]`; null for anything else. */
function parseOptions(fields: readonly string[]): { gateway: string[] } | null {
  const gateway: string[] = [];
  for (const field of fields) {
    const match = /^gateway=(.+)$/.exec(field.trim());
    const names = match?.[1]?.split(',').map((n) => n.trim()) ?? [];
    if (names.length === 0 || !names.every((n) => SOURCE_NAME.test(n))) return null;
    gateway.push(...names);
  }
  return { gateway: [...new Set(gateway)] };
}

/** One line's value after `user:`: the `$7$` hash, then optional `:gateway=…`. */
export function parsePasswdUser(value: string): PasswdUser | null {
  const [hash = '', ...fields] = value.split(':');
  const entry = parsePasswdEntry(hash);
  const options = entry ? parseOptions(fields) : null;
  return entry && options ? { ...entry, gateway: options.gateway } : null;
}

export interface PasswdFile {
  readonly users: ReadonlyMap<string, PasswdUser>;
  /** Lines that are neither blank, a comment, nor a valid `user:$7$…` entry (logged, never fatal). */
  readonly badLines: number;
}

export function parsePasswdFile(text: string): PasswdFile {
  const users = new Map<string, PasswdUser>();
  let badLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf(':');
    const entry = at > 0 ? parsePasswdUser(line.slice(at + 1)) : null;
    if (entry) users.set(line.slice(0, at), entry);
    else badLines++;
  }
  return { users, badLines };
}

/** PBKDF2-SHA512 off the event loop, compared in constant time. */
export function verifyPassword(password: Buffer, entry: PasswdEntry): Promise<boolean> {
  return new Promise((resolve) => {
    pbkdf2(password, entry.salt, entry.iterations, entry.hash.length, 'sha512', (err, derived) => {
      resolve(!err && derived.length === entry.hash.length && timingSafeEqual(derived, entry.hash));
    });
  });
}

const digest = (password: Buffer) => createHash('sha256').update(password).digest();

interface Loaded {
  readonly key: string;
  readonly file: PasswdFile;
}

export interface CredentialsOptions {
  readonly now?: () => number;
  /** Told once per load that has lines it could not read. */
  readonly onBadLines?: (count: number, file: string) => void;
}

export class DeviceCredentials {
  private loaded: Loaded = { key: 'none', file: { users: new Map(), badLines: 0 } };
  private loading: Promise<void> | undefined;
  /** user -> digest of a password that verified against `entry`, until `until`. */
  private readonly verified = new Map<string, { entry: PasswdEntry; digest: Buffer; until: number }>();
  private readonly now: () => number;

  constructor(
    readonly file: string,
    private readonly options: CredentialsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Devices in the file as last read. */
  count(): number {
    return this.loaded.file.users.size;
  }

  /** Re-reads the file if it changed since the last look (a missing file is an empty one). */
  refresh(): Promise<void> {
    this.loading ??= this.reload().finally(() => (this.loading = undefined));
    return this.loading;
  }

  async check(username: string, password: Buffer | undefined): Promise<boolean> {
    return (await this.signIn(username, password)) !== null;
  }

  /** The user's line when the password is right (its `gateway` sources with it), else null. */
  async signIn(username: string, password: Buffer | undefined): Promise<PasswdUser | null> {
    if (password === undefined || password.length === 0) return null;
    await this.refresh();
    const entry = this.loaded.file.users.get(username);
    if (!entry) return null;
    const given = digest(password);
    const cached = this.verified.get(username);
    if (cached && cached.entry === entry && cached.until > this.now() && timingSafeEqual(cached.digest, given)) return entry;
    if (!(await verifyPassword(password, entry))) return null;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(username, { entry, digest: given, until: this.now() + CACHE_MS });
    return entry;
  }

  private async reload(): Promise<void> {
    let key: string;
    try {
      const s = await stat(this.file);
      key = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      key = 'none';
    }
    if (key === this.loaded.key) return;
    let text = '';
    try {
      if (key !== 'none') text = await readFile(this.file, 'utf8');
    } catch {
      // Gone between stat and read: treat as empty; the next CONNECT looks again.
      key = 'none';
    }
    const file = parsePasswdFile(text);
    if (file.badLines > 0) this.options.onBadLines?.(file.badLines, this.file);
    this.loaded = { key, file };
  }
}
