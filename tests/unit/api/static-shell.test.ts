import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './harness.ts';
import { inject } from './inject.ts';

let dir: string;
let withShell: ApiHarness;
let withoutShell: ApiHarness;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-shell-'));
  const plain = join(dir, 'plain');
  const built = join(dir, 'built');
  for (const d of [plain, built]) {
    mkdirSync(d);
    writeFileSync(join(d, 'index.html'), '<title>index</title>');
  }
  writeFileSync(join(built, 'device.html'), '<title>device</title>');
  withShell = apiHarness({}, { dashboardDir: built });
  withoutShell = apiHarness({}, { dashboardDir: plain });
});

afterAll(async () => {
  await withShell?.close();
  await withoutShell?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the app shell', () => {
  it('is device.html (the device page preloaded) for a device page, index.html for every other route', async () => {
    for (const [path, title] of [
      ['/devices/dev-1', 'device'],
      ['/devices/sensor.kitchen.1', 'device'],
      ['/devices/dev-1/', 'device'],
      ['/', 'index'],
      ['/alerts', 'index'],
      ['/rules/r1', 'index'],
    ] as const) {
      const res = await inject(withShell.callback, { path });
      expect(res.status, path).toBe(200);
      expect(res.text, path).toBe(`<title>${title}</title>`);
    }
  });

  it('is index.html for a device page when the build has no device.html', async () => {
    const res = await inject(withoutShell.callback, { path: '/devices/dev-1' });
    expect(res.text).toBe('<title>index</title>');
  });
});
