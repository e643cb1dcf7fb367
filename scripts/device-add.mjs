#!/usr/bin/env node
// `npm run device:add -- <device-id>` and `npm run device:add -- --fleet N`: broker credentials
// for the embedded broker of `npm start` (devices.passwd beside SQLITE_PATH) and for the docker
// compose deployment's Mosquitto (docs/deploy.md). Plain Node, no npm deps: it runs on an
// operator's machine before anything is installed. (The env file flag is --compose-env, not
// --env-file: Node 20 takes --env-file for itself even after the script name.)
import { randomBytes, pbkdf2Sync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The spec's device id pattern; also what keeps `%u` in ACL patterns inside one topic level. */
export const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** Service users live under this prefix, so a device can never take over one of their names. */
export const RESERVED_PREFIX = 'vigil-';
export const SERVICE_USERS = Object.freeze({ ingest: 'vigil-ingest', api: 'vigil-api', health: 'vigil-health' });
export const DEFAULT_PASSWD_FILE = join(root, 'deploy', 'mosquitto', 'passwd');
export const DEFAULT_ENV_FILE = join(root, '.env');
/** What the embedded broker reads (broker/device-credentials.ts): devices.passwd beside the store. */
export function embeddedPasswdFile(sqlitePath = process.env.SQLITE_PATH || './data/vigil.db') {
  return join(dirname(resolve(sqlitePath)), 'devices.passwd');
}
export const MIN_PASSWORD_LENGTH = 12;
/** A source name as SOURCES spells it; `--gateway` takes a comma-separated list of them. */
const SOURCE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** mosquitto_passwd's defaults in Mosquitto 2: PBKDF2-SHA512, 101 rounds, 12-byte salt. */
const PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;

/**
 * The secrets `--fleet` keeps in the env file docker compose reads. Values already there are
 * reused, so running it again re-creates the same password file instead of locking services out.
 */
export const FLEET_SECRETS = Object.freeze([
  'MQTT_INGEST_PASSWORD',
  'MQTT_API_PASSWORD',
  'MQTT_HEALTH_PASSWORD',
  'SIM_DEVICE_PASSWORD',
  'INFLUX_ADMIN_PASSWORD',
  'INFLUX_TOKEN',
  'VIGIL_TOKEN',
]);

/** Why `id` cannot be a device's broker user name, or null when it can. */
export function usernameError(id) {
  if (typeof id !== 'string' || !DEVICE_ID.test(id)) {
    return `device id ${JSON.stringify(id)} is not allowed: 1-64 letters, digits, _ . : - starting with a letter or digit (no "/", "+", "#" or spaces, which would escape %u in the broker's ACL)`;
  }
  if (id.includes(':')) {
    return `device id ${JSON.stringify(id)} contains ":", which Vigil allows but a Mosquitto password file cannot hold (it separates user and hash); pick an id without ":"`;
  }
  if (id.startsWith(RESERVED_PREFIX))
    return `device id ${JSON.stringify(id)} starts with "${RESERVED_PREFIX}", which is reserved for Vigil's service users`;
  return null;
}

export function passwordError(password) {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH)
    return `the password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'the password must have at most 1024 characters';
  // The env file and mosquitto_passwd are line-based; a control character would corrupt either.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
  if (/[\u0000-\u001f\u007f]/.test(password)) return 'the password must not contain control characters or newlines';
  return null;
}

/**
 * 192 random bits, URL-safe base64: no ":" (password file), "$" (compose) or quotes (env file);
 * never a leading "-", which CLIs such as mosquitto_pub -P would read as an option.
 */
export function generatePassword() {
  for (;;) {
    const password = randomBytes(24).toString('base64url');
    if (/^[A-Za-z0-9]/.test(password)) return password;
  }
}

/** A password-file line value in Mosquitto 2's `$7$` format, the same mosquitto_passwd writes. */
export function hashPassword(password, salt = randomBytes(SALT_BYTES), iterations = PBKDF2_ITERATIONS) {
  const hash = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** True when `password` matches a `$7$` entry, flags after it (`:gateway=…`) aside (used by tests and for a quick self-check). */
export function verifyPassword(password, entry) {
  const hash = entry.split(':')[0];
  const match = /^\$7\$(\d+)\$([^$]+)\$([^$]+)$/.exec(hash);
  if (!match) return false;
  return hashPassword(password, Buffer.from(match[2], 'base64'), Number(match[1])) === hash;
}

/** Device ids exactly as the simulator names them: prefix and index padded to at least 3 digits. */
export function fleetIds(prefix, count) {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/** user -> hash, in file order. */
export function readPasswdFile(file) {
  const users = new Map();
  if (!existsSync(file)) return users;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) users.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return users;
}

/** Write-then-rename, so a crash never leaves the broker a half-written password file. */
function writeAtomic(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

export function writePasswdFile(file, users) {
  writeAtomic(file, [...users].map(([user, hash]) => `${user}:${hash}\n`).join(''));
}

export function findMosquittoPasswd() {
  const known = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'].map((dir) => join(dir, 'mosquitto_passwd'));
  const found = known.find((path) => existsSync(path));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v mosquitto_passwd'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/** `--gateway zigbee2mqtt,ttn` as the sources it names, or throws one line. */
export function parseGateway(value) {
  const names = [...new Set(value.split(',').map((n) => n.trim()))];
  const bad = names.filter((n) => !SOURCE_NAME.test(n));
  if (bad.length > 0 || names.length === 0)
    throw new Error(`--gateway takes source names, comma-separated (e.g. zigbee2mqtt,ttn); not ${JSON.stringify(bad[0] ?? value)}`);
  return names;
}

/**
 * Adds or replaces users. An entry's third element is appended to the line with `:` (the embedded
 * broker's `gateway=…`; Mosquitto 2 ignores what follows the hash). mosquitto_passwd -b puts the
 * password on its command line, visible to other local users in `ps` for a moment; the built-in
 * hasher avoids that and writes the same format.
 */
export function setPasswords(file, entries, hasher) {
  if (hasher === 'node') {
    const users = readPasswdFile(file);
    for (const [user, password, fields] of entries)
      users.set(user, fields ? `${hashPassword(password)}:${fields}` : hashPassword(password));
    writePasswdFile(file, users);
    return;
  }
  if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
  for (const [user, password] of entries) {
    const result = spawnSync(hasher, ['-b', file, user, password], { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(
        `mosquitto_passwd failed for ${user}: ${(result.error?.message ?? result.stderr ?? '').trim() || `exit ${result.status}`}`,
      );
    }
  }
  chmodSync(file, 0o600);
}

/** KEY=VALUE lines; comments and other lines are kept as they are when the file is rewritten. */
export function readEnvFile(file) {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  if (lines.at(-1) === '') lines.pop();
  const values = new Map();
  for (const line of lines) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) values.set(match[1], match[2].trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  return { lines, values };
}

export function writeEnvFile(file, lines, updates) {
  const out = [...lines];
  for (const [key, value] of updates) {
    const at = out.findIndex((line) => new RegExp(`^\\s*${key}=`).test(line));
    if (at === -1) out.push(`${key}=${value}`);
    else out[at] = `${key}=${value}`;
  }
  writeAtomic(file, `${out.join('\n')}\n`);
}

const USAGE = `Usage:
  npm run device:add -- <device-id> [--password PW | --password-stdin] [--replace] [--gateway SOURCES] [--file PATH] [--embedded-file PATH] [--json]
  npm run device:add -- --fleet N [--id-prefix sim-] [--file PATH] [--compose-env PATH] [--json]

Adds a device's MQTT credentials to the embedded broker's password file (devices.passwd beside
SQLITE_PATH, default data/devices.passwd; npm start reads it at the device's next connect, no
restart) and to the Mosquitto password file (default deploy/mosquitto/passwd). Give --file or
--embedded-file to write only that one. The user name is the device id; either broker lets it
publish under devices/<id>/, and the embedded broker also on any device source's topic that names
that id (tele/<id>/SENSOR, zigbee2mqtt/<id>, ...). A generated password is printed once; only its
hash is kept.

--fleet N writes the service users (vigil-ingest, vigil-api, vigil-health) and the simulator's
devices sim-001..sim-N, which share one password, and keeps every generated secret docker compose
needs in an env file (--compose-env, default .env beside docker-compose.yml, mode 0600).
Secrets already in that file are reused.
--fleet 0 writes the service users only.

  --password PW       use PW instead of a generated password (stays in your shell history)
  --password-stdin    read the password from standard input
  --replace           give an existing user a new password (otherwise an existing user is refused)
  --gateway SOURCES   a bridge (zigbee2mqtt, ttn, telegraf, ...) whose one connection carries many
                      devices: the embedded broker lets it publish those sources' topics for any
                      device (docs/security.md); give it again with --replace to keep it
  --hasher NAME       auto (default), mosquitto_passwd or node (built-in PBKDF2-SHA512, same format)
  --json              print one JSON object instead of text
Apply changes with: docker compose restart mosquitto`;

export function parseCli(argv) {
  const opts = {
    id: undefined,
    fleet: undefined,
    idPrefix: 'sim-',
    file: undefined,
    embeddedFile: undefined,
    envFile: DEFAULT_ENV_FILE,
    password: undefined,
    passwordStdin: false,
    replace: false,
    gateway: undefined,
    hasher: 'auto',
    json: false,
    help: false,
  };
  const valueAfter = (flag, i) => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--help':
      case '-h':
        opts.help = true;
        break;
      case '--fleet': {
        const value = valueAfter(arg, i++);
        if (!/^\d{1,5}$/.test(value) || Number(value) > 10_000)
          throw new Error(`--fleet must be a whole number from 0 to 10000 (got ${JSON.stringify(value)})`);
        opts.fleet = Number(value);
        break;
      }
      case '--id-prefix':
        opts.idPrefix = valueAfter(arg, i++);
        break;
      case '--file':
        opts.file = resolve(valueAfter(arg, i++));
        break;
      case '--embedded-file':
        opts.embeddedFile = resolve(valueAfter(arg, i++));
        break;
      case '--compose-env':
        opts.envFile = resolve(valueAfter(arg, i++));
        break;
      case '--password':
        opts.password = valueAfter(arg, i++);
        break;
      case '--password-stdin':
        opts.passwordStdin = true;
        break;
      case '--replace':
        opts.replace = true;
        break;
      case '--json':
        opts.json = true;
        break;
      case '--gateway':
        opts.gateway = parseGateway(valueAfter(arg, i++));
        break;
      case '--hasher': {
        const value = valueAfter(arg, i++);
        if (!['auto', 'mosquitto_passwd', 'node'].includes(value))
          throw new Error(`--hasher must be auto, mosquitto_passwd or node (got ${JSON.stringify(value)})`);
        opts.hasher = value;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (see --help)`);
        if (opts.id !== undefined) throw new Error(`one device id at a time (got ${JSON.stringify(opts.id)} and ${JSON.stringify(arg)})`);
        opts.id = arg;
    }
  }
  if (opts.help) return opts;
  if (opts.fleet !== undefined && opts.embeddedFile !== undefined)
    throw new Error('--fleet writes the compose password file only, not --embedded-file');
  // Neither target named: a single device goes to both brokers, a fleet to compose's Mosquitto.
  if (opts.file === undefined && opts.embeddedFile === undefined) {
    opts.file = DEFAULT_PASSWD_FILE;
    if (opts.fleet === undefined) opts.embeddedFile = embeddedPasswdFile();
  }
  if ((opts.id === undefined) === (opts.fleet === undefined)) throw new Error('give either one device id or --fleet N (see --help)');
  if (opts.fleet !== undefined && (opts.password !== undefined || opts.passwordStdin || opts.replace || opts.gateway)) {
    throw new Error('--password, --password-stdin, --replace and --gateway apply to one device, not to --fleet');
  }
  if (opts.password !== undefined && opts.passwordStdin) throw new Error('give --password or --password-stdin, not both');
  return opts;
}

