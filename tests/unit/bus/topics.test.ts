import { describe, expect, it } from 'vitest';
import { BUS } from '../../../bus/index.ts';
import { VIGIL_TOPICS } from '../../../bus/topics.ts';
import { parseDeviceTopic } from '../../../domain/topics.ts';

describe('Vigil topics', () => {
  it('keeps Vigil topics outside any device prefix wildcard', () => {
    for (const topic of Object.values(VIGIL_TOPICS)) {
      expect(topic.startsWith('vigil/')).toBe(true);
      expect(parseDeviceTopic('devices', topic).ok).toBe(false);
    }
  });

  it('has one kind per topic, each under 1 MiB', () => {
    expect(
      Object.values(BUS)
        .map((k) => k.topic)
        .sort(),
    ).toEqual(Object.values(VIGIL_TOPICS).sort());
    for (const kind of Object.values(BUS)) expect(kind.maxBytes).toBeLessThan(1024 * 1024);
  });
});
