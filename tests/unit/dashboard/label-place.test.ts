import { describe, expect, it } from 'vitest';
import { crossings, placeLabel, type LabelInput, type Pt } from '../../../dashboard/src/lib/label-place.ts';

// 6 px per character, 12 px tall, like the chart's 11px system-ui near enough.
const measure = (text: string) => text.length * 6;
const area = { left: 40, right: 390, top: 10, bottom: 210 };
const flat = (y: number, from = 40, to = 390): Pt[] => Array.from({ length: 36 }, (_, i) => ({ x: from + ((to - from) * i) / 35, y }));
const input = (over: Partial<LabelInput>): LabelInput => ({
  area,
  anchorY: 100,
  sides: ['above', 'below'],
  texts: ['Overheating 40', '40'],
  measure,
  height: 12,
  lines: [],
  ...over,
});

describe('threshold label placement', () => {
  it('keeps the right end above the line when nothing is there', () => {
    const spot = placeLabel(input({ lines: [flat(180)] }));
    expect(spot).toMatchObject({ text: 'Overheating 40', align: 'right', baseline: 'bottom', x: 386, y: 98, crossings: 0 });
  });

  it('moves below the line when the data run just above it at the right', () => {
    // A rising line that reaches the threshold's row at the right end, from above.
    const spot = placeLabel(input({ lines: [flat(92)] }));
    expect(spot).toMatchObject({ align: 'right', baseline: 'top', crossings: 0 });
  });

  it('goes to the left end when the data rise through the label spots at the right', () => {
    // The temperature climbs from 150 to 40 px over the right half: it crosses the line there.
    const rising: Pt[] = Array.from({ length: 30 }, (_, i) => ({ x: 215 + i * 6, y: 150 - i * 4 }));
    const spot = placeLabel(input({ lines: [flat(150, 40, 215), rising] }));
    expect(spot).toMatchObject({ text: 'Overheating 40', align: 'left', crossings: 0 });
  });

  it('keeps only the value on a chart too narrow for the name clear of the data', () => {
    const narrow = { left: 40, right: 140, top: 10, bottom: 210 };
    // Data wander around the line everywhere except a strip at the far right.
    const zigzag: Pt[] = Array.from({ length: 14 }, (_, i) => ({ x: 40 + i * 5, y: i % 2 ? 80 : 120 }));
    const spot = placeLabel(input({ area: narrow, lines: [zigzag] }));
    expect(spot).toMatchObject({ text: '40', align: 'right', crossings: 0 });
  });

  it('takes the spot crossed least when none is clear', () => {
    const everywhere: Pt[] = Array.from({ length: 71 }, (_, i) => ({ x: 40 + i * 5, y: i % 2 ? 80 : 120 }));
    const spot = placeLabel(input({ lines: [everywhere] }));
    expect(spot.crossings).toBeGreaterThan(0);
    expect(spot.box.top).toBeGreaterThanOrEqual(area.top);
  });

  it('stays inside the plot: a line near the top is labelled below it', () => {
    const spot = placeLabel(input({ anchorY: 14, lines: [flat(180)] }));
    expect(spot).toMatchObject({ baseline: 'top', crossings: 0 });
  });

  it('names a limit off the axis inside the edge it lies beyond', () => {
    const spot = placeLabel(
      input({ anchorY: area.top, sides: ['below'], texts: ['↑ Overheating 40', '↑ 40'], lines: [flat(16, 215, 390)] }),
    );
    expect(spot).toMatchObject({ text: '↑ Overheating 40', align: 'left', baseline: 'top', y: 12, crossings: 0 });
  });
});

describe('crossings', () => {
  const box = { left: 10, right: 20, top: 10, bottom: 20 };
  it('counts segments through the box, not those beside it, and lone points in it', () => {
    expect(
      crossings(box, [
        [
          { x: 0, y: 15 },
          { x: 30, y: 15 },
        ],
      ]),
    ).toBe(1);
    expect(
      crossings(box, [
        [
          { x: 0, y: 0 },
          { x: 30, y: 30 },
        ],
      ]),
    ).toBe(1);
    expect(
      crossings(box, [
        [
          { x: 0, y: 25 },
          { x: 30, y: 25 },
        ],
      ]),
    ).toBe(0);
    expect(crossings(box, [[{ x: 0, y: 15 }, null, { x: 15, y: 15 }, null]])).toBe(1);
    expect(crossings(box, [[{ x: 0, y: 15 }, null, { x: 30, y: 15 }]])).toBe(0);
  });
});