function resolveHasher(choice, preferExternal) {
  if (choice === 'node') return 'node';
  const found = findMosquittoPasswd();
  if (choice === 'mosquitto_passwd') {
    if (!found) throw new Error('mosquitto_passwd is not installed (Debian: apt-get install mosquitto); use --hasher node');
    return found;
  }
  return preferExternal && found ? found : 'node';
}

function describeHasher(hasher) {
  return hasher === 'node' ? 'hashed by device-add (PBKDF2-SHA512, the $7$ format of mosquitto_passwd)' : `hashed with ${hasher}`;
}

function addDevice(opts, readStdin) {
  const error = usernameError(opts.id);
  if (error) throw new Error(error);
  const targets = [opts.embeddedFile, opts.file].filter((file) => file !== undefined);
  const holding = targets.filter((file) => readPasswdFile(file).has(opts.id));
  if (holding.length > 0 && !opts.replace)
    throw new Error(`${opts.id} already has credentials in ${holding.join(' and ')}; use --replace to give it a new password`);
  const given = opts.passwordStdin ? readStdin().replace(/\r?\n$/, '') : opts.password;
  if (given !== undefined) {
    const bad = passwordError(given);
    if (bad) throw new Error(bad);
  }
  const password = given ?? generatePassword();
  // The embedded broker's file is always hashed here (same $7$ format); Mosquitto's with its own
  // tool when that is installed.
  // Only the embedded broker reads `gateway=`; Mosquitto's ACL says what a bridge may do there.
  const fields = opts.gateway ? `gateway=${opts.gateway.join(',')}` : undefined;
  if (opts.embeddedFile !== undefined) setPasswords(opts.embeddedFile, [[opts.id, password, fields]], 'node');
  const hasher = opts.file !== undefined ? resolveHasher(opts.hasher, true) : 'node';
  if (opts.file !== undefined) setPasswords(opts.file, [[opts.id, password]], hasher);
  return {
    file: opts.file,
    embeddedFile: opts.embeddedFile,
    hasher,
    username: opts.id,
    gateway: opts.gateway ?? [],
    password: given === undefined ? password : undefined,
    replaced: holding.length > 0,
  };
}

