/**
 * Picks the one ingest process that evaluates alerts. Every ingest publishes its counters once a
 * second, so each knows who is alive; the live instance with the smallest id leads. When the
 * leader stops reporting, the next smallest takes over within `ttlMs`.
 *
 * Ids compare as strings (`ingest-10` < `ingest-2`); an instance heard exactly `ttlMs` ago is
 * still alive. Two processes with the same INSTANCE_ID both lead, so ids must be unique. A clock
 * stepped back keeps the others alive longer by the size of the step, never shorter.
 */
export class LeaderElection {
  private readonly lastSeen = new Map<string, number>();

  constructor(
    readonly self: string,
    private readonly ttlMs = 3_500,
    private readonly now: () => number = Date.now,
  ) {}

  heard(instance: string): void {
    this.lastSeen.set(instance, this.now());
  }

  leader(): string {
    const cutoff = this.now() - this.ttlMs;
    let best = this.self;
    for (const [instance, at] of this.lastSeen) {
      if (at < cutoff) this.lastSeen.delete(instance);
      else if (instance < best) best = instance;
    }
    return best;
  }

  /** Live instances other than this one. */
  others(): number {
    this.leader();
    let n = 0;
    for (const instance of this.lastSeen.keys()) if (instance !== this.self) n++;
    return n;
  }

  isLeader(): boolean {
    return this.leader() === this.self;
  }
}
