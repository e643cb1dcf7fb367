import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { LogLevel } from './config.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LogLevel;
  /** Pretty output for people at a terminal; JSON lines for everything else. */
  pretty?: boolean;
  name?: string;
  /** Where JSON lines go (tests); stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, name: options.name ?? 'vigil', base: undefined };
  if (options.destination) return pino(base, options.destination);
  const pretty = (options.pretty ?? process.stdout.isTTY === true) ? prettyDestination({}) : undefined;
  return pretty ? pino(base, pretty) : pino(base);
}

type Prettifier = (options: PrettyOptions) => DestinationStream;
let prettifier: Prettifier | null | undefined;

/**
 * pino-pretty's stream for a terminal, or undefined when pino-pretty is not installed: it is a
 * devDependency, absent from a production install (`npm ci --omit=dev`, the Docker image),
 * where the logs are JSON lines anyway. Loaded with require, not import, so its absence is an
 * exception to catch instead of a failed module graph.
 */
export function prettyDestination(options: PrettyOptions): DestinationStream | undefined {
  if (prettifier === undefined) {
    try {
      prettifier = createRequire(import.meta.url)('pino-pretty') as Prettifier;
    } catch {
      prettifier = null;
    }
  }
  return prettifier?.({ sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', ...options }) ?? undefined;
}

/** Each component logger's parent without a component, so nesting never binds `component` twice. */
const withoutComponent = new WeakMap<Logger, Logger>();

/**
 * A logger for one component. pino appends a child's bindings to its parent's, so a store opened
 * with the API's logger would write `"component":"api"` and `"component":"store"` on one line
 * (JSON readers keep one of the two, whichever they like). Here the child is made from the
 * nearest logger without a component, so each line has one: the innermost component's.
 */
export function componentLogger(parent: Logger, component: string): Logger {
  const base = withoutComponent.get(parent) ?? parent;
  const child = base.child({ component });
  withoutComponent.set(child, base);
  return child;
}

/** A logger that writes nothing: for tests and library callers that bring no logger. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Logs a message at most once per window per key and says how many were suppressed, so that a
 * device flooding bad payloads cannot flood the log (the counters in /metrics keep exact numbers).
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = 10_000,
    private readonly maxKeys = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.windowMs) {
      seen.suppressed += 1;
      return;
    }
    if (!seen && this.last.size >= this.maxKeys) this.last.clear();
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }
}
