import { describe, expect, it } from 'vitest';
import { formatMarkdown, formatTable, mb, ms, num, times, verdict } from '../../../bench/table.ts';

describe('formatTable', () => {
  it('aligns numbers right and text left under a rule, with notes below', () => {
    const text = formatTable({
      title: 'T',
      headers: ['path', 'readings/s'],
      rows: [
        ['Vigil', '12,000'],
        ['peer mosquitto_sub', '70,000'],
      ],
      notes: ['a note'],
    });
    expect(text.split('\n')).toEqual([
      'T',
      'path                readings/s',
      '------------------  ----------',
      'Vigil                   12,000',
      'peer mosquitto_sub      70,000',
      '  a note',
    ]);
  });

  it('right-aligns figures with units', () => {
    const text = formatTable({
      title: 'T',
      headers: ['p99', 'x'],
      rows: [
        ['9.5 ms', 'a'],
        ['1,234 ms', 'b'],
      ],
    });
    expect(text.split('\n').slice(3)).toEqual(['  9.5 ms  a', '1,234 ms  b']);
  });
});

describe('formatMarkdown', () => {
  it('renders a pipe table and escapes pipes in cells', () => {
    expect(formatMarkdown({ title: 'T', headers: ['a', 'b'], rows: [['1', 'x|y']] }).split('\n')).toEqual([
      '**T**',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | x\\|y |',
    ]);
  });
});

describe('number formatting', () => {
  it('formats counts, times, sizes and ratios', () => {
    expect(num(12_345.6)).toBe('12,346');
    expect(num(undefined)).toBe('–');
    expect(ms(3.14159)).toBe('3.1 ms');
    expect(ms(250.4)).toBe('250 ms');
    expect(mb(256 * 1_048_576)).toBe('256.0 MB');
    expect(times(0.54321)).toBe('0.54x');
    expect(times(Number.NaN)).toBe('–');
    expect([verdict(true), verdict(false), verdict(undefined)]).toEqual(['met', 'MISSED', '–']);
  });
});
