/**
 * What ingest's reports (vigil/stats/ingest) say about health, for /api/health in a separate
 * API process as much as in the all-in-one.
 *
 * Store: whether the store is taking ingest's writes, which `SELECT 1` cannot tell: a full disk or a
 * refusing InfluxDB still answers pings. Judged from ingest's own reports (vigil/stats/ingest,
 * every second, from every ingest process, the all-in-one's included): a process holding
 * messages it could not store, whose store errors grew since its last report, or whose backend
 * is blocked, means writes are failing now. A report newer than the failing one that shows none
 * of that means they recovered.
 */
import type { IngestSnapshot } from '../bus/ingest-stats.ts';

/** Reports older than this are from an ingest that stopped; they say nothing about now. */
const FRESH_MS = 10_000;

interface Seen {
  readonly receivedAt: number;
  readonly failing: string | null;
  readonly storeErrors: number;
  readonly writeErrors: number;
  readonly takeovers: number;
  /** When this instance's session takeover count last grew. */
  readonly takenOverAt: number;
}

/** How long after a takeover was last reported the broker check fails (as lib/mqtt.ts does in-process). */
const TAKEOVER_REPORT_MS = 10_000;

export class IngestHealth {
  private readonly instances = new Map<string, Seen>();

  constructor(private readonly now: () => number = Date.now) {}

  record(snapshot: IngestSnapshot): void {
    const before = this.instances.get(snapshot.instance);
    const writeErrors = Object.values(snapshot.store.writeErrors).reduce((a, b) => a + b, 0);
    let failing: string | null = null;
    if (snapshot.store.blockedBy) failing = `the store refuses writes: ${snapshot.store.blockedBy}`;
    else if (snapshot.unacked > 0) failing = `ingest ${snapshot.instance} holds ${snapshot.unacked} message(s) it could not store`;
    else if (before && snapshot.storeErrors > before.storeErrors) failing = `ingest ${snapshot.instance} store writes are failing`;
    else if (before && writeErrors > before.writeErrors && snapshot.store.unackedReadings > 0)
      failing = `the store backend is refusing writes (${writeErrors - before.writeErrors} errors)`;
    const takeovers = snapshot.sessionTakeovers ?? 0;
    const takenOverAt = before && takeovers > before.takeovers ? this.now() : (before?.takenOverAt ?? 0);
    this.instances.set(snapshot.instance, {
      receivedAt: this.now(),
      failing,
      storeErrors: snapshot.storeErrors,
      writeErrors,
      takeovers,
      takenOverAt,
    });
  }

  /** Which ingest's MQTT session another client took recently, or null. */
  takenOver(): string | null {
    const now = this.now();
    for (const [instance, seen] of this.instances)
      if (now - seen.takenOverAt < TAKEOVER_REPORT_MS) return `another client took over ingest ${instance}'s MQTT session`;
    return null;
  }

  /** Why the store's writes are failing now, or null when no fresh report says they are. */
  failing(): string | null {
    const cutoff = this.now() - FRESH_MS;
    for (const [instance, seen] of this.instances) {
      if (seen.receivedAt < cutoff) this.instances.delete(instance);
      else if (seen.failing) return seen.failing;
    }
    return null;
  }
}
