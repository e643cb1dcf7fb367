/**
 * Group commit: the embedded broker hands ingest the messages of many device connections, and
 * several of them are often waiting in the same event-loop turn. Each would pay a whole commit;
 * queued here, they are committed in ONE appendSync on setImmediate (after every socket read of
 * the turn has been handled), and each message's promise settles only after that commit, so its
 * QoS 1 acknowledgement still follows its readings being durable.
 *
 * When a group's commit fails nothing of it was stored (one transaction) and nothing is
 * released: each message is then committed alone, so one that cannot be stored fails only
 * itself (acknowledgeAfter holds and retries it) and the others are acknowledged.
 */
import type { TelemetryEntry } from '../domain/reading.ts';
import type { DurableSink } from '../store/port.ts';

interface Waiting {
  readonly entries: readonly TelemetryEntry[];
  readonly receivedAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export interface GroupCommitStats {
  /** Commits made, and the messages they carried. */
  commits: number;
  messages: number;
}

export class GroupCommit {
  readonly stats: GroupCommitStats = { commits: 0, messages: 0 };
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly sink: DurableSink) {}

  /** Resolves once the entries are durable; rejects with the store's error when they are not. */
  append(entries: readonly TelemetryEntry[], receivedAt: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entries, receivedAt, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  private commit(): void {
    const group = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (group.length === 1) {
      this.alone(group[0]!);
      return;
    }
    const entries: TelemetryEntry[] = [];
    // The latest arrival in the group: receivedAt only moves last_seen, which keeps the newest.
    let receivedAt = 0;
    for (const w of group) {
      for (const e of w.entries) entries.push(e);
      if (w.receivedAt > receivedAt) receivedAt = w.receivedAt;
    }
    try {
      this.sink.appendSync(entries, receivedAt);
    } catch {
      for (const w of group) this.alone(w);
      return;
    }
    this.stats.commits++;
    this.stats.messages += group.length;
    for (const w of group) w.resolve();
  }

  private alone(w: Waiting): void {
    try {
      this.sink.appendSync(w.entries, w.receivedAt);
    } catch (err) {
      w.reject(err);
      return;
    }
    this.stats.commits++;
    this.stats.messages++;
    w.resolve();
  }
}
