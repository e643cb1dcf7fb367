import { describe, expect, it } from 'vitest';
import { isDashboardRoute } from '../../../api/static.ts';

describe('isDashboardRoute', () => {
  it('knows device pages for every id the SPEC allows, dots and colons included', () => {
    for (const path of [
      '/',
      '/alerts',
      '/rules',
      '/compare',
      '/devices/a.b.c',
      '/devices/sensor.kitchen.1',
      '/devices/gw:01-x_y',
      '/devices/a.b/',
    ]) {
      expect(isDashboardRoute(path), path).toBe(true);
    }
  });

  it('leaves asset paths and ids the SPEC forbids to be real 404s', () => {
    for (const path of ['/assets/index-123.js', '/favicon.png', '/devices/x/y.js', '/devices/.hidden', `/devices/${'a'.repeat(70)}.js`]) {
      expect(isDashboardRoute(path), path).toBe(false);
    }
  });
});
