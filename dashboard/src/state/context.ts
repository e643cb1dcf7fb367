import { createContext } from 'svelte';
import type { Alerts } from './alerts.svelte.ts';
import type { Devices } from './devices.svelte.ts';
import type { LiveStream } from './live.svelte.ts';
import type { Router } from './router.svelte.ts';
import type { Rules } from './rules.svelte.ts';
import type { Session } from './session.svelte.ts';
import type { Theme } from './theme.svelte.ts';

export interface AppState {
  readonly stream: LiveStream;
  readonly devices: Devices;
  readonly alerts: Alerts;
  readonly rules: Rules;
  readonly session: Session;
  readonly router: Router;
  readonly theme: Theme;
}

export const [getApp, setApp] = createContext<AppState>();