function addFleet(opts) {
  const ids = fleetIds(opts.idPrefix, opts.fleet);
  for (const id of ids.slice(0, 1).concat(ids.slice(-1))) {
    const error = usernameError(id);
    if (error) throw new Error(`--id-prefix ${JSON.stringify(opts.idPrefix)} makes an id that cannot be used: ${error}`);
  }
  const env = readEnvFile(opts.envFile);
  const generated = [];
  const secrets = new Map();
  for (const key of FLEET_SECRETS) {
    const kept = env.values.get(key);
    if (kept) secrets.set(key, kept);
    else {
      secrets.set(key, generatePassword());
      generated.push(key);
    }
  }
  const entries = [
    [SERVICE_USERS.ingest, secrets.get('MQTT_INGEST_PASSWORD')],
    [SERVICE_USERS.api, secrets.get('MQTT_API_PASSWORD')],
    [SERVICE_USERS.health, secrets.get('MQTT_HEALTH_PASSWORD')],
    ...ids.map((id) => [id, secrets.get('SIM_DEVICE_PASSWORD')]),
  ];
  // Thousands of mosquitto_passwd runs would each rewrite the whole file; one write does it.
  const hasher = resolveHasher(opts.hasher, false);
  setPasswords(opts.file, entries, hasher);
  const updates = new Map([
    ...generated.map((key) => [key, secrets.get(key)]),
    ['SIM_DEVICES', String(opts.fleet)],
    ['SIM_ID_PREFIX', opts.idPrefix],
  ]);
  writeEnvFile(opts.envFile, env.lines, updates);
  return {
    file: opts.file,
    envFile: opts.envFile,
    hasher,
    users: entries.map(([user]) => user),
    generated,
    kept: FLEET_SECRETS.filter((key) => !generated.includes(key)),
  };
}

