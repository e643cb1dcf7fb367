/**
 * Every process folder exposes `start(config) -> Handle`. A handle's stop() is idempotent and a
 * start that fails half-way unwinds, in reverse order, whatever it had already opened.
 */
export interface Handle {
  stop(): Promise<void>;
}

export type Cleanup = () => unknown;

/** Makes a stop function safe to call many times and from several places at once. */
export function idempotent(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}

/**
 * Collects cleanups as resources open, and runs them last-opened-first.
 * Errors in one cleanup do not keep the others from running; the first is rethrown at the end.
 */
export class Resources {
  private readonly cleanups: Cleanup[] = [];

  defer(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** Opens a resource and registers its cleanup in one step. */
  async open<T>(opening: Promise<T> | T, cleanup: (value: T) => unknown): Promise<T> {
    const value = await opening;
    this.defer(() => cleanup(value));
    return value;
  }

  async release(): Promise<void> {
    let first: unknown;
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop()!;
      try {
        await cleanup();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}

/**
 * Runs `body` with a fresh Resources; if it throws, everything it opened is released before the
 * error propagates. On success the returned handle's stop() releases them (once).
 */
export async function startWith<T extends object>(body: (resources: Resources) => Promise<T>): Promise<T & Handle> {
  const resources = new Resources();
  let value: T;
  try {
    value = await body(resources);
  } catch (err) {
    await resources.release().catch(() => undefined);
    throw err;
  }
  return Object.assign(value, { stop: idempotent(() => resources.release()) });
}
