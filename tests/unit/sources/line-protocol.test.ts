import { describe, expect, it } from 'vitest';
import { parseLineProtocol } from '../../../sources/decoders/line-protocol.ts';

describe('InfluxDB line protocol (escaping per the InfluxDB docs)', () => {
  it('parses measurement, tags, typed fields and the timestamp', () => {
    const p = parseLineProtocol(
      'weather,location=us-midwest temperature=82,count=3i,big=18446744073709551615u,ok=T,bad=false 1465839830100400200',
    );
    expect(p.badLines).toBe(0);
    expect(p.lines).toEqual([
      {
        measurement: 'weather',
        tags: [['location', 'us-midwest']],
        fields: [
          ['temperature', 82],
          ['count', 3],
          ['big', Number('18446744073709551615')],
          ['ok', 1],
          ['bad', 0],
        ],
        ts: '1465839830100400200',
      },
    ]);
  });

  it('unescapes commas, spaces and equals signs where the docs allow them', () => {
    const p = parseLineProtocol('my\\ meas\\,ure,tag\\ key=tag\\,val\\=1 field\\=key=1.5e3');
    expect(p.lines[0]).toEqual({ measurement: 'my meas,ure', tags: [['tag key', 'tag,val=1']], fields: [['field=key', 1500]], ts: null });
  });

  it('keeps a lone backslash literal and skips quoted strings, even with escaped quotes, commas and newlines', () => {
    const p = parseLineProtocol('m\\x,t=a\\b s="say \\"hi\\", then\nbye",v=1 10\nm v=2 20');
    expect(p.lines).toEqual([
      {
        measurement: 'm\\x',
        tags: [['t', 'a\\b']],
        fields: [
          ['s', null],
          ['v', 1],
        ],
        ts: '10',
      },
      { measurement: 'm', tags: [], fields: [['v', 2]], ts: '20' },
    ]);
  });

  it('skips comments and blank lines, reports bad lines and keeps the good ones', () => {
    const p = parseLineProtocol('# comment\n\nm v=1\nm v=abc\nm\nm v=1 notanumber\nm v=0x10\nm v=1u,w=-1u\nm v=2 3\r\n');
    expect(p.lines.map((l) => l.fields)).toEqual([[['v', 1]], [['v', 2]]]);
    expect(p.badLines).toBe(5);
    expect(p.errors[0]).toBe('line 4: field v has a bad value "abc"');
  });
});
