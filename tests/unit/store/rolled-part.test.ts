/** Which part of a history range the InfluxDB store reads from its rollups (store/influx/reads.ts). */
import { describe, expect, it } from 'vitest';
import { rolledPart } from '../../../store/influx/reads.ts';

const M = 60_000;

describe('rolledPart', () => {
  it('reads the whole rolled minutes inside the range from the rollups and the edges raw', () => {
    expect(rolledPart(10 * M + 5, 20 * M + 7, 2 * M, { since: 0, until: 100 * M })).toEqual({
      raw: [
        [10 * M + 5, 11 * M - 1],
        [20 * M, 20 * M + 7],
      ],
      rollup: [11 * M, 20 * M - 1],
    });
  });

  it('keeps minutes outside the rolled range raw', () => {
    expect(rolledPart(0, 30 * M - 1, M, { since: 5 * M, until: 12 * M })).toEqual({
      raw: [
        [0, 5 * M - 1],
        [12 * M, 30 * M - 1],
      ],
      rollup: [5 * M, 12 * M - 1],
    });
  });

  it('reads everything raw for a step that is not whole minutes, nothing rolled, or no whole rolled minute', () => {
    const all = { raw: [[0, 10 * M]], rollup: undefined };
    expect(rolledPart(0, 10 * M, 90_000, { since: 0, until: 100 * M })).toEqual(all);
    expect(rolledPart(0, 10 * M, M, undefined)).toEqual(all);
    expect(rolledPart(0, 10 * M, M, { since: 20 * M, until: 30 * M })).toEqual(all);
    expect(rolledPart(M + 1, 2 * M - 1, M, { since: 0, until: 30 * M })).toEqual({ raw: [[M + 1, 2 * M - 1]], rollup: undefined });
  });

  it('takes a range ending on the last ms of a minute whole', () => {
    expect(rolledPart(M, 3 * M - 1, M, { since: 0, until: 30 * M })).toEqual({ raw: [], rollup: [M, 3 * M - 1] });
  });
});
