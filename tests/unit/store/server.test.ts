import { describe, expect, it } from 'vitest';
import { describeServer } from '../../../store/influx/server.ts';
import { credentials } from '../../../store/influx/transport.ts';

describe('describeServer', () => {
  it('reads 1.x, 2.x and 3.x from /ping', () => {
    expect(describeServer({ 'x-influxdb-version': '1.6.7~rc0', 'x-influxdb-build': 'OSS' })).toEqual({
      major: 1,
      version: '1.6.7~rc0',
      build: 'OSS',
      label: 'InfluxDB 1.x 1.6.7~rc0 (OSS)',
    });
    expect(describeServer({ 'X-Influxdb-Version': 'v2.7.10', 'X-Influxdb-Build': 'OSS' })).toMatchObject({
      major: 2,
      label: 'InfluxDB 2.x v2.7.10 (OSS)',
    });
    expect(describeServer({ 'x-influxdb-version': '3.0.1', 'x-influxdb-build': 'Core' })).toMatchObject({
      major: 3,
      label: 'InfluxDB 3.x 3.0.1 (Core)',
    });
    expect(describeServer({}, { version: '3.1.0', revision: 'abc' })).toMatchObject({ major: 3, version: '3.1.0' });
  });

  it('says so when the server does not name itself', () => {
    expect(describeServer({})).toEqual({ major: null, version: '', build: '', label: 'InfluxDB of unknown version' });
    expect(describeServer({ 'x-influxdb-version': '9.0' })).toMatchObject({ major: null, label: 'InfluxDB of unknown version 9.0' });
  });
});

describe('credentials', () => {
  it('sends a token as a token and user:password as basic auth', () => {
    expect(credentials(undefined)).toEqual({});
    expect(credentials('abc==')).toEqual({ token: 'abc==' });
    expect(credentials('apiv3_xyz')).toEqual({ token: 'apiv3_xyz' });
    expect(credentials('vigil:s3cr:et')).toEqual({
      headers: { Authorization: `Basic ${Buffer.from('vigil:s3cr:et').toString('base64')}` },
    });
  });
});
