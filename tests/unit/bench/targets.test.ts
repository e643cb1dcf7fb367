import { describe, expect, it } from 'vitest';
import { ratioTarget } from '../../../bench/targets.ts';

const base = { scenario: 'ingest' as const, what: 'w', peerName: 'mqtt.js', format: (n: number) => `${n}/s` };

describe('ratio targets', () => {
  it('judges a rate against its peer, whatever the machine speed', () => {
    const slow = ratioTarget({ ...base, value: 600, peer: 1000, goal: 0.6, better: 'higher' });
    const fast = ratioTarget({ ...base, value: 6000, peer: 10000, goal: 0.6, better: 'higher' });
    expect(slow.met).toBe(true);
    expect(fast.met).toBe(true);
    expect(slow.target).toBe('>= 0.60x mqtt.js');
    expect(slow.measured).toBe('0.60x (600/s vs 1000/s)');
    expect(ratioTarget({ ...base, value: 599, peer: 1000, goal: 0.6, better: 'higher' }).met).toBe(false);
  });

  it('judges times the other way, and honours a further condition', () => {
    expect(ratioTarget({ ...base, value: 130, peer: 100, goal: 1.3, better: 'lower' }).met).toBe(true);
    expect(ratioTarget({ ...base, value: 131, peer: 100, goal: 1.3, better: 'lower' }).met).toBe(false);
    const lossy = ratioTarget({ ...base, value: 900, peer: 1000, goal: 0.6, better: 'higher', also: { ok: false, text: 'lost 3' } });
    expect(lossy.met).toBe(false);
    expect(lossy.measured).toContain('lost 3');
  });

  it('says "not measured" rather than a verdict when either side is missing', () => {
    expect(ratioTarget({ ...base, value: undefined, peer: 1000, goal: 0.6, better: 'higher' }).met).toBeUndefined();
    expect(ratioTarget({ ...base, value: 5, peer: undefined, goal: 0.6, better: 'higher' }).met).toBeUndefined();
    expect(ratioTarget({ ...base, value: 5, peer: 0, goal: 0.6, better: 'higher' }).met).toBeUndefined();
  });
});
