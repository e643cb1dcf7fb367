import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { deviceShell } from './device-shell.ts';
import { precompress } from './precompress.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
// The API the dev server forwards to; override when it runs elsewhere.
const api = process.env['VIGIL_API_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // deviceShell: device.html, index.html with the device page's chunks preloaded (api/static.ts).
  // precompress: .br and .gz beside each built file, served by the API by Accept-Encoding.
  plugins: [svelte(), deviceShell(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/metrics': { target: api, changeOrigin: true },
    },
  },
  preview: { host: '127.0.0.1' },
});
