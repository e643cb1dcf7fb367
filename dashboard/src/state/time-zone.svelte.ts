import { setUtc, zoneName } from '../lib/time.ts';

const KEY = 'vigil.utc';

/**
 * Whether times show in UTC or the browser's zone: one choice for the whole page, kept in
 * localStorage. Charts read `zone` so a toggle redraws their axes.
 */
class TimeZoneChoice {
  utc = $state(false);
  readonly zone: string = $derived(this.utc ? 'UTC' : zoneName());

  constructor() {
    try {
      this.utc = localStorage.getItem(KEY) === '1';
    } catch {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    setUtc(this.utc);
  }

  set(utc: boolean): void {
    setUtc(utc);
    this.utc = utc;
    try {
      localStorage.setItem(KEY, utc ? '1' : '0');
    } catch {
      // As above.
    }
  }
}

export const timeZone = new TimeZoneChoice();
