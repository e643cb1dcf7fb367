/**
 * Process entry for `npm start`, `npm run ingest` and `npm run api`: the config edge. The
 * environment is read here and nowhere else; a bad value stops the process with one line.
 */
import { parseConfig, type VigilConfig } from '../lib/config.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import type { Handle } from '../lib/lifecycle.ts';
import { start as startApi } from '../api/index.ts';
import { start as startIngest } from '../ingest/index.ts';
import { startVigil } from './main.ts';
import { InstanceLockedError } from '../lib/instance-lock.ts';
import { deviceAccessLine } from './device-access.ts';

export type Role = 'all' | 'ingest' | 'api';

type Env = Readonly<Record<string, string | undefined>>;

/** `prepare` runs once the config is known good (npm start builds the dashboard there). */
export async function main(role: Role, env: Env, prepare: () => void = () => undefined): Promise<void> {
  const parsed = parseConfig(env);
  if (!parsed.ok) {
    for (const line of parsed.errors) process.stderr.write(`vigil: config error: ${line}\n`);
    process.exit(2);
  }
  const config = parsed.config;
  try {
    prepare();
  } catch (err) {
    process.stderr.write(`vigil: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, name: `vigil-${role}` });
  const started = Date.now();
  let handle: Handle;
  try {
    handle = await startRole(role, config, logger);
  } catch (err) {
    process.stderr.write(`vigil: cannot start ${role}: ${(err as Error).message}\n`);
    process.exit(err instanceof InstanceLockedError ? 2 : 1);
  }
  logger.info({ ms: Date.now() - started }, `${role === 'all' ? 'Vigil' : role} is up`);
  stopOnSignals(handle, logger);
}

async function startRole(role: Role, config: VigilConfig, logger: Logger): Promise<Handle> {
  if (role === 'ingest') return startIngest(config, { logger });
  if (role === 'api') {
    const api = await startApi(config, { logger });
    announce(api.url, api.token, api.tokenSource);
    return api;
  }
  const vigil = await startVigil(config, { logger });
  announce(vigil.url, vigil.token, vigil.tokenSource);
  process.stdout.write(`  MQTT:      ${vigil.brokerUrl}${vigil.embeddedBroker ? ' (embedded)' : ''}\n`);
  if (vigil.deviceAccess) process.stdout.write(`  Devices:   ${deviceAccessLine(vigil.deviceAccess)}\n`);
  process.stdout.write(`  Store:     ${config.store.kind === 'sqlite' ? config.store.sqlitePath : config.store.influx.url}\n`);
  process.stdout.write(`  Simulator: ${config.simDevices > 0 ? `${config.simDevices} devices` : 'off'}\n\n`);
  return vigil;
}

function announce(url: string, token: string, source: string): void {
  process.stdout.write(`\nVigil is running at ${url}\n`);
  process.stdout.write(
    `  Operator token (${source === 'env' ? 'VIGIL_TOKEN' : source === 'file' ? 'kept beside the store' : 'new, kept beside the store'}): ${token}\n`,
  );
}

function stopOnSignals(handle: Handle, logger: Logger): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write('vigil: second signal, exiting now\n');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping');
    // Never hang a Ctrl-C: if a component will not stop in time, leave anyway.
    const timer = setTimeout(() => {
      process.stderr.write('vigil: stop took longer than 8 s, exiting\n');
      process.exit(1);
    }, 8_000);
    timer.unref();
    handle.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: Error) => {
        process.stderr.write(`vigil: error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
