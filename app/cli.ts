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
import { announce, type BannerFacts } from './banner.ts';
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
    handle = await startRole(role, config, logger, (facts) =>
      announce(facts, {
        tty: process.stdout.isTTY === true,
        stderr: (text) => process.stderr.write(text),
        // Its own info-level logger: LOG_LEVEL=warn must not hide where Vigil runs.
        logger: createLogger({ level: 'info', pretty: false, name: `vigil-${role}` }),
      }),
    );
  } catch (err) {
    process.stderr.write(`vigil: cannot start ${role}: ${(err as Error).message}\n`);
    process.exit(err instanceof InstanceLockedError ? 2 : 1);
  }
  logger.info({ ms: Date.now() - started }, `${role === 'all' ? 'Vigil' : role} is up`);
  stopOnSignals(handle, logger);
}

async function startRole(role: Role, config: VigilConfig, logger: Logger, show: (facts: BannerFacts) => void): Promise<Handle> {
  if (role === 'ingest') return startIngest(config, { logger });
  if (role === 'api') {
    const api = await startApi(config, { logger });
    show({ role, url: api.url, token: api.token, tokenSource: api.tokenSource });
    return api;
  }
  const vigil = await startVigil(config, { logger });
  show({
    role,
    url: vigil.url,
    token: vigil.token,
    tokenSource: vigil.tokenSource,
    broker: { url: vigil.brokerUrl, embedded: vigil.embeddedBroker },
    store: config.store.kind === 'sqlite' ? config.store.sqlitePath : config.store.influx.url,
    simulator: config.simDevices,
    ...(vigil.deviceAccess ? { devices: deviceAccessLine(vigil.deviceAccess) } : {}),
  });
  return vigil;
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
