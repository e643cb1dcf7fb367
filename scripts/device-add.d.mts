// Types for scripts/device-add.mjs (plain Node on purpose), so strict TypeScript tests can use it.
export declare const DEVICE_ID: RegExp;
export declare const RESERVED_PREFIX: string;
export declare const SERVICE_USERS: Readonly<{ ingest: string; api: string; health: string }>;
export declare const DEFAULT_PASSWD_FILE: string;
export declare const DEFAULT_ENV_FILE: string;
/** devices.passwd beside SQLITE_PATH (default: the env's SQLITE_PATH, else ./data/vigil.db). */
export declare function embeddedPasswdFile(sqlitePath?: string): string;
export declare const MIN_PASSWORD_LENGTH: number;
export declare const FLEET_SECRETS: readonly string[];

export declare function usernameError(id: string): string | null;
export declare function passwordError(password: string): string | null;
export declare function generatePassword(): string;
export declare function hashPassword(password: string, salt?: Buffer, iterations?: number): string;
export declare function verifyPassword(password: string, entry: string): boolean;
export declare function fleetIds(prefix: string, count: number): string[];
export declare function readPasswdFile(file: string): Map<string, string>;
export declare function writePasswdFile(file: string, users: Map<string, string>): void;
export declare function findMosquittoPasswd(): string | null;
export declare function parseGateway(value: string): string[];
/** Entries are [user, password] or [user, password, fields appended after the hash with `:`]. */
export declare function setPasswords(
  file: string,
  entries: ReadonlyArray<readonly [string, string] | readonly [string, string, string | undefined]>,
  hasher: string,
): void;
export declare function readEnvFile(file: string): { lines: string[]; values: Map<string, string> };
export declare function writeEnvFile(file: string, lines: readonly string[], updates: Map<string, string>): void;

export interface CliOptions {
  id: string | undefined;
  fleet: number | undefined;
  idPrefix: string;
  /** The Mosquitto password file; undefined when only --embedded-file was given. */
  file: string | undefined;
  /** The embedded broker's devices.passwd; undefined for --fleet or when only --file was given. */
  embeddedFile: string | undefined;
  envFile: string;
  password: string | undefined;
  passwordStdin: boolean;
  replace: boolean;
  /** --gateway: the sources a bridge may publish for any device (embedded broker). */
  gateway: string[] | undefined;
  hasher: 'auto' | 'mosquitto_passwd' | 'node';
  json: boolean;
  help: boolean;
}
export declare function parseCli(argv: readonly string[]): CliOptions;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): string;
}
/** Runs the command; returns the exit code (0, or 2 with one line on err). */
export declare function run(argv: readonly string[], io?: CliIo): number;
