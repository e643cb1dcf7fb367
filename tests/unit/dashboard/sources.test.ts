import { describe, expect, it } from 'vitest';
import type { RejectedMessage } from '../../../dashboard/src/lib/api.ts';
import { reasonCounts } from '../../../dashboard/src/lib/sources.ts';

const rejected = (reason: string): RejectedMessage => ({ ts: 1, topic: 't', device: null, reason, payload: '' });

describe('sources page', () => {
  it('counts rejected messages per reason, most first, ties by name', () => {
    const list = ['invalid_json', 'no_values', 'invalid_json', 'bad_metric'].map(rejected);
    expect(reasonCounts(list)).toEqual([
      ['invalid_json', 2],
      ['bad_metric', 1],
      ['no_values', 1],
    ]);
    expect(reasonCounts([])).toEqual([]);
  });
});
