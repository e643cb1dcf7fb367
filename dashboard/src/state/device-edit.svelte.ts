import { api, ApiError, type DeviceView } from '../lib/api.ts';
import { formatLabels, parseLabels, type DeviceItem } from '../lib/devices.ts';
import { SignInCancelled, type Session } from './session.svelte.ts';

/**
 * The device page's "edit name, labels and units" form: a draft of the registry entry, saved with
 * PUT /api/devices/:id. An empty name or unit clears it, so the discovered value shows again.
 */
export class DeviceEdit {
  open = $state(false);
  name = $state('');
  labels = $state('');
  units = $state<Record<string, string>>({});
  saving = $state(false);
  error = $state<string | null>(null);

  begin(device: DeviceItem): void {
    this.name = device.name ?? '';
    this.labels = formatLabels(device.labels);
    const units: Record<string, string> = {};
    for (const metric of [...new Set([...Object.keys(device.values), ...Object.keys(device.units)])].sort())
      units[metric] = device.units[metric] ?? '';
    this.units = units;
    this.error = null;
    this.open = true;
  }

  cancel(): void {
    this.open = false;
    this.error = null;
  }

  /** Resolves to the saved view, or null when it was not saved (the error says why). */
  async save(session: Session, id: string): Promise<DeviceView | null> {
    const parsed = parseLabels(this.labels);
    if ('error' in parsed) {
      this.error = parsed.error;
      return null;
    }
    const units = Object.fromEntries(Object.entries(this.units).flatMap(([m, u]) => (u.trim() === '' ? [] : [[m, u.trim()]])));
    const name = this.name.trim();
    this.saving = true;
    this.error = null;
    try {
      const view = await session.asOperator('Sign in to edit this device.', () =>
        api.updateDevice(id, {
          name: name === '' ? null : name,
          labels: Object.keys(parsed.labels).length > 0 ? parsed.labels : null,
          units: Object.keys(units).length > 0 ? units : null,
        }),
      );
      this.open = false;
      return view;
    } catch (err) {
      if (!(err instanceof SignInCancelled)) this.error = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      this.saving = false;
    }
  }
}