export function run(
  argv,
  io = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text), readStdin: () => readFileSync(0, 'utf8') },
) {
  let opts;
  try {
    opts = parseCli(argv);
    if (opts.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (opts.fleet !== undefined) {
      const result = addFleet(opts);
      if (opts.json) io.out(`${JSON.stringify(result)}\n`);
      else {
        io.out(`Wrote ${result.users.length} users to ${result.file} (${describeHasher(result.hasher)}):\n`);
        io.out(`  services: ${result.users.slice(0, 3).join(', ')}\n`);
        if (opts.fleet > 0) io.out(`  devices:  ${result.users[3]} .. ${result.users.at(-1)} (one shared password, SIM_DEVICE_PASSWORD)\n`);
        io.out(`Secrets for docker compose are in ${result.envFile} (mode 0600)`);
        io.out(result.generated.length > 0 ? `; new: ${result.generated.join(', ')}` : '; all reused');
        io.out('\nNext: docker compose up (or docker compose restart mosquitto if it is running)\n');
      }
      return 0;
    }
    const result = addDevice(opts, io.readStdin);
    if (opts.json) io.out(`${JSON.stringify(result)}\n`);
    else {
      const files = [result.embeddedFile, result.file].filter((file) => file !== undefined).join(' and ');
      io.out(
        `${result.replaced ? 'Replaced the password of' : 'Added'} device ${result.username} in ${files} (${describeHasher(result.hasher)})\n`,
      );
      io.out(`  username / client id: ${result.username}\n`);
      if (result.password !== undefined) io.out(`  password:             ${result.password}\n`);
      io.out(`  may publish to:       devices/${result.username}/telemetry, devices/${result.username}/status\n`);
      if (result.embeddedFile !== undefined) {
        io.out(
          `                        and (npm start) any device source's topic for ${result.username}, e.g. tele/${result.username}/SENSOR\n`,
        );
        if (result.gateway.length > 0) io.out(`  gateway for:          ${result.gateway.join(', ')} (their topics, for any device)\n`);
      }
      if (result.password !== undefined) io.out('This is the only time the password is shown: the broker keeps only its hash.\n');
      if (result.embeddedFile !== undefined) io.out("The embedded broker (npm start) takes it at the device's next connect.\n");
      if (result.file !== undefined) io.out('For docker compose apply it with: docker compose restart mosquitto\n');
    }
    return 0;
  } catch (err) {
    io.err(`device:add: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = run(process.argv.slice(2));
}
