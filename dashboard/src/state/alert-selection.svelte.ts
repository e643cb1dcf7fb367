import type { Alert } from '../lib/api.ts';
import type { Alerts } from './alerts.svelte.ts';
import { SignInCancelled } from './session.svelte.ts';

/** The alarm table's checkboxes and its "acknowledge selected" action with an optional note. */
export class AlertSelection {
  selected = $state.raw<ReadonlySet<string>>(new Set());
  note = $state('');
  busy = $state(false);
  error = $state<string | null>(null);
  /** What the last bulk acknowledge did, for a polite status line. */
  outcome = $state<string | null>(null);

  has(id: string): boolean {
    return this.selected.has(id);
  }

  toggle(id: string, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(id);
    else next.delete(id);
    this.selected = next;
  }

  /** Selects every unacknowledged alert shown, or clears the selection if all of them already are. */
  toggleAll(shown: readonly Alert[]): void {
    const open = shown.filter((a) => !a.acknowledged).map((a) => a.id);
    this.selected = open.every((id) => this.selected.has(id)) ? new Set() : new Set(open);
  }

  /** Drops ids no longer shown or already acknowledged, so the count never promises more than it does. */
  prune(shown: readonly Alert[]): ReadonlySet<string> {
    const open = new Set(shown.filter((a) => !a.acknowledged).map((a) => a.id));
    return new Set([...this.selected].filter((id) => open.has(id)));
  }

  async acknowledge(alerts: Alerts, shown: readonly Alert[]): Promise<void> {
    const ids = [...this.prune(shown)];
    if (ids.length === 0) return;
    this.busy = true;
    this.error = null;
    this.outcome = null;
    try {
      const result = await alerts.acknowledgeMany(ids, this.note);
      const parts = [`${result.acknowledged.length} acknowledged`];
      if (result.alreadyAcknowledged.length > 0) parts.push(`${result.alreadyAcknowledged.length} already were`);
      if (result.notFound.length > 0) parts.push(`${result.notFound.length} not found`);
      this.outcome = parts.join(', ');
      this.selected = new Set();
      this.note = '';
    } catch (err) {
      if (!(err instanceof SignInCancelled)) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }
}
