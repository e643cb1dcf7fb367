import type { StoreStats, WriteErrorClass } from './port.ts';

/** The mutable side of StoreStats, kept by each store and copied out by stats(). */
export class StatsRecorder {
  unackedReadings = 0;
  spooledRows = 0;
  readingsWritten = 0;
  droppedOutsideRetention = 0;
  droppedByBackend = 0;
  blockedBy: string | null = null;
  private readonly errors: Record<WriteErrorClass, number> = {
    partial: 0,
    transient: 0,
    timeout: 0,
    permanent: 0,
    too_large: 0,
    no_database: 0,
  };
  private latency = { count: 0, sumMs: 0, maxMs: 0 };

  writeError(kind: WriteErrorClass): void {
    this.errors[kind]++;
  }

  timed(ms: number): void {
    this.latency = { count: this.latency.count + 1, sumMs: this.latency.sumMs + ms, maxMs: Math.max(this.latency.maxMs, ms) };
  }

  snapshot(): StoreStats {
    return {
      unackedReadings: this.unackedReadings,
      spooledRows: this.spooledRows,
      readingsWritten: this.readingsWritten,
      droppedOutsideRetention: this.droppedOutsideRetention,
      droppedByBackend: this.droppedByBackend,
      writeErrors: { ...this.errors },
      writeLatency: { ...this.latency },
      blockedBy: this.blockedBy,
    };
  }
}
