import { describe, expect, it } from 'vitest';
import { insertPoint, sparkMetrics, sparkPath } from '../../../dashboard/src/lib/spark.ts';

describe('insertPoint', () => {
  it('keeps time order, replaces a point at the same ts and keeps only the newest', () => {
    let points = insertPoint([], [30, 3]);
    points = insertPoint(points, [10, 1]);
    points = insertPoint(points, [20, 2]);
    points = insertPoint(points, [20, 22]);
    expect(points).toEqual([
      [10, 1],
      [20, 22],
      [30, 3],
    ]);
    expect(insertPoint(points, [40, 4], 3)).toEqual([
      [20, 22],
      [30, 3],
      [40, 4],
    ]);
  });

  it('does not modify the array it was given', () => {
    const points = [[1, 1] as const];
    insertPoint(points, [2, 2]);
    expect(points).toEqual([[1, 1]]);
  });
});

describe('sparkPath', () => {
  it('scales time to x and value to y, highest value at the top', () => {
    expect(
      sparkPath(
        [
          [0, 0],
          [50, 10],
          [100, 5],
        ],
        100,
        20,
        0,
      ),
    ).toBe('M0,20L50,0L100,10');
  });

  it('draws a flat series through the middle and nothing for fewer than two points', () => {
    expect(
      sparkPath(
        [
          [0, 3],
          [10, 3],
        ],
        100,
        20,
      ),
    ).toBe('M0,10L100,10');
    expect(sparkPath([[0, 3]], 100, 20)).toBe('');
  });
});

describe('sparkMetrics', () => {
  it('picks the first two metrics by name', () => {
    expect(sparkMetrics({ voltage: 1, humidity: 2, temperature: 3 })).toEqual(['humidity', 'temperature']);
  });
});
