import { describe, expect, it } from 'vitest';
import { compilePattern, type TopicPattern } from '../../../sources/pattern.ts';

function compiled(source: string): TopicPattern {
  const r = compilePattern(source);
  if (!r.ok) throw new Error(r.error);
  return r.pattern;
}

describe('topic patterns', () => {
  it('captures single-level placeholders and derives the filter', () => {
    const p = compiled('site/{device}/env/{metric}');
    expect(p.filter).toBe('site/+/env/+');
    expect(p.names).toEqual(['device', 'metric']);
    expect({ ...p.match('site/boiler/env/temp') }).toEqual({ device: 'boiler', metric: 'temp' });
    expect(p.match('site/boiler/env')).toBeNull();
    expect(p.match('site/boiler/env/temp/x')).toBeNull();
    expect(p.match('site//env/temp')).toBeNull();
    expect(p.match('other/boiler/env/temp')).toBeNull();
  });

  it('a multi-level placeholder takes one or more levels, also before a literal tail', () => {
    const p = compiled('zigbee2mqtt/{device+}/availability');
    expect(p.filter).toBe('zigbee2mqtt/#');
    expect({ ...p.match('zigbee2mqtt/Living Room/Lamp/availability') }).toEqual({ device: 'Living Room/Lamp' });
    expect(p.match('zigbee2mqtt/availability')).toBeNull();
    expect({ ...compiled('a/{rest+}').match('a/b/c') }).toEqual({ rest: 'b/c' });
  });

  it('anonymous + and # work as in MQTT', () => {
    const p = compiled('site/+/{device}/#');
    expect(p.filter).toBe('site/+/+/#');
    expect({ ...p.match('site/eu/pump1/x/y') }).toEqual({ device: 'pump1' });
    expect({ ...p.match('site/eu/pump1') }).toEqual({ device: 'pump1' });
    expect(p.match('site/eu')).toBeNull();
    expect(compiled('a/{rest+}').match('a')).toBeNull();
  });

  it('treats regex metacharacters in literals as plain text (no regex is built)', () => {
    const p = compiled('a.b/(x)*/{device}');
    expect(p.match('a.b/(x)*/d1')).not.toBeNull();
    expect(p.match('aXb/(x)*/d1')).toBeNull();
  });

  it('refuses malformed patterns with a reason', () => {
    for (const bad of ['', 'a/#/b', 'a/{de vice}', 'a/x{device}', 'a/{d}/{d}', 'a/{x+}/{y+}', '$SYS/{device}', 'a/b+c']) {
      const r = compilePattern(bad);
      expect(r.ok, bad).toBe(false);
    }
  });
});
