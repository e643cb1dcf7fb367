/**
 * Shared by the deploy tests: the repo's deployment files, the device:add script run as a real
 * process, and `docker-compose config` resolved to JSON.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEPLOY = join(ROOT, 'deploy');
export const MOSQUITTO_CONF = join(DEPLOY, 'mosquitto', 'mosquitto.conf');
export const MOSQUITTO_ACL = join(DEPLOY, 'mosquitto', 'acl');
export const MOSQUITTO_START = join(DEPLOY, 'mosquitto', 'start.sh');
export const INFLUX_INIT = join(DEPLOY, 'influxdb', 'init', '10-vigil-dbrp.sh');
export const NGINX_CONF = join(DEPLOY, 'nginx', 'nginx.conf');
export const DEVICE_ADD = join(ROOT, 'scripts', 'device-add.mjs');

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run device:add -- ARGS`, minus npm: the same script in its own process. */
export function deviceAdd(args: readonly string[], input?: string): Ran {
  const result = spawnSync(process.execPath, [DEVICE_ADD, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface FleetResult {
  readonly file: string;
  readonly envFile: string;
  readonly users: string[];
  readonly generated: string[];
  readonly kept: string[];
}

export interface DeviceResult {
  readonly file: string;
  readonly username: string;
  readonly password?: string;
  readonly hasher: string;
  readonly replaced: boolean;
}

export function parseJsonLine<T>(ran: Ran): T {
  if (ran.status !== 0) throw new Error(`device:add exited ${ran.status}: ${ran.stderr}`);
  return JSON.parse(ran.stdout) as T;
}

export interface ComposeHealthcheck {
  readonly test?: string[] | string;
  readonly disable?: boolean;
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile?: string };
  readonly command?: string[];
  readonly container_name?: string;
  readonly ports?: ReadonlyArray<{ readonly published?: number | string; readonly target: number }>;
  readonly environment?: Readonly<Record<string, string | null>>;
  readonly healthcheck?: ComposeHealthcheck;
  readonly restart?: string;
  /** docker-compose 1.29 prints short syntax: `source:target[:mode]`. */
  readonly volumes?: readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
}

export interface ComposeConfig {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
}

export interface ComposeRun extends Ran {
  readonly config: ComposeConfig | undefined;
}

/**
 * `docker-compose config` with the secrets of `envFile` (compose's own interpolation, as `up`
 * does it), turned into JSON by the PyYAML that docker-compose itself runs on.
 */
export function composeConfig(
  envFile: string,
  extraArgs: readonly string[] = [],
  files: readonly string[] = ['docker-compose.yml'],
): ComposeRun {
  // Only PATH and HOME from our environment: a secret exported in the shell would otherwise
  // override the env file and hide a naming mismatch.
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
  const fileArgs = files.flatMap((file) => ['-f', file]);
  const validated = spawnSync('docker-compose', ['--env-file', envFile, ...fileArgs, 'config', ...extraArgs], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (validated.error) throw new Error(`could not run docker-compose: ${validated.error.message}`);
  let config: ComposeConfig | undefined;
  if (validated.status === 0 && !extraArgs.includes('-q')) {
    const toJson = spawnSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], {
      input: validated.stdout,
      encoding: 'utf8',
    });
    if (toJson.status !== 0) throw new Error(`could not read docker-compose config output as YAML: ${toJson.stderr}`);
    config = JSON.parse(toJson.stdout) as ComposeConfig;
  }
  return { status: validated.status, stdout: validated.stdout, stderr: validated.stderr, config };
}

export function service(config: ComposeConfig | undefined, name: string): ComposeService {
  const found = config?.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export function mounts(svc: ComposeService): Mount[] {
  return (svc.volumes ?? []).map((spec) => {
    const [source = '', target = '', mode = 'rw'] = spec.split(':');
    return { source, target, readOnly: mode === 'ro' };
  });
}

/** `KEY=VALUE` lines of an env file. */
export function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) values.set(match[1], match[2]);
  }
  return values;
}
