import { describe, expect, it } from 'vitest';
import { chooseEncoding } from '../../../api/encoding.ts';
import { entityTag, notModified } from '../../../api/static-send.ts';

describe('chooseEncoding', () => {
  it.each([
    ['br, gzip', ['br', 'gzip'], 'br'],
    ['gzip, br', ['br', 'gzip'], 'br'],
    ['gzip;q=1, br;q=0.8', ['br', 'gzip'], 'gzip'],
    ['GZIP', ['br', 'gzip'], 'gzip'],
    ['x-gzip', ['br', 'gzip'], 'gzip'],
    ['br', ['gzip'], null],
    ['*;q=0.5', ['gzip'], 'gzip'],
    ['*, br;q=0', ['br', 'gzip'], 'gzip'],
    ['identity', ['br', 'gzip'], null],
    ['deflate', ['br', 'gzip'], null],
    ['br;q=0', ['br', 'gzip'], null],
    [undefined, ['br', 'gzip'], null],
    ['br;q=nonsense', ['br', 'gzip'], 'br'],
  ] as const)('%j with %j available picks %s', (header, available, expected) => {
    expect(chooseEncoding(header, available)).toBe(expected);
  });
});

describe('conditional requests', () => {
  const info = { size: 1_000, mtimeMs: Date.parse('2026-01-01T10:00:00.750Z') };
  const etag = entityTag(info, 'br');

  it('tags each representation apart', () => {
    expect(new Set([entityTag(info, 'br'), entityTag(info, 'gzip'), entityTag(info, null)]).size).toBe(3);
    expect(entityTag({ ...info, mtimeMs: info.mtimeMs + 1_000 }, 'br')).not.toBe(etag);
  });

  it.each([
    [etag, '', true],
    [`W/${etag}`, '', true],
    [`"a", ${etag}`, '', true],
    ['*', '', true],
    ['"other"', '', false],
    // If-None-Match wins over a matching date.
    ['"other"', 'Thu, 01 Jan 2026 10:00:00 GMT', false],
    ['', 'Thu, 01 Jan 2026 10:00:00 GMT', true],
    ['', 'Thu, 01 Jan 2026 11:00:00 GMT', true],
    ['', 'Thu, 01 Jan 2026 09:59:59 GMT', false],
    ['', 'not a date', false],
    ['', '', false],
  ])('If-None-Match %j, If-Modified-Since %j: not modified = %s', (inm, ims, expected) => {
    expect(notModified(inm, ims, etag, info.mtimeMs)).toBe(expected);
  });
});
