import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { Alerts } from './state/alerts.svelte.ts';
import { Devices } from './state/devices.svelte.ts';
import { chartsWidthNow, historyPoints, historyPrefetch } from './state/history-prefetch.ts';
import { LiveStream } from './state/live.svelte.ts';
import { Router } from './state/router.svelte.ts';
import { Rules } from './state/rules.svelte.ts';
import { Session } from './state/session.svelte.ts';
import { Theme } from './state/theme.svelte.ts';
import { parseChartRange } from './lib/chart-range.ts';
import { matchRoute } from './lib/routes.ts';

const stream = new LiveStream();
const devices = new Devices(stream, () => session.staleAfterMs);
// Signing in can open a server whose reads were closed: fetch again and stop waiting out the backoff.
const session = new Session(() => {
  stream.retryNow();
  void devices.load();
  void alerts.load();
});
const alerts = new Alerts(stream, session);
const rules = new Rules(stream, session);
const router = new Router();
const theme = new Theme();

// Opened on a device page: its history is asked for at once, while its chunk loads (device.html
// preloads it with the entry), instead of after the chunk has loaded and run; the stream opens
// here already narrowed to the device. Issue 18.
const first = matchRoute(location.pathname);
if (first.name === 'device') {
  stream.setDevices([first.id]);
  stream.start();
  const points = historyPoints(chartsWidthNow());
  const range = parseChartRange(new URLSearchParams(location.search));
  historyPrefetch.start(stream, { device: first.id, range, points });
  // The same module promise App.svelte awaits; a failure is retried there.
  import('./pages/DevicePage.svelte').catch(() => undefined);
}

// Theme first, so the first paint already has the right colours.
theme.start();
router.start();
if (first.name !== 'device') stream.start();
void session.load();
// A page opened while the server was down learns STALE_AFTER and TOPIC_PREFIX once it is back.
stream.onResync(() => void (session.known ? undefined : session.load()));
devices.start();
alerts.start();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { app: { stream, devices, alerts, rules, session, router, theme } } });
