/**
 * `npm run simulate -- ARGS`: the process edge. Reads argv and env here and nowhere else, keeps
 * stdout for the JSON summary (its last line) and sends logs and the progress line to stderr.
 */
import { pino, type Logger } from 'pino';
import { LOG_LEVELS, type LogLevel } from '../lib/config.ts';
import { prettyDestination } from '../lib/logger.ts';
import { start, type SimulatorHandle } from './index.ts';
import { parseArgs, USAGE } from './options.ts';
import { startProgress } from './progress.ts';

function stderrLogger(level: LogLevel): Logger {
  const base = { level, name: 'simulate', base: undefined };
  const pretty = process.stderr.isTTY ? prettyDestination({ destination: 2 }) : undefined;
  return pino(base, pretty ?? pino.destination({ fd: 2, sync: true }));
}

function fail(message: string, code: number): number {
  process.stderr.write(`simulate: ${message}\n`);
  return code;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseArgs(argv, env);
  if (!parsed.ok) return fail(parsed.error, 2);
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const levelText = env['LOG_LEVEL']?.trim() || 'info';
  const level = LOG_LEVELS.find((l) => l === levelText);
  if (!level) return fail(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(levelText)})`, 2);
  const logger = stderrLogger(level);

  let handle: SimulatorHandle | undefined;
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted++;
    // A second Ctrl-C means "now": skip the graceful goodbye.
    if (interrupted > 1 || !handle) process.exit(signal === 'SIGINT' ? 130 : 143);
    void handle.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    handle = await start(parsed.options, logger);
  } catch (err) {
    return fail((err as Error).message, 1);
  }
  const stopProgress = startProgress(process.stderr, handle.stats);
  const summary = await handle.done;
  stopProgress();
  await handle.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}

/** Runs main and exits with its code once stdout has flushed (on a pipe, writes are asynchronous). */
export function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  main(argv, env).then(
    (code) => {
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`simulate: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
