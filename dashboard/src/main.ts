import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { Devices } from './state/devices.svelte.ts';
import { LiveStream } from './state/live.svelte.ts';
import { Router } from './state/router.svelte.ts';
import { Theme } from './state/theme.svelte.ts';

const stream = new LiveStream();
const devices = new Devices(stream);
const router = new Router();
const theme = new Theme();

// Theme first, so the first paint already has the right colours.
theme.start();
router.start();
stream.start();
devices.start();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { app: { stream, devices, router, theme } } });
